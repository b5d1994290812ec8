"""The result of running data tests, and the run summary. Pure values.

A `TestResult` has a status (pass / fail / error / skipped), the outcomes of its assertions, a
message, an optional row diff (unit tests) and the on_failure actions that were taken.
`blocking_failures(results)` is what `apply` consults for `block_deploy`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from streamt.diagnostics import UNREACHABLE, Diagnostic, Location
from streamt.testing.records import Outcome

BLOCKED = "T101"


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # could not run (stack unreachable, job failed, ...)
    SKIPPED = "skipped"  # nothing to judge (e.g. continuous test not deployed with --deploy yet)


@dataclass(frozen=True)
class TestResult:
    __test__ = False

    name: str
    type: str  # schema | sample | continuous | unit
    target: str
    status: Status
    message: str = ""
    outcomes: tuple[Outcome, ...] = ()
    diff: str = ""  # unit tests: readable expected-vs-actual row diff
    duration_s: float = 0.0
    blocking: bool = False  # the test has on_failure block_deploy
    severity: str = "error"  # on_failure.severity: a failing "warning" test does not fail the run
    actions_taken: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)
    unreachable: bool = False  # an ERROR because a system could not be reached
    node: str = ""  # the graph node reported on: `test.<project>.<name>` (a source's freshness)

    @property
    def failed(self) -> bool:
        return self.status in (Status.FAIL, Status.ERROR)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "node": self.node,
            "type": self.type,
            "target": self.target,
            "status": self.status.value,
            "message": self.message,
            "severity": self.severity,
            "blocking": self.blocking,
            "duration_s": round(self.duration_s, 3),
            "file": str(self.location),
            "assertions": [
                {
                    "assertion": o.assertion,
                    "passed": o.passed,
                    "message": o.message,
                    "checked": o.checked,
                    "violations": o.violations,
                    "examples": [dict(e) for e in o.examples],
                }
                for o in self.outcomes
            ],
            "diff": self.diff,
            "actions_taken": list(self.actions_taken),
            "unreachable": self.unreachable,
        }


@dataclass(frozen=True)
class RunSummary:
    results: tuple[TestResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def failing(self) -> tuple[TestResult, ...]:
        """Failures that fail the run (severity warning only reports)."""
        return tuple(r for r in self.results if r.failed and r.severity != "warning")

    @property
    def exit_code(self) -> int:
        """4 when a data test failed (or could not run for another reason); 5 when the only
        failures are tests that could not reach a system; 0 otherwise."""
        if any(not r.unreachable for r in self.failing):
            return 4
        return UNREACHABLE if self.failing else 0

    def line(self) -> str:
        parts = [f"{self.count(Status.PASS)} passed", f"{self.count(Status.FAIL)} failed"]
        if self.count(Status.ERROR):
            parts.append(f"{self.count(Status.ERROR)} errors")
        if self.count(Status.SKIPPED):
            parts.append(f"{self.count(Status.SKIPPED)} skipped")
        return f"Tests: {', '.join(parts)} ({len(self.results)} total)"

    def to_dict(self, project: str) -> dict[str, object]:
        """`test --format json`."""
        return {
            "project": project,
            "exit_code": self.exit_code,
            "summary": self.line(),
            "results": [r.to_dict() for r in self.results],
        }


def blocking_failures(results: Iterable[TestResult]) -> list[Diagnostic]:
    """One error diagnostic per failing test that has `on_failure: block_deploy`.

    `apply` calls this with the results of the blocking tests (see `blocking_tests`) and refuses
    to deploy when it is non-empty, unless overridden by a flag.
    """
    return [
        Diagnostic(
            BLOCKED,
            f"data test '{r.name}' ({r.type} on {r.target}) fails and blocks deployment: "
            + "; ".join(
                [
                    r.message,
                    *[f"{o.assertion}: {o.message}" for o in r.outcomes if not o.passed][:3],
                ]
            ),
            location=r.location,
            hint="fix the data or the test, or override with --ignore-blocking-tests",
            node=r.node,
        )
        for r in results
        if r.blocking and r.failed
    ]


PROGRESS_WIDTH = 72
_MARKS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR", Status.SKIPPED: "SKIP"}


def progress_line(index: int, total: int, what: str, result: TestResult | None = None) -> str:
    """dbt's live line: `1 of 7 START <what> .... [RUN]`, then `1 of 7 PASS <what> .... [PASS
    in 0.5 s]` when `result` is known (`what`: "sample test t on model")."""
    if result is None:
        head, tail = f"{index} of {total} START {what} ", "[RUN]"
    else:
        mark = _MARKS[result.status]
        head, tail = f"{index} of {total} {mark} {what} ", f"[{mark} in {result.duration_s:.1f} s]"
    return f"{head}{'.' * max(3, PROGRESS_WIDTH - len(head))} {tail}"


def render_text(results: Sequence[TestResult]) -> str:
    """The seed-style report: one line per test, details of failures, a summary line."""
    lines: list[str] = []
    for r in results:
        mark = {
            Status.PASS: "PASS",
            Status.FAIL: "FAIL",
            Status.ERROR: "ERROR",
            Status.SKIPPED: "SKIP",
        }[r.status]
        lines.append(
            f"{mark}: {r.name} ({r.type} on {r.target}){' - ' + r.message if r.message else ''}"
        )
        if r.status is Status.PASS:
            continue
        for o in r.outcomes:
            if not o.passed:
                lines.append(f"  - {o.assertion}: {o.message}")
                lines.extend(f"      e.g. {dict(e)}" for e in o.examples)
        if r.diff:
            lines.extend("  " + d for d in r.diff.splitlines())
        lines.extend(f"  -> {a}" for a in r.actions_taken)
    lines.append("")
    lines.append(RunSummary(tuple(results)).line())
    return "\n".join(lines)
