"""`advanced.topic.min_insync_replicas` on the real broker, through the CLI: the topic is
created with it, the broker reports it back so the next plan is empty, a new value plans and
applies as an update in place, and the broker then holds the new value."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource

from .test_apply_guards import drop_topics, streamt
from .test_apply_support import destroy

pytestmark = pytest.mark.integration


def _project(root: Path, stack, name: str, topic: str, isr: int) -> Path:  # type: ignore[no-untyped-def]
    root.mkdir(parents=True, exist_ok=True)
    (root / "stream_project.yml").write_text(
        f"""\
project: {{name: {name}}}
runtime:
  kafka: {{bootstrap_servers: "{stack.kafka_bootstrap}"}}
models:
  - name: {topic}
    advanced:
      topic: {{partitions: 1, min_insync_replicas: {isr}}}
"""
    )
    return root


def _broker_value(stack, topic: str) -> str:  # type: ignore[no-untyped-def]
    admin = AdminClient({"bootstrap.servers": stack.kafka_bootstrap})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    configs = admin.describe_configs([resource])[resource].result(timeout=15)
    return str(configs["min.insync.replicas"].value)


def test_min_insync_replicas_is_created_reported_and_updated(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    name, topic = f"isr{tag}", f"isr_{tag}"
    path = _project(tmp_path, local_stack, name, topic, 1)
    try:
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert _broker_value(local_stack, topic) == "1"
        again = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr  # the broker reports it back

        _project(tmp_path, local_stack, name, topic, 2)
        plan = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert plan.returncode == 3, plan.stdout + plan.stderr
        assert f"~ topic {topic}: update" in plan.stdout, plan.stdout
        assert "min.insync.replicas: 1 -> 2" in plan.stdout, plan.stdout
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert _broker_value(local_stack, topic) == "2"
        final = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        destroy(name, "default")
        drop_topics(local_stack, topic)
