"""`streamt local produce | consume`: JSON lines into a fresh topic and back, keys included."""

import json
import subprocess
import sys
import uuid

import pytest
from confluent_kafka import Consumer

pytestmark = pytest.mark.integration


def streamt(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", "local", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_produce_then_consume_round_trips_json_lines(local_stack) -> None:  # type: ignore[no-untyped-def]
    topic = f"local.records.{uuid.uuid4().hex[:8]}"
    rows = [{"id": "a", "n": 1}, {"id": "b", "n": 2}]
    produced = streamt("produce", topic, "--key", "id", stdin="\n".join(map(json.dumps, rows)))
    assert produced.returncode == 0, produced.stderr
    assert f"produced 2 record(s) to {topic}" in produced.stderr
    consumed = streamt("consume", topic, "-n", "2")
    assert [json.loads(line) for line in consumed.stdout.splitlines()] == rows

    consumer = Consumer(
        {
            "bootstrap.servers": local_stack.kafka_bootstrap,
            "group.id": topic,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    keys = []
    while len(keys) < 2:
        msg = consumer.poll(10)
        assert msg is not None and not msg.error()
        keys.append(json.loads(msg.key()))
    consumer.close()
    assert keys == ["a", "b"]


def test_a_line_that_is_not_json_is_a_clear_error(local_stack) -> None:  # type: ignore[no-untyped-def]
    topic = f"local.records.{uuid.uuid4().hex[:8]}"
    bad = streamt("produce", topic, stdin='{"ok": 1}\nnot json\n')
    assert bad.returncode == 1
    assert "error K012: line 2 of the input is not JSON" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert streamt("consume", topic, "-n", "1", "--timeout", "3").stdout == ""  # nothing produced
