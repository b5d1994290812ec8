"""apply's live lines: each step as it starts and ends, numbered in execution order, and the
heartbeats of long waits; plain off a terminal, coloured on one, on stderr under
`--format json` (stdout stays one JSON document), none with -q."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from streamt.apply import jobs as apply_jobs
from streamt.apply.executor import StepResult
from streamt.cli import main
from streamt.cli.progress import StepLines
from streamt.plan import LiveState, PlanOptions, build_plan
from tests.unit.plan.factories import ENV, desired, job, ledger, subject, topic

QUICKSTART = str(Path(__file__).resolve().parents[3] / "examples" / "quickstart")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _small_plan():  # type: ignore[no-untyped-def]
    state = desired(
        subjects=(subject("orders-value"),),
        topics=(topic("orders"), topic("orders_clean")),
        jobs=(job("orders_clean"),),
    )
    return build_plan(state, LiveState(), ledger(), PlanOptions(environment=ENV))


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(lines: StepLines) -> None:
    """The executor's calls for the small plan; the topics' phase runs in parallel, so its
    steps start in one order and end in another; the job's step fails."""
    plan = _small_plan()
    by_name = {(c.kind.value, c.name): c for c in plan.pending}
    subject_, orders, clean, job_ = (
        by_name[("subject", "orders-value")],
        by_name[("topic", "orders")],
        by_name[("topic", "orders_clean")],
        by_name[("flink_job", "orders_clean")],
    )
    lines.started(subject_)
    lines.finished(StepResult(subject_, True, "registered (schema id 7)", 0.21))
    lines.started(clean)
    lines.started(orders)
    lines.finished(StepResult(orders, True, "created (3 partitions)", 0.4))
    lines.finished(StepResult(clean, True, "created (3 partitions)", 0.45))
    lines.started(job_)
    lines.beat("job orders_clean: RESTARTING, 30 s")
    lines.finished(StepResult(job_, False, "job j1 keeps RESTARTING right after starting", 31.0))


EXPECTED = [
    "",
    "  [1/4] create subject orders-value ...",
    "  [1/4] create subject orders-value  done [0.2 s] - registered (schema id 7)",
    "  [3/4] create topic orders_clean ...",
    "  [2/4] create topic orders ...",
    "  [2/4] create topic orders  done [0.4 s] - created (3 partitions)",
    "  [3/4] create topic orders_clean  done [0.5 s] - created (3 partitions)",
    "  [4/4] create flink_job orders_clean ...",
    "        job orders_clean: RESTARTING, 30 s",
    "  [4/4] create flink_job orders_clean  FAILED [31.0 s] - job j1 keeps RESTARTING right "
    "after starting",
]


def test_exact_lines_for_a_small_plan_numbered_in_execution_order() -> None:
    out = io.StringIO()
    _run(StepLines(_small_plan(), out))
    assert out.getvalue().split("\n")[:-1] == EXPECTED


def test_on_a_terminal_the_same_lines_in_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = _Tty()
    _run(StepLines(_small_plan(), tty))
    assert ANSI.search(tty.getvalue()), "no colour on a terminal"
    assert ANSI.sub("", tty.getvalue()).split("\n")[:-1] == EXPECTED


def test_silent_lines_write_nothing_and_beat_nowhere() -> None:
    lines = StepLines(_small_plan(), None)
    _run(lines)
    assert lines.heartbeat is None


def _masked(text: str) -> list[str]:
    text = re.sub(r"\[\d+\.\d s\]", "[N s]", text)
    return re.sub(r"\b[0-9a-f]{32}\b", "JOB", text).split("\n")


APPLY_LINES = [
    "  [1/2] create topic events_clean ...",
    "  [1/2] create topic events_clean  done [N s] - created (6 partitions)",
    "  [2/2] create flink_job events_clean ...",
    "        job events_clean: RESTARTING, 30 s",
    "  [2/2] create flink_job events_clean  done [N s] - submitted JOB",
]


@pytest.fixture
def beating(systems: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The job's wait beats once, through what apply hands its waits."""

    def await_running(ctx: Any, job_id: str, label: str = "") -> None:
        times = iter([0.0, 30.0])  # the wait starts, then 30 s later the job still restarts
        ctx.options.waits(label).watch(lambda: next(times)).tick("RESTARTING")

    monkeypatch.setattr(apply_jobs, "await_running", await_running)
    return systems


def test_apply_prints_its_steps_and_heartbeats_on_stdout(beating: Any, capsys: Any) -> None:
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    out = _masked(capsys.readouterr().out)
    start = out.index(APPLY_LINES[0])
    assert out[start - 1 : start + len(APPLY_LINES)] == ["", *APPLY_LINES]


def test_with_format_json_the_lines_go_to_stderr(beating: Any, capsys: Any) -> None:
    assert main(["apply", "-p", QUICKSTART, "--auto-approve", "--format", "json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # stdout: the document and nothing else
    assert [s["ok"] for s in document["steps"]] == [True, True]
    err = _masked(captured.err)
    start = err.index(APPLY_LINES[0])
    assert err[start : start + len(APPLY_LINES)] == APPLY_LINES


def test_quiet_prints_no_step_and_no_heartbeat(beating: Any, capsys: Any) -> None:
    assert main(["-q", "apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    captured = capsys.readouterr()
    assert "[1/2]" not in captured.out + captured.err
    assert "RESTARTING" not in captured.out + captured.err
    assert "Apply complete: 2 step(s)." in captured.out
