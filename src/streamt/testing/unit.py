"""Unit tests: run one model's compiled SQL on the real Flink over given rows, compare the output.

How a case runs, in isolation from everything deployed:

1. every input of the model (source or upstream model) and its output get fresh topics
   (`streamt_ut_<test>_<name>_<random>`, 1 partition); the project is copied with those topics
   and compiled again, so the job is exactly the model's compiled SQL, only the topics differ
   (and Avro / Protobuf sources are read as JSON, since given rows are written as JSON);
2. the `given` rows are produced in the order written (that order is the arrival order, so late
   and out-of-order rows are expressed by where they are written);
3. each input table is **bounded** and its watermark **emitted on every event**: the compiler
   emits it so (`compile_project(..., bounded=True)`: `'scan.bounded.mode' = 'latest-offset'`,
   `'scan.watermark.emit.strategy' = 'on-event'`, read from the earliest offset, parallelism 1,
   in the job's own table options; nothing is added to or edited in the compiled statements).
   With parallelism 1 and one partition, each row advances the watermark before the next one is
   read, so a row later than the watermark is dropped by windows exactly as it would be in
   production, deterministically; the end of the bounded input moves the watermark to +inf and
   fires the remaining windows, and the job FINISHES (no sentinel row, no quiet timeout);
4. the whole output topic is read: append results compare as multisets; updating results
   (upsert) compare the final row per key (deletes removed), or as chosen by `expect.mode`;
5. the temporary topics are deleted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from streamt.adapters.flink import newest_cause
from streamt.adapters.protocols import AdapterError
from streamt.compile import compile_project
from streamt.compile.result import CompileResult
from streamt.compile.specs import ChangelogMode
from streamt.diagnostics import has_errors
from streamt.graph.dag import build_graph
from streamt.load.model import Model, Project, Source
from streamt.resources import JobSpec, TopicSpec
from streamt.sql.options import bound_config, bound_statements, unset_variables
from streamt.testing.check import columns_read_by_tests
from streamt.testing.env import TestEnv
from streamt.testing.evaluate import evaluate
from streamt.testing.kafka_io import OutRow, StartAt, produce_rows, read_records
from streamt.testing.records import Record
from streamt.testing.results import Status, TestResult
from streamt.testing.rowdiff import compare_rows, final_rows
from streamt.testing.spec import ExpectMode, ParsedTest

TERMINAL = frozenset({"FINISHED", "FAILED", "CANCELED"})
DEFAULT_JOB_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Isolated:
    """The model's job rewired to temporary topics."""

    job: JobSpec
    topics: Mapping[str, str]  # input name -> temporary topic
    output_topic: str
    keys: Mapping[str, tuple[str, ...]]  # input name -> primary key (upsert inputs)
    changelog: ChangelogMode  # what the model's output takes


class UnitRunner:
    """Callable for `run_tests(..., unit_runner=...)`; holds the project being tested."""

    def __init__(self, project: Project, job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S) -> None:
        self.project, self.job_timeout_s = project, job_timeout_s

    def __call__(self, spec: ParsedTest, env: TestEnv) -> TestResult:
        return run_unit_test(spec, self.project, env, self.job_timeout_s)


def _result(spec: ParsedTest, status: Status, message: str, **extra: Any) -> TestResult:
    return TestResult(spec.name, "unit", spec.target, status, message, **extra)


def run_unit_test(
    spec: ParsedTest, project: Project, env: TestEnv, job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S
) -> TestResult:
    case = spec.unit
    if case is None:
        return _result(spec, Status.ERROR, "no unit case (given/expect)")
    if env.flink is None or env.kafka_admin is None:
        return _result(
            spec, Status.ERROR, "unit tests need Kafka and a Flink SQL Gateway (runtime)"
        )
    try:
        isolated = isolate(project, spec)
    except ValueError as exc:
        return _result(spec, Status.ERROR, str(exc))
    topics = [*isolated.topics.values(), isolated.output_topic]
    try:
        env.kafka_admin.create_topics([TopicSpec(t, 1, 1) for t in topics])
        for given in case.inputs:
            produce_rows(
                env.bootstrap,
                isolated.topics[given.name],
                _out_rows(given.rows, isolated.keys.get(given.name, ())),
                properties=env.kafka_properties,
            )
        state = _run_job(env, isolated.job, job_timeout_s)
        if state != "FINISHED":
            return _result(spec, Status.ERROR, f"the model's job ended {state} (expected FINISHED)")
        records = read_records(
            env.bootstrap,
            isolated.output_topic,
            max_records=1_000_000,
            timeout_s=30.0,
            start=StartAt(),
            properties=env.kafka_properties,
            tombstones=True,
        )
    except AdapterError as exc:
        return _result(spec, Status.ERROR, str(exc), unreachable=exc.unreachable)
    finally:
        _cleanup(env, topics)
    return judge(spec, isolated.changelog, records)


def judge(spec: ParsedTest, changelog: ChangelogMode, records: Sequence[Record]) -> TestResult:
    case = spec.unit
    assert case is not None
    mode = case.mode or (
        ExpectMode.FINAL if changelog is ChangelogMode.UPSERT else ExpectMode.APPEND
    )
    if mode is ExpectMode.FINAL:
        rows = final_rows([(r.key, None if r.tombstone else r.value) for r in records])
    else:
        rows = [r.value for r in records if not r.tombstone]
    diff = compare_rows(case.rows, rows, case.columns)
    outcomes = tuple(evaluate(a, [Record(r) for r in rows]) for a in spec.assertions)
    failed = [o for o in outcomes if not o.passed]
    label = "final rows per key" if mode is ExpectMode.FINAL else "output rows"
    if not diff.equal:
        return _result(
            spec, Status.FAIL, f"{label} differ from expect", diff=diff.render(), outcomes=outcomes
        )
    if failed:
        return _result(
            spec, Status.FAIL, f"{len(failed)} assertion(s) failed on the output", outcomes=outcomes
        )
    return _result(spec, Status.PASS, f"{diff.matched} {label} as expected", outcomes=outcomes)


