"""`observe(desired, ledger, systems) -> LiveState`: one listing call per system.

Only systems the project or its ledger uses are asked; results are narrowed to the names the
project or ledger knows (other teams' topics on a shared cluster never enter a plan or its
fingerprint). The only per-resource calls are Schema Registry compatibility checks, made only
for subjects whose schema differs from the registered one, and one message count (two
`list_offsets`) and a sample of the newest records (20, read without committing: do their JSON
fields equal the model's columns?) for the project's topics that exist but are not in its
ledger, which the plan shows as "exists, not owned by this project"; and for each running job
whose SQL or config changed, the stream graphs of its old and new versions (two `EXPLAIN
JSON_EXECUTION_PLAN` on the SQL Gateway, nothing executed), compared by `plan/state_compat.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from streamt.adapters.protocols import AdapterError
from streamt.compile.specs import DesiredState
from streamt.diagnostics import UNREACHABLE, Diagnostic, StreamtError
from streamt.load.names import kafka_collision_key
from streamt.plan.inputs import ACTIVE_JOB_STATES as ACTIVE
from streamt.plan.inputs import Compatibility, LiveState
from streamt.plan.ledger import Ledger
from streamt.plan.payloads import canonical_schema
from streamt.plan.state_compat import LayoutError, StateCheck, StateLayout, compare, layout
from streamt.resources import (
    EntryStatus,
    InterceptorState,
    JobSpec,
    JobState,
    ResourceKind,
    TopicState,
)
from streamt.state.systems import Systems


def _names(ledger: Ledger, kind: ResourceKind) -> set[str]:
    return {e.name for e in ledger.of_kind(kind)}


def _pipelines(desired: DesiredState, ledger: Ledger) -> set[str]:
    names = {j.pipeline_name for j in (*desired.jobs, *desired.test_jobs)}
    for e in (*ledger.of_kind(ResourceKind.JOB), *ledger.of_kind(ResourceKind.TEST_JOB)):
        for payload in (e.spec, e.target):
            if isinstance(payload, JobSpec):
                names.add(payload.pipeline_name)
    return names


def _collisions(missing: set[str], listed: Iterable[TopicState]) -> dict[str, str]:
    """Each of the `missing` topics -> a listed topic Kafka takes for it (another name, the
    same `kafka_collision_key`): Kafka would refuse to create it."""
    wanted = {kafka_collision_key(n): n for n in missing}
    return {
        wanted[key]: t.name
        for t in listed
        if (key := kafka_collision_key(t.name)) in wanted and t.name != wanted[key]
    }


def _missing(system: str) -> StreamtError:
    return StreamtError(
        Diagnostic(
            "A010",
            f"the project needs {system} but runtime: configures none",
            hint=f"add runtime.{system} to stream_project.yml (or omit runtime: for the local stack)",
        )
    )


def observe(
    desired: DesiredState,
    ledger: Ledger,
    systems: Systems,
    columns: Mapping[str, tuple[str, ...]] | None = None,
) -> LiveState:
    """`columns`: a model topic -> the columns its model writes, to sample unowned topics."""
    try:
        return _observe(desired, ledger, systems, columns or {})
    except AdapterError as exc:
        raise StreamtError(
            Diagnostic(
                "A011",
                f"cannot observe live state: {exc}",
                hint="is the stack up? (streamt local status)",
            ),
            exit_code=UNREACHABLE if exc.unreachable else 1,
        ) from None


def _observe(
    desired: DesiredState,
    ledger: Ledger,
    systems: Systems,
    columns: Mapping[str, tuple[str, ...]],
) -> LiveState:
    topic_names = {t.name for t in desired.topics} | _names(ledger, ResourceKind.TOPIC)
    topic_names |= {topic for j in desired.jobs for topic in j.source_topics}
    subject_names = {s.subject for s in desired.subjects} | _names(ledger, ResourceKind.SUBJECT)
    pipelines = _pipelines(desired, ledger)
    connector_names = {c.name for c in desired.connectors} | _names(ledger, ResourceKind.CONNECTOR)

    topics, collisions = {}, {}
    if topic_names:
        if systems.kafka is None:
            raise _missing("kafka")
        listed = systems.kafka.list_topics()
        topics = {t.name: t for t in listed if t.name in topic_names}
        collisions = _collisions({t.name for t in desired.topics} - topics.keys(), listed)
    subjects = {}
    if subject_names:
        if systems.registry is None:
            raise _missing("schema_registry")
        subjects = {
            s.subject: s for s in systems.registry.list_subjects() if s.subject in subject_names
        }
    jobs: dict[str, list[JobState]] = {}
    if pipelines:
        if systems.flink is None:
            raise _missing("flink")
        for job in systems.flink.list_jobs():
            if job.name in pipelines:
                jobs.setdefault(job.name, []).append(job)
    connectors = {}
    if connector_names:
        if systems.connect is None:
            raise _missing("connect")
        connectors = {
            c.name: c for c in systems.connect.list_connectors() if c.name in connector_names
        }
    live = LiveState(topics=topics, subjects=subjects, jobs=jobs, connectors=connectors)
    stopped, stopping = _cut_short_stops(ledger, jobs, systems)
    mine = _names(ledger, ResourceKind.TOPIC)
    unowned = sorted(t.name for t in desired.topics if t.name in topics and t.name not in mine)
    return LiveState(
        topics=topics,
        subjects=subjects,
        jobs=jobs,
        connectors=connectors,
        compatibility=_compatibility(desired, live, systems),
        interceptors=_interceptors(desired, ledger, systems),
        messages=_unowned_counts(unowned, systems),
        samples=_samples(unowned, columns, systems),
        stopped_savepoints=stopped,
        stops_in_progress=stopping,
        state_checks=_state_checks(desired, ledger, live, systems),
        collisions=collisions,
    )


def _cut_short_stops(
    ledger: Ledger, jobs: Mapping[str, list[JobState]], systems: Systems
) -> tuple[dict[str, str], frozenset[str]]:
    """For each upgrade the ledger shows cut short before it recorded its savepoint (pending,
    `previous_job_id`, no savepoint): the savepoint its old job stopped with once FINISHED, or
    the old job when its stop is still under way (Flink's statistics lag its end a moment).
    One call per such job, usually none."""
    listed = {j.job_id: j.state for js in jobs.values() for j in js}
    ask = getattr(systems.flink, "stop_savepoint", None)
    stopped: dict[str, str] = {}
    stopping: set[str] = set()
    for entry in ledger.of_kind(ResourceKind.JOB):
        old = entry.previous_job_id
        if ask is None or entry.status is EntryStatus.APPLIED or entry.savepoint:
            continue
        if old not in listed:
            continue
        status, path = ask(old)
        if status == "COMPLETED" and path and listed[old] == "FINISHED":
            stopped[old] = path
        elif status == "IN_PROGRESS" or (status == "COMPLETED" and listed[old] in ACTIVE):
            stopping.add(old)
    return stopped, frozenset(stopping)


def _unowned_counts(names: list[str], systems: Systems) -> Mapping[str, int]:
    if not names or systems.kafka is None:
        return {}
    return systems.kafka.message_counts(names)


SAMPLE = 20


def _samples(
    names: list[str], columns: Mapping[str, tuple[str, ...]], systems: Systems
) -> dict[str, tuple[int, int]]:
    """(records whose JSON fields are exactly the model's columns, records read) per topic."""
    sample = getattr(systems.kafka, "sample_values", None)
    out: dict[str, tuple[int, int]] = {}
    for name in names:
        wanted = set(columns.get(name, ()))
        if sample is None or not wanted:
            continue
        values = sample(name, SAMPLE)
        if values:
            out[name] = (sum(1 for v in values if _fields(v) == wanted), len(values))
    return out


def _fields(value: bytes) -> set[str] | None:
    try:
        record = json.loads(value)
    except ValueError:
        return None
    return set(record) if isinstance(record, dict) else None


def _interceptors(
    desired: DesiredState, ledger: Ledger, systems: Systems
) -> dict[str, InterceptorState]:
    names = {g.name for g in desired.gateway_rules} | _names(ledger, ResourceKind.GATEWAY_RULE)
    if not names:
        return {}
    if systems.gateway is None:
        raise _missing("conduktor.gateway")
    return {i.name: i for i in systems.gateway.list_interceptors() if i.name in names}


def _compatibility(
    desired: DesiredState, live: LiveState, systems: Systems
) -> dict[str, Compatibility]:
    verdicts: dict[str, Compatibility] = {}
    for spec in desired.subjects:
        current = live.subjects.get(spec.subject)
        if current is None or systems.registry is None:
            continue
        if canonical_schema(spec.schema_type, spec.schema_text) == canonical_schema(
            current.schema_type, current.schema
        ):
            continue
        ok, messages = systems.registry.check_compatibility(
            spec.subject, spec.schema_type, spec.schema_text
        )
        verdicts[spec.subject] = Compatibility(ok, tuple(messages))
    return verdicts


def _state_checks(
    desired: DesiredState, ledger: Ledger, live: LiveState, systems: Systems
) -> dict[str, StateCheck]:
    """Can each changed job's new SQL restore the savepoint of the version the ledger holds
    (running, or stopped with a savepoint an apply would resume from)? A cluster that cannot
    explain (Confluent Cloud: no savepoints) is not asked; the jobs are asked in parallel."""
    graph = getattr(systems.flink, "stream_graph", None)
    if graph is None:
        return {}
    pairs: dict[str, tuple[JobSpec, JobSpec]] = {}
    for spec in desired.jobs:
        entry = ledger.get(ResourceKind.JOB, spec.name)
        old = entry.spec if entry is not None else None
        if not isinstance(old, JobSpec) or old.data_fingerprint == spec.data_fingerprint:
            continue
        resumable = entry is not None and (
            entry.savepoint or (entry.status is not EntryStatus.APPLIED and entry.previous_job_id)
        )  # the plan would restore the savepoint the ledger's version took
        if live.active_jobs(spec.pipeline_name) or resumable:
            pairs[spec.name] = (old, spec)
    if not pairs:
        return {}
    with ThreadPoolExecutor(max_workers=min(4, len(pairs))) as pool:
        checks = pool.map(lambda pair: _check(graph, *pair), pairs.values())
        return dict(zip(pairs, checks, strict=True))


def _check(graph: Callable[..., object], old: JobSpec, new: JobSpec) -> StateCheck:
    try:
        return compare(_layout(graph, old), _layout(graph, new))
    except (AdapterError, LayoutError) as exc:
        return StateCheck(None, unknown=str(exc))


def _layout(graph: Callable[..., object], spec: JobSpec) -> StateLayout:
    return layout(str(graph(spec.statements, dict(spec.config))))
