"""apply says how a job it waits for is doing ("job J: RESTARTING, 30 s") while it waits."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from streamt.apply.jobs import await_running
from streamt.apply.step import ApplyOptions, StepError
from streamt.resources import JobState


class _Flink:
    """A job that is RESTARTING for its first `restarting` polls, then RUNNING."""

    def __init__(self, restarting: int) -> None:
        self.polls, self.restarting = 0, restarting

    def list_jobs(self) -> list[JobState]:
        self.polls += 1
        state = "RESTARTING" if self.polls <= self.restarting else "RUNNING"
        return [JobState("j1", "pipe", state)]


def _options(**kw: object) -> ApplyOptions:
    base: dict[str, object] = dict(
        poll_s=0.01, job_stable_s=0.0, restart_grace_s=60.0, job_start_timeout_s=10.0
    )
    return ApplyOptions(**{**base, **kw})  # type: ignore[arg-type]


def test_a_wait_beats_with_the_jobs_state_and_elapsed_time() -> None:
    beats: list[str] = []
    ctx = SimpleNamespace(
        flink=_Flink(restarting=30), options=_options(heartbeat=beats.append, heartbeat_s=0.05)
    )
    await_running(ctx, "j1")  # type: ignore[arg-type]
    assert beats, "no heartbeat during a wait of 30 polls"
    assert all(b.startswith("job j1: ") and b.endswith(" s") for b in beats)
    assert any(b.startswith("job j1: RESTARTING, ") for b in beats)


def test_no_heartbeat_callback_no_lines_and_a_quick_start_beats_nothing() -> None:
    beats: list[str] = []
    ctx = SimpleNamespace(
        flink=_Flink(restarting=0), options=_options(heartbeat=beats.append, heartbeat_s=5.0)
    )
    await_running(ctx, "j1")  # type: ignore[arg-type]
    assert beats == []
    quiet = SimpleNamespace(flink=_Flink(restarting=5), options=_options())
    await_running(quiet, "j1")  # type: ignore[arg-type]


def test_a_job_that_never_runs_still_fails_with_its_last_state() -> None:
    beats: list[str] = []
    opts = _options(heartbeat=beats.append, heartbeat_s=0.02, job_start_timeout_s=0.2)
    ctx = SimpleNamespace(flink=_Flink(restarting=10_000), options=opts)
    with pytest.raises(StepError, match="did not reach RUNNING"):
        await_running(ctx, "j1")  # type: ignore[arg-type]
    assert beats and beats[-1].startswith("job j1: RESTARTING, ")
