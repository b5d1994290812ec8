"""`streamt init` on the real local stack: the scaffold validates clean, applies, its job writes
exactly the filtered rows and its data test passes; `init --from-cluster` writes a source with
the columns of a live Avro subject. Every run has names of its own (project, topics, an
environment prefix for the model topic, job and group)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from tests.kafka_helpers import produce_json
from tests.stack import runtime_yaml

from .test_apply_support import destroy, read_all, wait_for_slots
from .test_datatests_support import create_topics

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def streamt(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        input=stdin,
    )


def _delete_topics(bootstrap: str, *topics: str) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.delete_topics(list(topics)).values():
        future.result(timeout=15)


def test_the_scaffold_validates_applies_and_produces_rows(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = uuid.uuid4().hex[:8]
    project, topic, env = f"init-{run}", f"init.events.{run}", f"it{run}"
    folder = tmp_path / project
    made = streamt("init", str(folder), "--no-input", "--name", project, "--topic", topic)
    assert made.returncode == 0, made.stdout + made.stderr
    validated = streamt("validate", "-p", str(folder), "--strict", "--format", "json")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert json.loads(validated.stdout)["ok"]
    # this run's prefix for the model topic, job and consumer group (as tests/integration do)
    (folder / "environments" / f"{env}.yml").write_text(
        f"environment: {{prefix: '{env}-'}}\n" + runtime_yaml(local_stack)
    )
    bootstrap = local_stack.kafka_bootstrap
    create_topics(bootstrap, topic)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(folder), "-e", env, "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        rows = [
            {"event_id": "e1", "user_id": "u1", "event_type": "click"},
            {"event_id": None, "user_id": "u2", "event_type": "view"},
            {"event_id": "e2", "user_id": "u3", "event_type": "purchase"},
        ]
        produce_json(bootstrap, topic, rows)
        out = read_all(bootstrap, f"{env}-events_clean", expect=2, timeout=90)
        assert sorted((v for _, v in out), key=lambda r: r["event_id"]) == [  # type: ignore[index]
            {"event_id": "e1", "user_id": "u1", "event_type": "click"},
            {"event_id": "e2", "user_id": "u3", "event_type": "purchase"},
        ]
        tested = streamt("test", "-p", str(folder), "-e", env, "--format", "json")
        assert tested.returncode == 0, tested.stdout + tested.stderr
        results = json.loads(tested.stdout)["results"]
        assert [(r["name"], r["status"]) for r in results] == [("events_clean_sample", "pass")]
    finally:
        destroy(project, env)
        _delete_topics(bootstrap, topic)


def test_from_cluster_writes_sources_with_the_subjects_columns(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = uuid.uuid4().hex[:8]
    topic, plain = f"init.orders.{run}", f"init.plain.{run}"
    schema = {
        "type": "record",
        "name": "Order",
        "fields": [
            {"name": "order_id", "type": "string"},
            {"name": "amount", "type": "double"},
            {"name": "qty", "type": "int"},
            {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        ],
    }
    bootstrap = local_stack.kafka_bootstrap
    create_topics(bootstrap, topic, plain)
    try:
        resp = httpx.post(
            f"{local_stack.schema_registry_url}/subjects/{topic}-value/versions",
            json={"schema": json.dumps(schema)},
            headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        )
        assert resp.status_code == 200, resp.text
        folder = tmp_path / "fc"
        # interactive: the listing shows the Avro topic; the answers choose both topics
        made = streamt(
            "init",
            str(folder),
            "--from-cluster",
            "--bootstrap-servers",
            bootstrap,
            "--registry-url",
            local_stack.schema_registry_url,
            stdin=f"fc-{run}\n{topic}, {plain}\n",
        )
        assert made.returncode == 0, made.stdout + made.stderr
        assert f"  {topic}  (registry schema)" in made.stdout
        assert f"  {plain}\n" in made.stdout
        written = yaml.safe_load((folder / "sources" / "cluster.yml").read_text())
        assert written == {
            "sources": [
                {
                    "name": f"init_orders_{run}",
                    "topic": topic,
                    "format": "avro-confluent",
                    "columns": [
                        {"name": "order_id", "type": "STRING"},
                        {"name": "amount", "type": "DOUBLE"},
                        {"name": "qty", "type": "INT"},
                        {"name": "ts", "type": "TIMESTAMP(3)"},
                    ],
                },
                {"name": f"init_plain_{run}", "topic": plain},  # no subject: inferred
            ]
        }
        project = yaml.safe_load((folder / "stream_project.yml").read_text())
        assert project["project"]["name"] == f"fc-{run}"
        validated = streamt("validate", "-p", str(folder), "--format", "json")
        assert validated.returncode == 0, validated.stdout + validated.stderr
        # a topic the cluster does not have: refused, nothing written
        missing = streamt(
            "init", str(tmp_path / "none"), "--from-cluster", "--no-input", "--source", f"no.{run}",
            "--bootstrap-servers", bootstrap, "--registry-url", local_stack.schema_registry_url,
        )  # fmt: skip
        assert missing.returncode == 2 and "L093" in missing.stderr
        assert not (tmp_path / "none").exists()
    finally:
        httpx.delete(f"{local_stack.schema_registry_url}/subjects/{topic}-value")
        _delete_topics(bootstrap, topic, plain)
