"""manifest.json: committed JSON Schema matches the code; files validate; writes are safe."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from streamt.artifacts import MANIFEST_SCHEMA_VERSION, manifest_json_schema, write_artifacts
from streamt.load.files import safe_file_name
from tests.unit.compile.helpers import EXAMPLES, compile_dir

SCHEMA_FILE = (
    Path(__file__).resolve().parents[3] / "src/streamt/artifacts/schemas/manifest.schema.json"
)


def test_committed_schema_matches_code() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == manifest_json_schema(), (
        "regenerate: python -c 'import json; from streamt.artifacts import manifest_json_schema; "
        "print(json.dumps(manifest_json_schema(), indent=2, sort_keys=True))' > " + str(SCHEMA_FILE)
    )


def test_written_manifest_validates_and_lists_files(tmp_path: Path) -> None:
    result, _ = compile_dir(EXAMPLES / "clickstream")
    written = write_artifacts(result, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    jsonschema.validate(manifest, manifest_json_schema())
    assert manifest["schema_version"] == MANIFEST_SCHEMA_VERSION
    listed = {e["file"] for kind in ("topics", "flink_jobs", "connectors") for e in manifest[kind]}
    assert {str(p.relative_to(tmp_path)) for p in written} == listed | {"manifest.json"}
    assert "${PG_PASSWORD}" in (tmp_path / "connectors/clicks_per_page_pg.json").read_text()


def test_rewrite_is_byte_identical_and_removes_stale_files(tmp_path: Path) -> None:
    result, _ = compile_dir(EXAMPLES / "payments")
    write_artifacts(result, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    stale = tmp_path / "flink" / "old_model.sql"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["flink_jobs"][0] = {**manifest["flink_jobs"][0], "file": "flink/old_model.sql"}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    stale.write_text("-- stale")
    user_file = tmp_path / "flink" / "notes.txt"
    user_file.write_text("mine")
    write_artifacts(result, tmp_path)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p != user_file}
    assert after == before
    assert not stale.exists() and user_file.exists()


def test_file_names_cannot_escape_the_directory() -> None:
    assert safe_file_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_file_name("..") == "_"
    assert safe_file_name("a/b\\c") == "a_b_c"
    assert safe_file_name("orders.v1-value") == "orders.v1-value"


def test_entries_are_the_resource_values_as_plan_json_and_the_ledger_serialise_them(
    tmp_path: Path,
) -> None:
    """A manifest entry is the compiled value unchanged (what `plan.json` and the ledger
    hold), with its node and file: read back, it is the value compile emitted."""
    from streamt.artifacts.manifest import Manifest
    from streamt.resources import Change, ResourceKind
    from streamt.resources.kinds import Action

    result, _ = compile_dir(EXAMPLES / "clickstream")
    write_artifacts(result, tmp_path)
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    d = result.desired
    kinds = {
        "topics": d.topics,
        "subjects": d.subjects,
        "flink_jobs": d.jobs,
        "connectors": d.connectors,
        "gateway_rules": d.gateway_rules,
    }
    assert d.jobs and d.connectors and d.topics
    for key, values in kinds.items():
        assert [e["spec"] for e in manifest[key]] == [v.as_json() for v in values]
        assert [e["node"] for e in manifest[key]] == [v.node for v in values]
    job = d.jobs[0]
    change = Change(
        kind=ResourceKind.JOB, name=job.name, action=Action.CREATE, reason="", desired=job
    )
    assert change.model_dump(mode="json")["desired"] == manifest["flink_jobs"][0]["spec"]
    read = Manifest.model_validate_json(text)
    assert [a.spec for a in read.topics] == list(d.topics)
    assert [a.spec.statements for a in read.flink_jobs] == [j.statements for j in d.jobs]
