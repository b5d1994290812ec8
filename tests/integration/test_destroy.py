"""`streamt destroy` removes what streamt created for a project — and only that."""

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from tests.integration.test_apply_support import wait_for_slots
from tests.kafka_helpers import create_topic
from tests.stack import runtime_yaml

pytestmark = pytest.mark.integration


def test_destroy_removes_owned_resources_and_keeps_sources(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    source_topic, model = f"destroy.src.{tag}", f"destroy_out_{tag}"
    create_topic(local_stack.kafka_bootstrap, source_topic)
    (tmp_path / "stream_project.yml").write_text(
        f"project: {{name: destroy-{tag}}}\n"
        f"sources:\n  - name: src\n    topic: {source_topic}\n"
        "    columns: [{name: id, type: STRING}]\n"
        f"models:\n  - name: {model}\n"
        '    sql: SELECT id FROM {{ source("src") }} WHERE id IS NOT NULL\n'
        + runtime_yaml(local_stack)
    )

    def streamt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "streamt", *args, "-p", str(tmp_path), "--auto-approve"],
            capture_output=True,
            text=True,
            timeout=300,
        )

    wait_for_slots(1)
    applied = streamt("apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    destroyed = streamt("destroy")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert f"] delete topic {model}  done [" in destroyed.stdout
    assert f"] delete flink_job {model}  done [" in destroyed.stdout

    topics = AdminClient({"bootstrap.servers": local_stack.kafka_bootstrap}).list_topics(timeout=10)
    assert model not in topics.topics and source_topic in topics.topics  # the source is not ours
    jobs = httpx.get(f"{local_stack.flink_rest_url}/jobs/overview").json()["jobs"]
    name = f"streamt.destroy-{tag}.{model}"
    assert all(j["state"] != "RUNNING" for j in jobs if j["name"] == name)
    again = streamt("destroy")
    assert again.returncode == 0 and "No changes." in again.stdout
