"""Fixtures of the CLI tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def systems(monkeypatch: pytest.MonkeyPatch) -> Any:
    """In-memory systems for plan / apply / destroy (nothing on the network, no preflight)."""
    from streamt.apply import jobs as apply_jobs
    from streamt.resources import TopicState
    from tests.unit.apply.fakes import FakeKafka, fake_systems

    chosen = fake_systems()
    assert isinstance(chosen.kafka, FakeKafka)
    chosen.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})
    monkeypatch.setattr(
        "streamt.apply.deployment.systems_from_runtime", lambda runtime, environ: chosen
    )
    monkeypatch.setattr(apply_jobs, "await_running", lambda ctx, job_id, label="": None)
    monkeypatch.setattr("streamt.apply.deployment.preflight", lambda *args, **kw: None)
    return chosen
