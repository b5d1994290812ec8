"""The seed README's quick-start project (examples/quickstart, its models as written) through
the CLI: its source topic exists first (sources are external: a missing one fails the plan, see
test_apply_guards), apply, produce, read the exact rows, plan again (no changes, exit 0 with
--detailed-exitcode), a description-only change plans nothing (the job is not touched), status
(RUNNING, no drift). The run applies an isolated copy (tests/integration/isolation.py): topics,
job, group and ledger entries of its own, so no earlier run's rows or deployment are seen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kafka_helpers import produce_json

from .isolation import deployed_copy
from .test_apply_support import read_all, wait_for_slots

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
def quickstart(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    with deployed_copy(QUICKSTART, tmp_path, local_stack.kafka_bootstrap) as iso:
        yield iso


def test_quickstart_applies_runs_and_converges(quickstart, local_stack, tmp_path):  # type: ignore[no-untyped-def]
    wait_for_slots(1)
    applied = streamt("apply", *quickstart.cli, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr

    rows = [
        {"event_id": "e1", "user_id": "u1", "event_type": "click", "extra": 1},
        {"event_id": None, "user_id": "u2", "event_type": "view"},
        {"event_id": "e2", "user_id": "u3", "event_type": "view"},
    ]
    produce_json(local_stack.kafka_bootstrap, quickstart.source("events.raw.v1"), rows)
    out = read_all(
        local_stack.kafka_bootstrap, quickstart.topic("events_clean"), expect=2, timeout=60
    )
    assert sorted((v for _, v in out), key=lambda r: r["event_id"]) == [  # type: ignore[index]
        {"event_id": "e1", "user_id": "u1", "event_type": "click"},
        {"event_id": "e2", "user_id": "u3", "event_type": "view"},
    ]

    plan = streamt("plan", *quickstart.cli, "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout

    yml = quickstart.path / "stream_project.yml"  # the same project with a description added
    text = yml.read_text()
    yml.write_text(
        text.replace(
            "  - name: events_clean\n", "  - name: events_clean\n    description: Clean events\n"
        )
    )
    assert "description: Clean events" in yml.read_text()
    metadata_only = streamt("plan", *quickstart.cli, "--detailed-exitcode")
    assert metadata_only.returncode == 0 and "No changes." in metadata_only.stdout

    status = streamt("status", *quickstart.cli, "--format", "json")
    assert status.returncode == 0, status.stdout + status.stderr
    body = json.loads(status.stdout)
    job = next(r for r in body["resources"] if r["kind"] == "flink_job")
    assert (job["name"], job["state"], job["drift"]) == ("events_clean", "RUNNING", [])
    topic = next(r for r in body["resources"] if r["kind"] == "topic")
    assert (topic["name"], topic["details"]["partitions"]) == (quickstart.topic("events_clean"), 6)
