"""Run a project's data tests: select, dispatch by type, apply on_failure actions.

`run_tests(project, compiled, env, options) -> list[TestResult]` is the one entry point used by
`streamt test` (and by `apply` for block_deploy via `blocking_tests`). Static problems found by
`check_tests` stop the run before anything touches a cluster. Each test is timed; an adapter
failure of one test is its ERROR result, never an exception for the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from streamt.adapters.flink import newest_cause
from streamt.adapters.located import with_position
from streamt.adapters.protocols import AdapterError
from streamt.compile.jobs import pipeline_name
from streamt.compile.result import CompileResult
from streamt.diagnostics import StreamtError, has_errors
from streamt.load.ids import NodeId, NodeKind
from streamt.load.model import Project, TestType
from streamt.resources import JobSpec
from streamt.testing.actions import apply_actions
from streamt.testing.assertions import Assertion, AssertionKind, Freshness
from streamt.testing.check import check_tests
from streamt.testing.continuous import report
from streamt.testing.continuous_sql import TargetTable
from streamt.testing.deployed import dlq_topic
from streamt.testing.env import TestEnv, targets_from_compile, targets_from_project
from streamt.testing.kafka_io import StartAt
from streamt.testing.results import Status, TestResult, progress_line
from streamt.testing.sample_tests import run_sample_test
from streamt.testing.schema_tests import run_schema_test
from streamt.testing.spec import BlockDeployAction, ParsedTest, parse_test

UnitRunner = Callable[[ParsedTest, TestEnv], TestResult]


@dataclass(frozen=True)
class RunOptions:
    types: frozenset[TestType] = frozenset()  # empty = all
    tests: frozenset[str] = frozenset()  # these tests ...
    targets: frozenset[str] = (
        frozenset()
    )  # ... and the tests of these models / sources; both empty = all
    deploy: bool = False  # report how deploying the continuous tests went (`deployed`)
    # continuous test -> (deployed?, what apply did): `Context.test` plans and applies them
    deployed: Mapping[str, tuple[bool, str]] = field(default_factory=dict)
    since_ms: int | None = None  # continuous: report violations since (default: job start)
    start: StartAt = field(default_factory=StartAt)  # sample: where reading starts
    take_actions: bool = True  # False: no alert / pause_model (apply checking block_deploy)


def selected_specs(
    project: Project, options: RunOptions, columns: Mapping[str, Sequence[str]] | None = None
) -> list[ParsedTest]:
    """The tests to run; raises `StreamtError` with every static problem (`check_tests`)."""
    diags = check_tests(project, columns)
    if has_errors(diags):
        raise StreamtError(diags)
    specs = [parse_test(t, project)[0] for t in project.tests]
    specs += source_freshness_specs(project)
    return [
        s
        for s in specs
        if (not options.types or s.type in options.types)
        and (
            (not options.tests and not options.targets)
            or s.name in options.tests
            or s.target in options.targets
        )
    ]


def source_freshness_specs(project: Project) -> list[ParsedTest]:
    """Sources declaring `freshness:` get sample tests of their newest record's age.

    `error_after_seconds` (or `max_lag_seconds`) -> test `freshness.<source>` failing the run;
    `warn_after_seconds` -> test `freshness_warning.<source>` reported with severity warning.
    """
    out: list[ParsedTest] = []
    for source in project.sources:
        f = source.freshness
        if f is None:
            continue
        limits = [
            ("freshness", f.error_after_seconds or f.max_lag_seconds, "error"),
            ("freshness_warning", f.warn_after_seconds, "warning"),
        ]
        for prefix, seconds, severity in limits:
            if seconds:
                check = Assertion(
                    0,
                    AssertionKind.FRESHNESS,
                    Freshness(max_age=seconds),
                    source.where("freshness"),
                )
                out.append(
                    ParsedTest(
                        f"{prefix}.{source.name}",
                        source.name,
                        TestType.SAMPLE,
                        (check,),
                        severity=severity,
                        sample_size=1,
                        location=source.where("freshness"),
                        node=NodeId(NodeKind.SOURCE, project.name, source.name),
                    )
                )
    return out


def blocking_tests(project: Project) -> list[ParsedTest]:
    """Tests with `on_failure: block_deploy` (what apply runs before deploying)."""
    specs = [parse_test(t, project)[0] for t in project.tests]
    return [s for s in specs if any(isinstance(a, BlockDeployAction) for a in s.actions)]


def run_tests(
    project: Project,
    compiled: CompileResult | None,
    env: TestEnv,
    options: RunOptions,
    unit_runner: UnitRunner | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[TestResult]:
    """Run the selected tests in order; `progress` gets a START line before each test and its
    outcome line after it (dbt's `1 of 7 START ... / 1 of 7 PASS ... [PASS in 0.5 s]`)."""
    tables = (
        targets_from_compile(compiled, project)
        if compiled is not None
        else targets_from_project(project)
    )
    model_jobs = (
        {j.name: j.pipeline_name for j in compiled.desired.jobs} if compiled is not None else {}
    )
    results = []
    columns = {name: [c for c, _ in t.columns] for name, t in tables.items() if t.columns}
    payloads = {j.pipeline_name: j for j in compiled.desired.jobs} if compiled else {}
    troubles = _Troubles(
        env, {m.name: pipeline_name(project.job_scope, m.name) for m in project.models}, payloads
    )
    specs = list(selected_specs(project, options, columns))
    for index, spec in enumerate(specs, 1):
        what = f"{spec.type.value} test {spec.name} on {spec.target}"
        if progress is not None:
            progress(progress_line(index, len(specs), what))
        started = time.monotonic()
        dlq = dlq_topic(spec, project)
        result = _run_one(spec, tables, env, options, unit_runner)
        if spec.type is TestType.SAMPLE and (trouble := troubles.of(spec.target)):
            result = replace(result, message=f"{result.message} ({trouble})".lstrip())
        node = str(spec.node) if spec.node is not None else ""
        result = replace(result, duration_s=time.monotonic() - started, node=node)
        results.append(apply_actions(spec, result, env, model_jobs, dlq, options.take_actions))
        if progress is not None:
            progress(progress_line(index, len(specs), what, results[-1]))
    return results


class _Troubles:
    """Why a model's job is not running well, for the sample tests reading its topic: "the
    model's job J is RESTARTING: <cause>" from Flink's exception history, with where its bad
    record is (topic, partition, offset) when the job's compiled statements are known ("" when
    it runs)."""

    TROUBLED = frozenset({"RESTARTING", "FAILING", "FAILED"})

    def __init__(
        self,
        env: TestEnv,
        model_jobs: Mapping[str, str],
        payloads: Mapping[str, JobSpec] | None = None,
    ) -> None:
        self.env, self.model_jobs, self.payloads = env, model_jobs, payloads or {}
        self.jobs: list[tuple[str, str, str, int]] | None = None  # pipeline, id, state, start
        self.found: dict[str, str] = {}

    def of(self, model: str) -> str:
        pipeline = self.model_jobs.get(model)
        if pipeline is None or self.env.flink is None:
            return ""
        if model not in self.found:
            self.found[model] = self._explain(pipeline)
        return self.found[model]

    def _explain(self, pipeline: str) -> str:
        assert self.env.flink is not None
        try:
            if self.jobs is None:
                self.jobs = [
                    (j.name, j.job_id, j.state, j.start_time_ms) for j in self.env.flink.list_jobs()
                ]
        except AdapterError:
            return ""
        mine = sorted(
            (start, jid, state) for name, jid, state, start in self.jobs if name == pipeline
        )
        if not mine or mine[-1][2] not in self.TROUBLED:
            return ""
        _, job_id, state = mine[-1]
        cause = newest_cause(self.env.flink, job_id)
        payload = self.payloads.get(pipeline)
        cause = with_position(self.env.kafka_admin, payload, cause, self.env.registry)
        return f"the model's job {job_id} is {state}" + (f": {cause}" if cause else "")


def _deployed(
    spec: ParsedTest, target: TargetTable | None, outcome: tuple[bool, str] | None
) -> TestResult:
    """A continuous test after `streamt test --deploy` planned and applied its job."""
    if target is None:
        status, message = Status.ERROR, "no topic to watch"
    elif outcome is None:
        status, message = Status.ERROR, "not deployed: the plan has no job for it"
    else:
        status, message = (Status.PASS if outcome[0] else Status.ERROR), outcome[1]
    return TestResult(spec.name, "continuous", spec.target, status, message)


def _run_one(
    spec: ParsedTest,
    tables: Mapping[str, TargetTable],
    env: TestEnv,
    options: RunOptions,
    unit_runner: UnitRunner | None,
) -> TestResult:
    target = tables.get(spec.target)
    try:
        if spec.type is TestType.SCHEMA:
            return run_schema_test(spec, target, env)
        if spec.type is TestType.SAMPLE:
            return run_sample_test(spec, target, tables, env, options.start)
        if spec.type is TestType.CONTINUOUS:
            if options.deploy:
                return _deployed(spec, target, options.deployed.get(spec.name))
            return report(spec, env, options.since_ms)
        if spec.type is TestType.UNIT:
            if unit_runner is None:
                return TestResult(
                    spec.name, "unit", spec.target, Status.ERROR, "unit tests need the compiler"
                )
            return unit_runner(spec, env)
    except AdapterError as exc:
        return TestResult(
            spec.name,
            spec.type.value,
            spec.target,
            Status.ERROR,
            str(exc),
            unreachable=exc.unreachable,
        )
    raise AssertionError(spec.type)  # pragma: no cover
