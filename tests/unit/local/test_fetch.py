"""Bundle fetching without the network: locked files from a fake Maven repository (httpx
MockTransport answering as Maven Central does: 200 with the bytes, 404 for what it does not
serve), retries, verification, wheel extraction, completion marker."""

import hashlib
import io
import tarfile
import zipfile

import httpx
import pytest

from streamt.diagnostics import StreamtError
from streamt.local import fetch
from streamt.local.bundles import Bundle, Layout, MavenDep
from streamt.local.lock import JarsLock, LockedBundle, LockedFile, lock_json

BASE = "https://mirror.example/maven2"


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


LIB = Bundle(
    key="lib-1",
    label="Lib 1 with its dependencies",
    layout=Layout.FLAT,
    subdir="lib",
    transitive=True,
    maven=(MavenDep("org.example", "lib", "1"),),
)
PLUGIN = Bundle(
    key="plugin-2",
    label="Plugin 2",
    layout=Layout.EXTRACT,
    maven=(MavenDep("org.example", "plugin", "2", "tar.gz", "bin"),),
)
FILES = {
    "org/example/lib/1/lib-1.jar": b"PK lib " * 5000,
    "org/example/dep/3.0/dep-3.0.jar": b"PK dep " * 300,
    "com/other/util/0.9/util-0.9.jar": b"PK util",
    "org/example/plugin/2/plugin-2-bin.tar.gz": _tar_gz({"plugin/README": b"hello"}),
}


def _locked(path: str) -> LockedFile:
    data = FILES[path]
    return LockedFile(path=path, size=len(data), sha256=hashlib.sha256(data).hexdigest())


LOCK = JarsLock(
    bundles={
        "lib-1": LockedBundle(
            coordinates=("org.example:lib:1",),
            transitive=True,
            files=tuple(_locked(p) for p in sorted(FILES) if p.endswith(".jar")),
        ),
        "plugin-2": LockedBundle(
            coordinates=("org.example:plugin:tar.gz:bin:2",),
            transitive=False,
            files=(_locked("org/example/plugin/2/plugin-2-bin.tar.gz"),),
        ),
    }
)


class _Body(httpx.SyncByteStream):
    """A body as it arrives from a socket, in chunks; `cut` stops it halfway: the stream just
    ends ("truncated") or the connection drops ("dropped", what httpx raises then)."""

    def __init__(self, data: bytes, cut: str = "") -> None:
        self.data, self.cut = data, cut

    def __iter__(self):
        data = self.data[: len(self.data) // 2] if self.cut else self.data
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]
        if self.cut == "dropped":
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            )


class FakeRepository:
    """A Maven repository over MockTransport. `script[path]` lists what the next requests
    for a path get ("ok", "503", "truncated", "dropped", "wrong", "longer", "connect");
    once it is used up, the file is served."""

    def __init__(self, files=FILES, script=None) -> None:
        self.files = dict(files)
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        assert request.method == "GET" and url.startswith(BASE + "/")
        path = url[len(BASE) + 1 :]
        if path not in self.files:
            return httpx.Response(404, text="<html><body>404 Not Found</body></html>")
        data = self.files[path]
        todo = self.script.get(path)
        step = todo.pop(0) if todo else "ok"
        headers = {"Content-Type": "application/java-archive", "Content-Length": str(len(data))}
        if step == "503":
            return httpx.Response(503, text="Service Unavailable")
        if step == "connect":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if step in ("truncated", "dropped"):
            return httpx.Response(200, headers=headers, stream=_Body(data, step))
        if step == "wrong":
            data = bytes(reversed(data))  # same size, other bytes
        if step == "longer":
            data = data + b"trailing garbage"
        headers["Content-Length"] = str(len(data))
        return httpx.Response(200, headers=headers, stream=_Body(data))

    def count(self, path: str) -> int:
        return self.requests.count(f"{BASE}/{path}")


