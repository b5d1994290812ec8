"""Bundle fetching without the network: POM generation, wheel extraction, completion marker."""

import zipfile
from xml.etree import ElementTree

from streamt.local import fetch
from streamt.local.bundles import Bundle, Layout, MavenDep, bundles_for
from streamt.local.versions import DEFAULT_VERSIONS, SHA256

NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def test_pom_lists_the_dependencies_and_cuts_transitive_ones_when_asked():
    bundles = bundles_for(DEFAULT_VERSIONS)
    pom = ElementTree.fromstring(fetch._pom(bundles.registry))
    deps = pom.findall("m:dependencies/m:dependency", NS)
    assert [d.findtext("m:artifactId", namespaces=NS) for d in deps] == ["apicurio-registry-app"]
    assert deps[0].findtext("m:classifier", namespaces=NS) == "all"
    assert deps[0].findtext("m:type", namespaces=NS) == "tar.gz"
    assert deps[0].find("m:exclusions/m:exclusion", NS) is not None
    kafka = ElementTree.fromstring(fetch._pom(bundles.kafka))
    assert kafka.find(".//m:exclusions", NS) is None  # the broker needs its dependencies


def test_every_default_direct_download_is_pinned():
    bundles = bundles_for(DEFAULT_VERSIONS)
    direct = [d.file_name for b in bundles.all() if not b.transitive for d in b.maven]
    assert direct and all(name in SHA256 for name in direct)


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


def test_maven_errors_are_shown_without_the_generic_advice():
    lines = [
        "[ERROR] Failed to execute goal: Could not resolve x:y:1 -> [Help 1]",
        "[ERROR] ",
        "[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.",
        "[ERROR] Re-run Maven using the -X switch to enable full debug logging.",
        "[ERROR] For more information about the errors and possible solutions, please read:",
        "[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/Dependency",
    ]
    assert fetch._meaningful(lines) == ["[ERROR] Failed to execute goal: Could not resolve x:y:1"]
