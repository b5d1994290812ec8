"""The jar lock: it covers exactly the Maven bundles of the pinned versions (a version bump
without `scripts/lock-jars` fails here), its JSON Schema is the committed one, and a bundle
it does not cover is a K003 that says how to lock it."""

import json
from dataclasses import replace

import pytest

from streamt.diagnostics import StreamtError
from streamt.local.bundles import Layout, MavenDep, bundles_for
from streamt.local.config import load_config
from streamt.local.lock import (
    LOCK_FILE,
    MAVEN_CENTRAL,
    JarsLock,
    lock_json,
    lock_json_schema,
    read_lock,
)
from streamt.local.versions import DEFAULT_VERSIONS


def _maven_bundles(versions=DEFAULT_VERSIONS):
    return [b for b in bundles_for(versions).all() if b.layout is not Layout.WHEEL]


def test_the_lock_covers_exactly_the_declared_maven_bundles():
    lock = read_lock(LOCK_FILE)
    declared = {b.key: b for b in _maven_bundles()}
    assert set(lock.bundles) == set(declared)
    for key, bundle in declared.items():
        entry = lock.bundles[key]
        assert entry.coordinates == tuple(d.coordinate for d in bundle.maven)
        assert entry.transitive == bundle.transitive
        paths = {f.path for f in entry.files}
        assert {d.repository_path for d in bundle.maven} <= paths  # the declared files
        if not bundle.transitive:
            assert len(entry.files) == len(bundle.maven)
        names = [f.name for f in entry.files]
        assert len(names) == len(set(names)), f"{key}: two files would share a name"
        # the files laid out today keep their names (Maven's copy-dependencies naming)
        assert {d.file_name for d in bundle.maven} <= set(names)


def test_the_kafka_bundle_is_locked_with_its_transitive_closure():
    entry = read_lock(LOCK_FILE).bundles[bundles_for(DEFAULT_VERSIONS).kafka.key]
    paths = {f.path for f in entry.files}
    assert len(paths) > 50
    assert (
        f"org/apache/kafka/kafka-clients/{DEFAULT_VERSIONS.kafka}/kafka-clients-4.3.1.jar" in paths
    )
    assert any(p.startswith("org/scala-lang/scala-library/") for p in paths)


def test_the_committed_lock_is_what_lock_jars_writes():
    text = LOCK_FILE.read_text()
    assert lock_json(read_lock(LOCK_FILE)) == text
    assert json.loads(text)["schema_version"] == 1


def test_the_committed_json_schema_is_generated_from_the_models():
    committed = LOCK_FILE.with_name("jars.lock.schema.json").read_text()
    assert committed == lock_json_schema(), "regenerate: lock_json_schema()"


@pytest.mark.parametrize("field", ["kafka", "flink", "apicurio", "debezium_jdbc", "log4j"])
def test_a_version_bump_without_a_new_lock_is_K003_naming_lock_jars(field):
    bumped = replace(DEFAULT_VERSIONS, **{field: "99.0.0"})
    lock = read_lock(LOCK_FILE)
    changed = [b for b in _maven_bundles(bumped) if b not in _maven_bundles()]
    assert changed
    for bundle in changed:
        with pytest.raises(StreamtError) as err:
            lock.files_of(bundle)
        diag = err.value.diagnostics[0]
        assert diag.code == "K003" and bundle.label in diag.message
        assert "scripts/lock-jars" in diag.hint and "STREAMT_LOCAL_JARS_LOCK" in diag.hint


def test_a_bundle_with_other_artifacts_under_the_same_key_is_refused():
    kafka = bundles_for(DEFAULT_VERSIONS).kafka
    widened = replace(kafka, maven=(*kafka.maven, MavenDep("org.example", "extra", "1")))
    with pytest.raises(StreamtError) as err:
        read_lock(LOCK_FILE).files_of(widened)
    assert "made for other artifacts" in err.value.diagnostics[0].message
    with pytest.raises(StreamtError):
        read_lock(LOCK_FILE).files_of(replace(kafka, transitive=False))


@pytest.mark.parametrize(
    "path",
    ["../etc/passwd.jar", "/abs/a/a-1.jar", "a//b.jar", "a/b/../c.jar", "https://x/a.jar", "a.jar"],
)
def test_a_lock_path_that_is_not_a_relative_repository_path_is_refused(tmp_path, path):
    entry = {"path": path, "size": 1, "sha256": "0" * 64}
    body = {
        "schema_version": 1,
        "bundles": {"b": {"coordinates": [], "transitive": False, "files": [entry]}},
    }
    bad = tmp_path / "lock.json"
    bad.write_text(json.dumps(body))
    with pytest.raises(StreamtError) as err:
        read_lock(bad)
    assert err.value.diagnostics[0].code == "K003" and str(bad) in err.value.diagnostics[0].message


def test_an_unknown_schema_version_or_a_missing_file_is_K003(tmp_path):
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"schema_version": 2, "bundles": {}}))
    for path in (future, tmp_path / "missing.json"):
        with pytest.raises(StreamtError) as err:
            read_lock(path)
        assert err.value.diagnostics[0].code == "K003"
    assert JarsLock(bundles={}).schema_version == 1


def test_repository_and_lock_come_from_the_environment(tmp_path):
    default = load_config(env={})
    assert default.maven_repository == MAVEN_CENTRAL == "https://repo1.maven.org/maven2"
    assert default.jars_lock == LOCK_FILE
    cfg = load_config(
        env={
            "STREAMT_MAVEN_REPOSITORY": "https://mirror.example/maven2",
            "STREAMT_LOCAL_JARS_LOCK": str(tmp_path / "my.lock.json"),
        }
    )
    assert cfg.maven_repository == "https://mirror.example/maven2"
    assert cfg.jars_lock == tmp_path / "my.lock.json"
