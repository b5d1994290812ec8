"""Finds the Java runtime and checks it is 17 or newer (Kafka 4.x, Flink 2.2, Apicurio 3)."""

from __future__ import annotations

import re
import shutil
import subprocess

from streamt.diagnostics import Diagnostic, StreamtError

MIN_JAVA = 17
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def parse_java_major(text: str) -> int | None:
    match = _VERSION.search(text)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # 1.8 style
        return int(match.group(2))
    return major


def check_java(java: str) -> int:
    """The major version of `java`; raises K001 when missing or older than 17."""
    path = shutil.which(java)
    if path is None:
        raise StreamtError(
            Diagnostic(
                "K001",
                f"Java not found (looked for `{java}`); the local stack needs Java {MIN_JAVA}+",
                hint="install it (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless) "
                "or set JAVA_HOME",
            )
        )
    proc = subprocess.run([path, "-version"], capture_output=True, text=True, check=False)
    major = parse_java_major(proc.stderr + proc.stdout)
    if major is None or major < MIN_JAVA:
        found = (proc.stderr.strip().splitlines() or ["unknown"])[0]
        raise StreamtError(
            Diagnostic(
                "K001",
                f"Java {MIN_JAVA}+ is required, found {found} at {path}",
                hint="install Java 17 or newer and put it first on PATH, or set JAVA_HOME",
            )
        )
    return major
