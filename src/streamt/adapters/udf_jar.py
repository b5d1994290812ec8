"""Builds streamt's own Flink function (`streamt.compile.udf`, the Avro decoder) into the jar a
job's `ADD JAR` names, once per content digest: `javac` (JDK 17+,
`JAVA_HOME` or `PATH`) against the Flink jars it uses (flink-table-api-java-uber, for
ScalarFunction; flink-sql-avro-confluent-registry, for Avro), which are looked up in
`STREAMT_FLINK_LIB` (directories, separated by the path separator) or else the local stack's
cache (`STREAMT_CACHE_DIR`, default `~/.cache/streamt`). The jar is written atomically; a job
whose jar exists is submitted without a build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from streamt.adapters.protocols import AdapterError
from streamt.compile import udf

NEEDED = ("flink-table-api-java-uber-*.jar", "flink-sql-avro-confluent-registry-*.jar")
_USING = re.compile(r"ADD JAR '([^']*/" + re.escape(udf.JAR_PREFIX) + r"[0-9a-f]+\.jar)'")


def ensure_built(statements: Iterable[str], environ: Mapping[str, str]) -> None:
    """Build the decoder jar each statement names, if it is missing."""
    for statement in statements:
        for jar in _USING.findall(statement):
            if not Path(jar).is_file():
                build(Path(jar), environ)


def build(jar: Path, environ: Mapping[str, str]) -> None:
    classpath = os.pathsep.join(str(p) for p in flink_jars(environ))
    javac = _tool("javac", environ)
    with tempfile.TemporaryDirectory(prefix="streamt-udf-") as work:
        classes = Path(work) / "classes"
        command = [javac, "--release", "17", "-nowarn", "-cp", classpath, "-d", str(classes)]
        done = subprocess.run(
            [*command, str(udf.SOURCE)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise AdapterError(
                "javac", f"building streamt's Avro decoder failed: {done.stderr.strip()}"
            )
        jar.parent.mkdir(parents=True, exist_ok=True)
        partial = jar.with_name(jar.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr("META-INF/", "")
            out.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
            for path in sorted(classes.rglob("*")):  # directories too, as `jar` writes them
                name = path.relative_to(classes).as_posix()
                if path.is_dir():
                    out.writestr(name + "/", "")
                else:
                    out.write(path, name)
        partial.replace(jar)


def flink_jars(environ: Mapping[str, str]) -> list[Path]:
    dirs = [Path(d) for d in environ.get("STREAMT_FLINK_LIB", "").split(os.pathsep) if d]
    if not dirs:
        cache = Path(environ.get("STREAMT_CACHE_DIR") or Path.home() / ".cache" / "streamt")
        dirs = sorted((cache / "local").glob("flink-*/pyflink/lib"))
        dirs += sorted((cache / "local").glob("flink-extra-*/jars"))
    found = []
    for pattern in NEEDED:
        matches = sorted(p for d in dirs for p in d.glob(pattern))
        if not matches:
            raise AdapterError(
                "javac",
                f"building streamt's Avro decoder needs {pattern} (the Flink jars it compiles "
                f"against); none in {', '.join(map(str, dirs)) or 'no directory'}: set "
                "STREAMT_FLINK_LIB to the directories holding Flink's lib jars and "
                "flink-sql-avro-confluent-registry",
            )
        found.append(matches[-1])
    return found


def _tool(name: str, environ: Mapping[str, str]) -> str:
    home = environ.get("JAVA_HOME")
    found = str(Path(home) / "bin" / name) if home else shutil.which(name)
    if not found or not Path(found).exists():
        raise AdapterError(
            "javac",
            f"building streamt's Avro decoder needs a JDK ({name} not found; set JAVA_HOME)",
        )
    return found
