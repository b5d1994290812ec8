"""Continuous tests as planned resources: each one's Flink job (a `JobSpec` of kind
`ResourceKind.TEST_JOB`, named after the test) and the topics it writes (its violations topic,
and its DLQ topic unless that is a model's), added to the compiled desired state so that plan,
apply, status and destroy handle them like every resource.

The job's statements start reading at `deploy-time` (`streamt.sql.options.at_deploy_time`),
bound to the wall clock only when apply submits it: the value, its fingerprint and the plan are
the same at every compile. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from streamt.compile.result import CompileResult
from streamt.compile.tables import bootstrap
from streamt.diagnostics import has_errors
from streamt.load.model import Project, TestType
from streamt.resources import JobSpec, TopicSpec, digest
from streamt.testing.check import check_tests
from streamt.testing.continuous_sql import (
    VIOLATIONS_TOPIC,
    JobSettings,
    TargetTable,
    continuous_job,
)
from streamt.testing.env import targets_from_compile
from streamt.testing.spec import DlqAction, ParsedTest, parse_test

MAX_TOPIC = 249  # Kafka's limit on a topic name


def violations_topic(project: str, test: str) -> str:
    """The topic a test's job writes its violations to (its own: destroy removes it with the
    job); a name over Kafka's limit keeps its start and a digest of the whole."""
    name = f"{VIOLATIONS_TOPIC}.{project}.{test}"
    if len(name) <= MAX_TOPIC:
        return name
    return f"{name[: MAX_TOPIC - 13]}.{digest(name)[:12]}"


def dlq_topic(spec: ParsedTest, model_topics: Mapping[str, str]) -> str | None:
    """The topic a test's `dlq` action writes violating records to, if it has one."""
    for action in spec.actions:
        if isinstance(action, DlqAction):
            return action.topic or model_topics.get(action.model or "")
    return None


def with_test_jobs(project: Project, compiled: CompileResult) -> CompileResult:
    """`compiled` with its continuous tests' jobs and topics in the desired state (none when
    a test is invalid: `streamt test` and `validate` report that)."""
    if compiled.desired.test_jobs or not any(t.type is TestType.CONTINUOUS for t in project.tests):
        return compiled  # added already, or nothing to add
    jobs, topics = test_resources(project, compiled)
    if not jobs:
        return compiled
    desired = compiled.desired
    merged = tuple(sorted((*desired.topics, *topics), key=lambda t: t.name))
    return replace(compiled, desired=replace(desired, topics=merged, test_jobs=jobs))


def test_resources(
    project: Project, compiled: CompileResult
) -> tuple[tuple[JobSpec, ...], tuple[TopicSpec, ...]]:
    tables = targets_from_compile(compiled)
    columns = {name: [c for c, _ in t.columns] for name, t in tables.items() if t.columns}
    if has_errors(check_tests(project, columns)):
        return (), ()
    model_topics = {m.name: project.topic_of(m) for m in project.models}
    have = {t.name for t in compiled.desired.topics}
    jobs: list[JobSpec] = []
    topics: dict[str, TopicSpec] = {}
    for test in project.tests:
        spec = parse_test(test, project)[0]
        target = tables.get(spec.target)
        if spec.type is not TestType.CONTINUOUS or target is None:
            continue
        job = _job(project, spec, target, tables, dlq_topic(spec, model_topics))
        jobs.append(job)
        for name in (job.sink_topic, dlq_topic(spec, model_topics)):
            if name and name not in have:
                topics.setdefault(name, TopicSpec(name, 1, 1, node=job.node))
    return tuple(sorted(jobs, key=lambda j: j.name)), tuple(topics.values())


def _job(
    project: Project,
    spec: ParsedTest,
    target: TargetTable,
    tables: Mapping[str, TargetTable],
    dlq: str | None,
) -> JobSpec:
    settings = JobSettings(
        project.name,
        bootstrap(project.runtime),
        None,
        violations_topic(project.name, spec.name),
        dlq,
    )
    return continuous_job(spec.name, spec.assertions, target, tables, settings)
