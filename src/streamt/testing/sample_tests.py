"""Sample tests: read up to `sample_size` records of the target's topic and judge them in Python.

Reading starts at `start` (earliest by default; latest N, an offset or a time on request; the
latest records when only freshness is asserted) and is bounded by the test's timeout. foreign_key targets are read the same way (up to ten times the
sample size). An empty sample fails (nothing was judged), unless only freshness is asserted,
which reports the staleness itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from streamt.adapters.protocols import AdapterError
from streamt.testing.assertions import AssertionKind, ForeignKey
from streamt.testing.continuous_sql import TargetTable
from streamt.testing.env import TestEnv
from streamt.testing.evaluate import EvalContext, evaluate
from streamt.testing.kafka_io import StartAt, read_records
from streamt.testing.records import Record
from streamt.testing.results import Status, TestResult
from streamt.testing.spec import ParsedTest

REF_FACTOR = 10


def run_sample_test(
    spec: ParsedTest,
    target: TargetTable | None,
    tables: Mapping[str, TargetTable],
    env: TestEnv,
    start: StartAt = StartAt(),
) -> TestResult:
    if target is None:
        return TestResult(
            spec.name, "sample", spec.target, Status.ERROR, f"'{spec.target}' has no topic"
        )
    only_freshness = all(a.kind is AssertionKind.FRESHNESS for a in spec.assertions)
    if only_freshness:
        start = StartAt("latest")  # freshness is about the newest records
    try:
        records = _read(env, target.topic, spec.sample_size, spec.timeout_s, start)
        refs = {
            a.spec.ref: _read(
                env,
                tables[a.spec.ref].topic,
                spec.sample_size * REF_FACTOR,
                spec.timeout_s,
                StartAt(),
            )
            for a in spec.assertions
            if isinstance(a.spec, ForeignKey) and a.spec.ref in tables
        }
    except AdapterError as exc:
        return TestResult(
            spec.name, "sample", spec.target, Status.ERROR, str(exc), unreachable=exc.unreachable
        )
    if not records and not only_freshness:
        msg = f"no records in topic '{target.topic}' (read for up to {spec.timeout_s:g}s from {start.mode})"
        return TestResult(spec.name, "sample", spec.target, Status.FAIL, msg)
    ctx = EvalContext(now_ms=env.now_ms(), refs=refs)
    outcomes = tuple(evaluate(a, records, ctx) for a in spec.assertions)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        message = f"{len(failed)} of {len(outcomes)} assertions failed on {len(records)} records"
        return TestResult(spec.name, "sample", spec.target, Status.FAIL, message, outcomes)
    return TestResult(
        spec.name,
        "sample",
        spec.target,
        Status.PASS,
        f"{len(records)} records, {len(outcomes)} assertions",
        outcomes,
    )


def _read(env: TestEnv, topic: str, n: int, timeout_s: float, start: StartAt) -> list[Record]:
    return read_records(
        env.bootstrap,
        topic,
        max_records=n,
        timeout_s=timeout_s,
        start=start,
        properties=env.kafka_properties,
        schema_fetch=env.schema_text if env.registry_url else None,
    )
