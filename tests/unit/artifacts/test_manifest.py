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
