"""The seed README's quick-start project, unmodified (examples/quickstart), through the CLI:
its source topic exists first (sources are external: a missing one fails the plan, see
test_apply_guards), apply, produce, read the exact rows, plan again (no changes, exit 0 with --detailed-exitcode),
a description-only change plans nothing (the job is not touched), status (RUNNING, no drift)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.kafka_helpers import produce_json

from .test_apply_support import destroy, ensure_source_topics, read_all, wait_for_slots

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


def streamt(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.fixture
def quickstart(local_stack):  # type: ignore[no-untyped-def]
    destroy("my-pipeline", "default")  # a deployment left by an earlier run (README quick start)
    yield QUICKSTART
    destroy("my-pipeline", "default")  # frees its Flink slot (the local TaskManager has 4)


def test_quickstart_applies_runs_and_converges(quickstart, local_stack, tmp_path):  # type: ignore[no-untyped-def]
    ensure_source_topics(QUICKSTART, local_stack.kafka_bootstrap)
    wait_for_slots(1)
    applied = streamt("apply", "-p", str(QUICKSTART), "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr

    tag = uuid.uuid4().hex[:8]
    rows = [
        {"event_id": f"{tag}-1", "user_id": "u1", "event_type": "click", "extra": 1},
        {"event_id": None, "user_id": "u2", "event_type": "view"},
        {"event_id": f"{tag}-2", "user_id": "u3", "event_type": "view"},
    ]
    produce_json(local_stack.kafka_bootstrap, "events.raw.v1", rows)
    mine: list[object] = []
    for _ in range(6):  # the topic is shared with other runs: keep only this run's ids
        out = read_all(local_stack.kafka_bootstrap, "events_clean", expect=1, timeout=30, settle=2)
        mine = [
            v for _, v in out if isinstance(v, dict) and str(v.get("event_id", "")).startswith(tag)
        ]
        if len(mine) >= 2:
            break
    assert sorted(mine, key=lambda r: r["event_id"]) == [  # type: ignore[index]
        {"event_id": f"{tag}-1", "user_id": "u1", "event_type": "click"},
        {"event_id": f"{tag}-2", "user_id": "u3", "event_type": "view"},
    ]

    plan = streamt("plan", "-p", str(QUICKSTART), "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout

    described = tmp_path / "stream_project.yml"  # the same project with a description added
    text = (QUICKSTART / "stream_project.yml").read_text()
    described.write_text(
        text.replace(
            "  - name: events_clean\n", "  - name: events_clean\n    description: Clean events\n"
        )
    )
    assert "description: Clean events" in described.read_text()
    metadata_only = streamt("plan", "-p", str(tmp_path), "--detailed-exitcode")
    assert metadata_only.returncode == 0 and "No changes." in metadata_only.stdout

    status = streamt("status", "-p", str(QUICKSTART), "--format", "json")
    assert status.returncode == 0, status.stdout + status.stderr
    body = json.loads(status.stdout)
    job = next(r for r in body["resources"] if r["kind"] == "flink_job")
    assert (job["name"], job["state"], job["drift"]) == ("events_clean", "RUNNING", [])
    topic = next(r for r in body["resources"] if r["kind"] == "topic")
    assert (topic["name"], topic["details"]["partitions"]) == ("events_clean", 6)
