"""`streamt schemas pull` against the local stack's registry, then compile with the lock."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.stack import runtime_yaml

pytestmark = pytest.mark.integration


def test_pull_locks_columns_that_compile_uses(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    topic = f"pull.{uuid.uuid4().hex[:8]}.v1"
    schema = {
        "type": "record",
        "name": "Event",
        "fields": [{"name": "event_id", "type": "string"}, {"name": "n", "type": "long"}],
    }
    resp = httpx.post(
        f"{local_stack.schema_registry_url}/subjects/{topic}-value/versions",
        json={"schema": json.dumps(schema)},
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    assert resp.status_code == 200, resp.text
    (tmp_path / "stream_project.yml").write_text(
        "project: {name: pulltest}\n"
        f"sources:\n  - {{name: events, topic: {topic}}}\n"
        "models:\n  - name: big\n"
        '    sql: SELECT event_id, n FROM {{ source("events") }} WHERE n > 10\n'
        + runtime_yaml(local_stack)
    )
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "streamt", *a, "-p", str(tmp_path)], capture_output=True, text=True
    )
    pulled = run("schemas", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert f"events: {topic}-value -> 2 column(s)" in pulled.stdout
    validated = run("validate", "--format", "json")
    report = json.loads(validated.stdout)
    assert report["ok"], report
    codes = [d["code"] for d in report["diagnostics"]]
    assert "C020" not in codes  # columns come from the lock, nothing inferred
    compiled = run("compile")
    assert compiled.returncode == 0, compiled.stderr
    sql = (tmp_path / "target" / "flink" / "big.sql").read_text()
    assert "`n` BIGINT" in sql