def isolate(project: Project, spec: ParsedTest) -> Isolated:
    """Recompile `project` with the tested model's inputs and output on fresh topics."""
    model = next((m for m in project.models if m.name == spec.target), None)
    if model is None:
        raise ValueError(f"unit tests run a model; '{spec.target}' is not a model")
    graph, _ = build_graph(project)
    original = compile_project(project, graph, tests=partial(columns_read_by_tests, project))
    node = next(
        (n for n in original.nodes.values() if n.kind == "model" and n.name == model.name), None
    )
    if node is None or not any(j.name == model.name for j in original.desired.jobs):
        raise ValueError(
            f"model '{model.name}' does not compile to a Flink job; unit tests need one"
        )
    inputs = {original.nodes[i].name: original.nodes[i] for i in node.inputs if i in original.nodes}
    assert spec.unit is not None
    unknown = [g.name for g in spec.unit.inputs if g.name not in inputs]
    if unknown:
        raise ValueError(
            f"given input(s) {unknown} are not read by '{model.name}' (it reads: {sorted(inputs)})"
        )
    tag = uuid.uuid4().hex[:8]
    topics = {name: f"streamt_ut_{spec.name}_{name}_{tag}" for name in inputs}
    output = f"streamt_ut_{spec.name}_{model.name}_out_{tag}"
    rewired = _rewire(project, topics, {model.name: output})
    compiled = compile_project(
        rewired,
        build_graph(rewired)[0],
        tests=partial(columns_read_by_tests, rewired),
        bounded=True,
    )
    job = _job(compiled, model.name)
    keys = {
        name: n.primary_key for name, n in inputs.items() if n.changelog is ChangelogMode.UPSERT
    }
    run = _own_run(job, spec.name)
    return Isolated(run, topics, output, keys, compiled.nodes[node.id].changelog)


def _job(compiled: CompileResult, model: str) -> JobSpec:
    if has_errors(compiled.diagnostics):
        raise ValueError("; ".join(d.message for d in compiled.diagnostics if d.is_error)[:500])
    return next(j for j in compiled.desired.jobs if j.name == model)


def _rewire(
    project: Project, source_topics: Mapping[str, str], model_topics: Mapping[str, str]
) -> Project:
    """The project with sources/models moved to other topics (inputs read from the start)."""
    sources = [
        _source(s, source_topics[s.name])
        if s.name in source_topics and s.name not in model_topics
        else s
        for s in project.sources
    ]
    topic_of = {**{k: v for k, v in source_topics.items()}, **model_topics}
    models = [_model(m, topic_of[m.name]) if m.name in topic_of else m for m in project.models]
    return project.model_copy(update={"sources": tuple(sources), "models": tuple(models)})


_AS_JSON = {"avro", "avro-confluent", "protobuf", "protobuf-confluent"}


def _source(source: Source, topic: str) -> Source:
    """The source on `topic`, read from the start; registry formats read as JSON (given rows)."""
    update: dict[str, object] = {"topic": topic, "startup_mode": "earliest-offset"}
    schema = source.schema_
    registry_format = schema is not None and schema.format.value in ("avro", "protobuf")
    if source.format in _AS_JSON or (source.format is None and registry_format):
        update["format"] = "json"
    return source.model_copy(update=update)


def _model(model: Model, topic: str) -> Model:
    options = model.advanced.topic.model_copy(update={"name": topic})
    return model.model_copy(
        update={"advanced": model.advanced.model_copy(update={"topic": options})}
    )


def _own_run(job: JobSpec, test: str) -> JobSpec:
    """The job under a pipeline name of its own run (never mistaken for a deployed job)."""
    config = {**job.config, "pipeline.name": f"streamt-unit.{test}.{uuid.uuid4().hex[:8]}"}
    return dataclasses.replace(job, pipeline_name=config["pipeline.name"], config=config)


def _out_rows(rows: Sequence[Mapping[str, Any]], key: tuple[str, ...]) -> list[OutRow]:
    out = []
    for row in rows:
        key_bytes = json.dumps({k: row.get(k) for k in key}).encode() if key else None
        out.append(OutRow(dict(row), None, key_bytes))
    return out


def _run_job(env: TestEnv, job: JobSpec, timeout_s: float) -> str:
    assert env.flink is not None
    unset = unset_variables(job.statements, job.config, env.environ)
    if unset:
        raise AdapterError("flink", f"environment variable {unset[0]} is not set (job options)")
    statements = bound_statements(job.statements, env.environ)  # secrets bound as values
    job_id = env.flink.submit(statements, bound_config(job.config, env.environ))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = next((j.state for j in env.flink.list_jobs() if j.job_id == job_id), "UNKNOWN")
        if state == "FAILED" and (cause := newest_cause(env.flink, job_id)):
            return f"FAILED: {cause}"
        if state in TERMINAL:
            return state
        time.sleep(0.5)
    env.flink.cancel(job_id)
    return f"still running after {timeout_s:g}s (cancelled)"


def _cleanup(env: TestEnv, topics: Sequence[str]) -> None:
    if env.kafka_admin is None:
        return
    with contextlib.suppress(AdapterError):  # best effort: names are unique per run
        env.kafka_admin.delete_topics(list(topics))