@pytest.fixture
def sleeps(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(fetch.time, "sleep", waited.append)
    return waited


def _ensure(tmp_path, repo, bundles=(LIB, PLUGIN), progress=None, base=BASE):
    lock_file = tmp_path / "jars.lock.json"
    lock_file.write_text(lock_json(LOCK))
    source = fetch.Source(
        base, lock_file, httpx.Client(transport=httpx.MockTransport(repo)), backoff=0.5
    )
    fetch.ensure_bundles(tmp_path / "cache", list(bundles), progress or (lambda _m: None), source)


def _error(tmp_path, repo, bundles=(LIB,)) -> object:
    with pytest.raises(StreamtError) as err:
        _ensure(tmp_path, repo, bundles)
    assert len(err.value.diagnostics) == 1
    return err.value.diagnostics[0]


def _nothing_landed(tmp_path, bundle=LIB):
    cache = tmp_path / "cache"
    assert not fetch.bundle_dir(cache, bundle).exists()
    assert not list(cache.rglob("*.part"))
    partial = fetch.bundle_dir(cache, bundle).with_name(f".{bundle.key}.partial")
    for path in partial.rglob("*"):  # what a retry may keep is verified
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() in {
                f.sha256 for f in LOCK.bundles[bundle.key].files
            }


def test_locked_files_are_fetched_verified_and_laid_out(tmp_path, sleeps):
    repo = FakeRepository()
    lines: list[str] = []
    _ensure(tmp_path, repo, progress=lines.append, base=BASE + "/")  # a trailing slash is fine
    lib = fetch.bundle_dir(tmp_path / "cache", LIB) / "lib"
    assert sorted(p.name for p in lib.iterdir()) == ["dep-3.0.jar", "lib-1.jar", "util-0.9.jar"]
    assert (lib / "lib-1.jar").read_bytes() == FILES["org/example/lib/1/lib-1.jar"]
    plugin = fetch.bundle_dir(tmp_path / "cache", PLUGIN)
    assert (plugin / "plugin" / "README").read_bytes() == b"hello"
    assert not (plugin / "plugin-2-bin.tar.gz").exists() and not (plugin / "download").exists()
    assert fetch.is_complete(tmp_path / "cache", LIB) and fetch.is_complete(
        tmp_path / "cache", PLUGIN
    )
    assert sorted(repo.requests) == sorted(f"{BASE}/{p}" for p in FILES)  # each once
    assert sleeps == []
    assert "fetching Lib 1 with its dependencies ..." in lines
    assert any(line.startswith("fetched Plugin 2: 0 MB in ") for line in lines)
    _ensure(tmp_path, repo)  # complete: no request at all
    assert len(repo.requests) == len(FILES)


def test_a_file_the_repository_does_not_serve_is_K003_naming_the_url(tmp_path, sleeps):
    files = {p: d for p, d in FILES.items() if "dep-3.0" not in p}
    diag = _error(tmp_path, FakeRepository(files))
    assert diag.code == "K003"
    assert f"{BASE}/org/example/dep/3.0/dep-3.0.jar: HTTP 404 Not Found" in diag.message
    assert "Lib 1 with its dependencies" in diag.message
    assert "STREAMT_MAVEN_REPOSITORY" in diag.hint and BASE in diag.hint
    assert sleeps == []  # a 404 is not retried
    _nothing_landed(tmp_path)


def test_a_transient_503_is_retried_with_backoff(tmp_path, sleeps):
    path = "org/example/lib/1/lib-1.jar"
    repo = FakeRepository(script={path: ["503", "503"]})
    _ensure(tmp_path, repo, (LIB,))
    assert repo.count(path) == 3 and sleeps == [0.5, 1.0]
    lib = fetch.bundle_dir(tmp_path / "cache", LIB) / "lib"
    assert (lib / "lib-1.jar").read_bytes() == FILES[path]


def test_a_503_that_persists_fails_after_the_last_attempt(tmp_path, sleeps):
    path = "org/example/lib/1/lib-1.jar"
    repo = FakeRepository(script={path: ["503"] * 10})
    diag = _error(tmp_path, repo)
    assert f"{BASE}/{path}: HTTP 503 Service Unavailable (after 4 attempts)" in diag.message
    assert repo.count(path) == 4 and sleeps == [0.5, 1.0, 2.0]
    _nothing_landed(tmp_path)


@pytest.mark.parametrize("how", ["truncated", "dropped", "connect"])
def test_a_truncated_or_dropped_download_is_retried_and_never_lands(tmp_path, sleeps, how):
    path = "org/example/lib/1/lib-1.jar"
    repo = FakeRepository(script={path: [how]})
    _ensure(tmp_path, repo, (LIB,))
    assert repo.count(path) == 2 and sleeps == [0.5]
    lib = fetch.bundle_dir(tmp_path / "cache", LIB) / "lib"
    assert (lib / "lib-1.jar").read_bytes() == FILES[path]


def test_a_body_that_always_ends_early_is_K003_with_the_byte_counts(tmp_path, sleeps):
    path = "org/example/lib/1/lib-1.jar"
    size = len(FILES[path])
    diag = _error(tmp_path, FakeRepository(script={path: ["truncated"] * 4}))
    assert f"{BASE}/{path}: the body ended after {size // 2} of {size} bytes" in diag.message
    _nothing_landed(tmp_path)


@pytest.mark.parametrize("how", ["wrong", "longer"])
def test_other_bytes_than_the_locked_ones_are_K003_and_not_retried(tmp_path, sleeps, how):
    path = "org/example/dep/3.0/dep-3.0.jar"
    repo = FakeRepository(script={path: [how]})
    diag = _error(tmp_path, repo)
    assert diag.code == "K003" and f"{BASE}/{path}: " in diag.message
    if how == "wrong":
        actual = hashlib.sha256(bytes(reversed(FILES[path]))).hexdigest()
        expected = hashlib.sha256(FILES[path]).hexdigest()
        assert f"sha256 {actual} where the lock has {expected}" in diag.message
    else:
        assert f"longer than the locked {len(FILES[path])} bytes" in diag.message
    assert "nothing was written to the cache" in diag.hint
    assert repo.count(path) == 1 and sleeps == []
    _nothing_landed(tmp_path)


def _interrupted(tmp_path, monkeypatch) -> str:
    """A first attempt, one file at a time, that fails on the last file (sorted by path)."""
    monkeypatch.setattr(fetch, "PARALLEL_FILES", 1)
    last = "org/example/lib/1/lib-1.jar"
    first = FakeRepository({p: d for p, d in FILES.items() if p != last})
    _error(tmp_path, first)
    assert first.count("com/other/util/0.9/util-0.9.jar") == 1
    return last


def test_a_rerun_fetches_only_what_an_interrupted_attempt_missed(tmp_path, sleeps, monkeypatch):
    last = _interrupted(tmp_path, monkeypatch)
    second = FakeRepository()
    _ensure(tmp_path, second, (LIB,))
    assert second.requests == [f"{BASE}/{last}"]
    assert fetch.is_complete(tmp_path / "cache", LIB)


def test_a_kept_file_that_was_tampered_with_is_fetched_again(tmp_path, sleeps, monkeypatch):
    last = _interrupted(tmp_path, monkeypatch)
    kept = tmp_path / "cache" / "local" / ".lib-1.partial" / "download" / "dep-3.0.jar"
    kept.write_bytes(b"X" * kept.stat().st_size)
    second = FakeRepository()
    _ensure(tmp_path, second, (LIB,))
    dep = "org/example/dep/3.0/dep-3.0.jar"
    assert sorted(second.requests) == sorted([f"{BASE}/{dep}", f"{BASE}/{last}"])
    lib = fetch.bundle_dir(tmp_path / "cache", LIB) / "lib"
    assert (lib / "dep-3.0.jar").read_bytes() == FILES[dep]


def test_a_bundle_missing_from_the_lock_is_K003_before_any_request(tmp_path):
    other = Bundle("other-1", "Other 1", Layout.FLAT, maven=(MavenDep("o", "o", "1"),))
    repo = FakeRepository()
    diag = _error(tmp_path, repo, (other, LIB))
    assert "the lock has no file list for other-1" in diag.message
    assert repo.requests == []


def test_progress_counts_each_verified_byte_once(tmp_path, sleeps):
    """Bytes of failed attempts are taken back: after a truncated, a longer and a good body
    the counter holds the file's size."""
    path = "org/example/dep/3.0/dep-3.0.jar"
    f = next(x for x in LOCK.bundles["lib-1"].files if x.path == path)
    client = httpx.Client(
        transport=httpx.MockTransport(FakeRepository(script={path: ["truncated", "longer"]}))
    )
    fetcher = fetch._Fetcher(fetch.Source(BASE), client, (f,))
    with pytest.raises(fetch._Corrupt):
        fetcher.fetch(f, tmp_path / "dep-3.0.jar")
    assert fetcher.received() == 0 and list(tmp_path.iterdir()) == []
    fetcher.fetch(f, tmp_path / "dep-3.0.jar")
    assert fetcher.received() == f.size == (tmp_path / "dep-3.0.jar").stat().st_size


def test_the_heartbeat_reports_bytes_of_the_total():
    lines: list[str] = []
    received = iter([1_000_000, *[13_000_000] * 10_000])  # at start, then later
    with fetch._Heartbeat(lambda: next(received), "Lib", lines.append, 56_000_000, every=0.01):
        while not lines:
            pass
    assert lines[0].startswith("  ... Lib: 12 of 56 MB so far (")


def test_wheel_members_keep_their_modes(tmp_path):
    wheel = tmp_path / "x.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        info = zipfile.ZipInfo("pkg/bin/tool")
        info.external_attr = 0o755 << 16
        zf.writestr(info, "#!/bin/sh\n")
        zf.writestr("pkg/other.txt", "skip me")
    fetch._extract_wheel(wheel, tmp_path / "out", ("pkg/bin/",))
    tool = tmp_path / "out" / "pkg" / "bin" / "tool"
    assert tool.stat().st_mode & 0o777 == 0o755
    assert not (tmp_path / "out" / "pkg" / "other.txt").exists()


def test_a_complete_bundle_is_not_fetched_again(tmp_path, monkeypatch):
    bundle = Bundle("b-1", "b", Layout.FLAT, maven=(MavenDep("g", "a", "1"),))
    (fetch.bundle_dir(tmp_path, bundle)).mkdir(parents=True)
    (fetch.bundle_dir(tmp_path, bundle) / fetch.MARKER).write_text("{}")
    fetched: list[object] = []
    monkeypatch.setattr(fetch, "fetch_bundle", lambda *a: fetched.append(a))
    fetch.ensure_bundles(tmp_path, [bundle], lambda _m: None)
    assert fetched == []
    assert not (tmp_path / "local" / ".fetch.lock").exists()  # not even the lock was taken


def test_maven_coordinates_and_repository_paths():
    dep = MavenDep("io.debezium", "debezium-connector-jdbc", "3.6.0.Final", "tar.gz", "plugin")
    assert dep.coordinate == "io.debezium:debezium-connector-jdbc:tar.gz:plugin:3.6.0.Final"
    assert dep.repository_path == (
        "io/debezium/debezium-connector-jdbc/3.6.0.Final/"
        "debezium-connector-jdbc-3.6.0.Final-plugin.tar.gz"
    )
    assert MavenDep("org.apache.kafka", "connect-file", "4.3.1").coordinate == (
        "org.apache.kafka:connect-file:4.3.1"
    )


def test_a_full_disk_is_K003_and_a_bug_in_a_fetch_thread_is_not_lost(tmp_path, monkeypatch):
    def full(*_a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fetch, "_lay_out", full)
    diag = _error(tmp_path, FakeRepository())
    assert diag.code == "K003" and "No space left on device" in diag.message
    assert "free space" in diag.hint

    def bug(*_a):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(fetch, "_lay_out", bug)
    with pytest.raises(ZeroDivisionError):
        _ensure(tmp_path, FakeRepository(), (LIB,))
    assert not fetch.is_complete(tmp_path / "cache", LIB)


def test_files_failing_alike_make_one_diagnostic_with_a_count():
    files = LOCK.bundles["lib-1"].files
    offline = fetch._Failed("ConnectError: [Errno -2] Name or service not known (after 4 attempts)")
    missing = fetch._Failed("HTTP 404 Not Found")
    failures = [(files[0], offline), (files[1], missing), (files[2], offline)]
    central = fetch._failure_diagnostics(LIB, fetch.Source(), failures)
    assert [d.message for d in central] == [
        f"could not fetch Lib 1 with its dependencies: {fetch.MAVEN_CENTRAL}/{files[0].path}: "
        f"{offline} (and 1 more file(s) alike)",
        f"could not fetch Lib 1 with its dependencies: {fetch.MAVEN_CENTRAL}/{files[1].path}: "
        f"{missing}",
    ]
    assert "Maven Central" in central[0].hint and "set STREAMT_MAVEN_REPOSITORY" in central[0].hint
    mirror = fetch._failure_diagnostics(LIB, fetch.Source(BASE), failures[:1])
    assert f"{BASE} (set by STREAMT_MAVEN_REPOSITORY; unset it" in mirror[0].hint


def test_a_wheel_bundle_without_pip_is_K003_saying_how_to_get_it(tmp_path, monkeypatch):
    real = fetch.importlib.util.find_spec
    monkeypatch.setattr(
        fetch.importlib.util, "find_spec", lambda name: None if name == "pip" else real(name)
    )
    wheel = Bundle("w-1", "Runtime 1", Layout.WHEEL, pip_requirement="runtime==1")
    with pytest.raises(StreamtError) as err:
        fetch.ensure_bundles(tmp_path, [wheel], lambda _m: None)
    diag = err.value.diagnostics[0]
    assert diag.code == "K003" and "pip is not installed" in diag.message
    assert "uv tool install --with pip" in diag.hint
    assert not fetch.is_complete(tmp_path, wheel)
