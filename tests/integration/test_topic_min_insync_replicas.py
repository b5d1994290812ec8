"""`advanced.topic.min_insync_replicas` on the real (single) broker, through the CLI: a topic
created without it, then the setting added plans and applies as an update in place, the broker
reports it back so the next plan is empty; a value above the replication factor (the broker
would refuse every acks=all write) is refused by validate (V038) and nothing changes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from .test_apply_guards import drop_topics, streamt
from .test_apply_support import destroy

pytestmark = pytest.mark.integration


def _project(root: Path, stack, name: str, topic: str, isr: int | None) -> Path:  # type: ignore[no-untyped-def]
    root.mkdir(parents=True, exist_ok=True)
    setting = "" if isr is None else f", min_insync_replicas: {isr}"
    (root / "stream_project.yml").write_text(
        f"""\
project: {{name: {name}}}
runtime:
  kafka: {{bootstrap_servers: "{stack.kafka_bootstrap}"}}
models:
  - name: {topic}
    advanced:
      topic: {{partitions: 1{setting}}}
"""
    )
    return root


def _broker_value(stack, topic: str) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    """The topic's min.insync.replicas and whether it is set on the topic (not a default)."""
    admin = AdminClient({"bootstrap.servers": stack.kafka_bootstrap})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entry = admin.describe_configs([resource])[resource].result(timeout=15)["min.insync.replicas"]
    return str(entry.value), entry.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value


def test_min_insync_replicas_is_created_reported_and_updated(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    name, topic = f"isr{tag}", f"isr_{tag}"
    path = _project(tmp_path, local_stack, name, topic, None)
    try:
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert _broker_value(local_stack, topic) == (
            "1",
            False,
        )  # the broker's setting, not the topic's

        _project(tmp_path, local_stack, name, topic, 1)
        plan = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert plan.returncode == 3, plan.stdout + plan.stderr
        assert f"~ topic {topic}: update" in plan.stdout, plan.stdout
        assert "min.insync.replicas" in plan.stdout, plan.stdout
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert _broker_value(local_stack, topic) == ("1", True)  # now set on the topic
        again = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr  # the broker reports it back

        _project(tmp_path, local_stack, name, topic, 2)  # one broker: replication factor 1
        refused = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "V038" in refused.stdout + refused.stderr
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert _broker_value(local_stack, topic) == ("1", True)  # nothing applied
    finally:
        destroy(name, "default")
        drop_topics(local_stack, topic)
