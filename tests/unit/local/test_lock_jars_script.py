"""scripts/lock-jars without Maven or network: the POM it resolves, which files of Maven's
repository layout it locks, and that a released file may not change between locks."""

import importlib.util
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from streamt.local.bundles import bundles_for
from streamt.local.lock import JarsLock, LockedBundle, LockedFile
from streamt.local.versions import DEFAULT_VERSIONS

SPEC = importlib.util.spec_from_file_location(
    "lock_jars", Path(__file__).resolve().parents[3] / "scripts" / "lock_jars.py"
)
assert SPEC and SPEC.loader
lock_jars = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(lock_jars)
NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def test_the_pom_lists_the_dependencies_and_cuts_transitive_ones_when_asked():
    bundles = bundles_for(DEFAULT_VERSIONS)
    pom = ElementTree.fromstring(lock_jars.pom(bundles.registry))
    deps = pom.findall("m:dependencies/m:dependency", NS)
    assert [d.findtext("m:artifactId", namespaces=NS) for d in deps] == ["apicurio-registry-app"]
    assert deps[0].findtext("m:classifier", namespaces=NS) == "all"
    assert deps[0].findtext("m:type", namespaces=NS) == "tar.gz"
    assert deps[0].find("m:exclusions/m:exclusion", NS) is not None
    kafka = ElementTree.fromstring(lock_jars.pom(bundles.kafka))
    assert kafka.find(".//m:exclusions", NS) is None  # the broker needs its dependencies


def _repo(tmp_path):
    root = tmp_path / "out"
    files = {
        "org/x/lib/1.0/lib-1.0.jar": b"jar",
        "org/x/lib/1.0/lib-1.0-plugin.tar.gz": b"tgz",
        "org/x/lib/1.0/_remote.repositories": b"bookkeeping",
        "org/x/lib/maven-metadata-local.xml": b"<metadata/>",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def test_only_artifacts_are_locked_and_checked_against_the_published_sha1(tmp_path, capsys):
    root = _repo(tmp_path)
    served = {
        "/maven2/org/x/lib/1.0/lib-1.0.jar.sha1": lock_jars._digest(
            root / "org/x/lib/1.0/lib-1.0.jar", "sha1"
        )
    }

    def handler(request: httpx.Request) -> httpx.Response:
        body = served.get(request.url.path)
        return httpx.Response(200, text=f"{body}  lib-1.0.jar") if body else httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    files = lock_jars.locked_files(root, client, "https://repo.example/maven2")
    assert [f.path for f in files] == [
        "org/x/lib/1.0/lib-1.0-plugin.tar.gz",
        "org/x/lib/1.0/lib-1.0.jar",
    ]
    assert files[1].size == 3
    assert "lib-1.0-plugin.tar.gz: the repository publishes no .sha1" in capsys.readouterr().err
    served["/maven2/org/x/lib/1.0/lib-1.0.jar.sha1"] = "0" * 40
    with pytest.raises(SystemExit, match="sha1 differs"):
        lock_jars.locked_files(root, client, "https://repo.example/maven2")


def test_a_released_file_may_not_change_between_locks():
    def lock(sha: str) -> JarsLock:
        f = LockedFile(path="org/x/lib/1.0/lib-1.0.jar", size=3, sha256=sha)
        return JarsLock(
            bundles={"lib-1.0": LockedBundle(coordinates=(), transitive=False, files=(f,))}
        )

    lock_jars.check_against(lock("a" * 64), lock("a" * 64))
    lock_jars.check_against(None, lock("a" * 64))
    with pytest.raises(SystemExit, match="changed since the previous lock"):
        lock_jars.check_against(lock("a" * 64), lock("b" * 64))
