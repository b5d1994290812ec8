"""Continuous tests on a Flink cluster: report violations.

A test's job and topics are planned resources (`streamt.testing.deployed`): `streamt test
--deploy` plans and applies them, `apply` keeps them in step, `destroy` removes them.
`report(...)` reads the test's violations topic from `since_ms` (default: when the running job
started) and fails the test when it holds violations of this test; a test whose job is not
running is reported as skipped (deploy it with `streamt test --deploy`), a failed job as an
error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from streamt.adapters.flink import newest_cause
from streamt.adapters.protocols import AdapterError
from streamt.resources import JobState
from streamt.testing.continuous_sql import pipeline_name_of_test
from streamt.testing.deployed import violations_topic
from streamt.testing.env import TestEnv
from streamt.testing.kafka_io import StartAt, read_records
from streamt.testing.records import Outcome
from streamt.testing.results import Status, TestResult
from streamt.testing.spec import ParsedTest

ACTIVE = frozenset({"RUNNING", "CREATED", "INITIALIZING", "RESTARTING", "RECONCILING"})
MAX_VIOLATIONS_READ = 100_000


def _jobs(env: TestEnv, name: str) -> list[JobState]:
    assert env.flink is not None
    return [j for j in env.flink.list_jobs() if j.name == name]


def report(spec: ParsedTest, env: TestEnv, since_ms: int | None = None) -> TestResult:
    def result(
        status: Status, message: str, outcomes: tuple[Outcome, ...] = (), unreachable: bool = False
    ) -> TestResult:
        return TestResult(
            spec.name, "continuous", spec.target, status, message, outcomes, unreachable=unreachable
        )

    if env.flink is None:
        return result(Status.ERROR, "no Flink cluster configured (runtime.flink)")
    try:
        jobs = _jobs(env, pipeline_name_of_test(env.job_scope or env.project, spec.name))
    except AdapterError as exc:
        return result(Status.ERROR, str(exc), unreachable=exc.unreachable)
    running = [j for j in jobs if j.state in ACTIVE]
    if not running:
        if jobs and jobs[-1].state == "FAILED":
            cause = newest_cause(env.flink, jobs[-1].job_id)
            why = f": {cause}" if cause else ""
            return result(Status.ERROR, f"the test's Flink job {jobs[-1].job_id} FAILED{why}")
        return result(Status.SKIPPED, "not deployed: run `streamt test --type continuous --deploy`")
    since = since_ms if since_ms is not None else running[-1].start_time_ms
    try:
        found = violations(env, spec.name, since)
    except AdapterError as exc:
        return result(Status.ERROR, str(exc), unreachable=exc.unreachable)
    outcomes = _outcomes(spec, found)
    if found:
        return result(Status.FAIL, f"{len(found)} violation(s) since {_iso(since)}", outcomes)
    return result(
        Status.PASS,
        f"no violations since {_iso(since)} (job {running[-1].job_id} running)",
        outcomes,
    )


def violations(env: TestEnv, test: str, since_ms: int) -> list[dict[str, object]]:
    """Violation records of `test` (this project) written at or after `since_ms`."""
    try:
        records = read_records(
            env.bootstrap,
            violations_topic(env.name_prefix, env.project, test),
            max_records=MAX_VIOLATIONS_READ,
            timeout_s=30.0,
            start=StartAt("time", since_ms),
            properties=env.kafka_properties,
        )
    except AdapterError as exc:
        if "does not exist" in str(exc):
            return []
        raise
    return [
        dict(r.value)
        for r in records
        if r.value.get("test") == test and r.value.get("project") == env.project
    ]


def _outcomes(spec: ParsedTest, found: Sequence[Mapping[str, object]]) -> tuple[Outcome, ...]:
    out = []
    for a in spec.assertions:
        mine = [v for v in found if v.get("assertion") == a.label]
        examples = tuple(_row(v) for v in mine[:5])
        message = f"{len(mine)} violation(s): {mine[0].get('detail')}" if mine else "no violations"
        out.append(Outcome(a.label, not mine, message, 0, len(mine), examples))
    return tuple(out)


def _row(violation: Mapping[str, object]) -> Mapping[str, object]:
    text = violation.get("row")
    try:
        row = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        row = {"row": text}
    return row if isinstance(row, dict) else {"row": row}


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
