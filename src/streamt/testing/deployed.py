"""Continuous tests as planned resources: each one's Flink job (a `JobSpec` of kind
`ResourceKind.TEST_JOB`, named after the test) and the topics it writes (its violations topic,
and its DLQ topic unless that is a model's), added to the compiled desired state so that plan,
apply, status and destroy handle them like every resource. Their names follow the models'
policy (`Project.job_scope`, `Project.name_prefix`): the job and its consumer group
`streamt-test.<job scope>.<test>` as a model's are `streamt.<job scope>.<model>`, the
violations topic `_streamt_violations.<prefix><project>.<test>` (reserved: no model writes it),
a `dlq` topic after the name prefix, so two environments of one project never share one. The topics get
`defaults.topic` as every topic streamt creates (replication factor, `min.insync.replicas`,
config) and one partition: the job writes them with one task.

The job's statements start reading at `deploy-time` (`streamt.sql.options.at_deploy_time`),
bound to the wall clock only when apply submits it: the value, its fingerprint and the plan are
the same at every compile. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from streamt.compile.result import CompileResult
from streamt.compile.tables import bootstrap
from streamt.compile.topics import keyless_topic_spec
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


def violations_topic(name_prefix: str, project: str, test: str) -> str:
    """The topic a test's job writes its violations to (its own: destroy removes it with the
    job). It stays in streamt's reserved `_streamt_violations.` family (no model may own or
    write it: `validate/reserved.py`) with the environment's name prefix inside
    (`Project.name_prefix`: two environments never share one); a name over Kafka's limit keeps
    its start and a digest of the whole."""
    name = f"{VIOLATIONS_TOPIC}.{name_prefix}{project}.{test}"
    if len(name) <= MAX_TOPIC:
        return name
    return f"{name[: MAX_TOPIC - 13]}.{digest(name)[:12]}"


def dlq_topic(spec: ParsedTest, project: Project) -> str | None:
    """The topic a test's `dlq` action writes violating records to, if it has one: a `topic`
    after the name prefix, as a model's `advanced.topic.name` is, or a `model`'s topic."""
    models = {m.name: m for m in project.models}
    for action in spec.actions:
        if not isinstance(action, DlqAction):
            continue
        if action.topic:
            return project.name_prefix + action.topic
        model = models.get(action.model or "")
        return project.topic_of(model) if model is not None else None
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
    tables = targets_from_compile(compiled, project)
    columns = {name: [c for c, _ in t.columns] for name, t in tables.items() if t.columns}
    if has_errors(check_tests(project, columns)):
        return (), ()
    have = {t.name for t in compiled.desired.topics}
    jobs: list[JobSpec] = []
    topics: dict[str, TopicSpec] = {}
    for test in project.tests:
        spec = parse_test(test, project)[0]
        target = tables.get(spec.target)
        if spec.type is not TestType.CONTINUOUS or target is None:
            continue
        dlq = dlq_topic(spec, project)
        job = _job(project, spec, target, tables, dlq)
        jobs.append(job)
        for name in (job.sink_topic, dlq):
            if name and name not in have:
                # one partition: the test's job writes with one task (`parallelism.default`)
                topics.setdefault(name, keyless_topic_spec(project, name, job.node))
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
        violations_topic(project.name_prefix, project.name, spec.name),
        dlq,
        job_scope=project.job_scope,
    )
    return continuous_job(spec.name, spec.assertions, target, tables, settings)
