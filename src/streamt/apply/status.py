"""`streamt status`: each resource of the project (and of its ledger) as it runs, with drift.

Drift is anything that differs from what streamt last applied: a ledger-owned resource that is
missing, a job not running or running under another job id than the ledger's (resubmitted
outside streamt), a connector whose public config was edited outside streamt, a topic with
other partitions. Pending (project changed, not applied) is reported separately. A continuous
test's job (`test_job`) and topics are shown once the test is deployed.

A job that restarts, is failing or failed shows `cause`: the newest meaningful cause from
Flink's exception history (the record, the field, the operator), or the ledger's error of the
apply that cancelled it.

A job whose sources skip or dead-letter bad records (`on_bad_record`) shows how many it
routed so far: `skipped` / `dead_lettered`, the message count of its side topic.

Consumer-group lag: Flink jobs are read under group `pipeline.name` (the group their Kafka
sources commit to on checkpoints), sink connectors under `connect-<name>`.
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from streamt.adapters.located import with_position
from streamt.adapters.protocols import AdapterError
from streamt.apply.diagnose import FlinkDiagnostics
from streamt.compile.bad_records import DEAD_LETTERS, SKIPPED
from streamt.compile.specs import DesiredState
from streamt.plan.connectors import live_config_digest
from streamt.plan.inputs import LiveState
from streamt.plan.ledger import Ledger
from streamt.plan.test_jobs import deployed_tests, planned_topic
from streamt.resources import (
    ConnectorSpec,
    EntryStatus,
    GatewayRuleSpec,
    JobSpec,
    LedgerEntry,
    ResourceKind,
    TopicSpec,
    digest,
)
from streamt.state.systems import Systems

TROUBLED = frozenset({"RESTARTING", "FAILING"})  # active, but failing: show why


@dataclass(frozen=True)
class ResourceStatus:
    kind: str
    name: str
    exists: bool
    state: str
    details: dict[str, object] = field(default_factory=dict)
    drift: tuple[str, ...] = ()
    pending: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "exists": self.exists,
            "state": self.state,
            "details": self.details,
            "drift": list(self.drift),
            "pending": self.pending,
        }


@dataclass(frozen=True)
class StatusReport:
    project: str
    environment: str
    resources: tuple[ResourceStatus, ...]

    @property
    def drifted(self) -> tuple[ResourceStatus, ...]:
        return tuple(r for r in self.resources if r.drift)

    def to_dict(self) -> dict[str, object]:
        """`status --format json`."""
        return {
            "project": self.project,
            "environment": self.environment,
            "resources": [r.to_dict() for r in self.resources],
            "drift": len(self.drifted),
        }


def collect_status(
    desired: DesiredState,
    ledger: Ledger,
    live: LiveState,
    systems: Systems,
    *,
    lag: bool = False,
    pattern: str | None = None,
    nodes: frozenset[str] | None = None,
) -> StatusReport:
    """Every resource of the project (`nodes`: only those of these node ids)."""
    desired = _deployed(desired, ledger)
    if nodes is not None:
        desired, ledger = _of_nodes(desired, ledger, nodes)
    rows = [
        *_topics(desired, ledger, live, systems, lag),
        *(_subject(name, ledger, live) for name in _names(desired, ledger, ResourceKind.SUBJECT)),
        *_jobs(desired, ledger, live, systems, lag),
        *_jobs(desired, ledger, live, systems, lag, ResourceKind.TEST_JOB),
        *_connectors(desired, ledger, live, systems, lag),
        *_virtual_topics(desired, ledger, live),
    ]
    if pattern:
        rows = [r for r in rows if fnmatch.fnmatch(r.name, pattern)]
    return StatusReport(desired.project, ledger.environment, tuple(rows))


class _HasNode(Protocol):
    @property
    def node(self) -> str: ...


_Spec = TypeVar("_Spec", bound=_HasNode)


def _deployed(desired: DesiredState, ledger: Ledger) -> DesiredState:
    """Without the continuous tests not deployed (their jobs and topics exist only once
    `streamt test --deploy` made them)."""
    deployed = deployed_tests(desired.test_jobs, ledger, asked=False)
    return replace(
        desired,
        topics=tuple(t for t in desired.topics if planned_topic(t, deployed, ledger)),
        test_jobs=tuple(j for j in desired.test_jobs if j.node in deployed),
    )


def _of_nodes(
    desired: DesiredState, ledger: Ledger, nodes: frozenset[str]
) -> tuple[DesiredState, Ledger]:
    """The desired resources and ledger entries of `nodes` only."""

    def keep(specs: tuple[_Spec, ...]) -> tuple[_Spec, ...]:
        return tuple(s for s in specs if s.node in nodes)

    chosen = replace(
        desired,
        topics=keep(desired.topics),
        subjects=keep(desired.subjects),
        jobs=keep(desired.jobs),
        test_jobs=keep(desired.test_jobs),
        connectors=keep(desired.connectors),
        gateway_rules=keep(desired.gateway_rules),
    )
    entries = [e for e in ledger.entries if e.node in nodes]
    return chosen, Ledger(ledger.project, ledger.environment, entries, ledger.owners)


def _names(desired: DesiredState, ledger: Ledger, kind: ResourceKind) -> list[str]:
    wanted = {
        ResourceKind.SUBJECT: [s.subject for s in desired.subjects],
        ResourceKind.TOPIC: [t.name for t in desired.topics],
        ResourceKind.JOB: [j.name for j in desired.jobs],
        ResourceKind.TEST_JOB: [j.name for j in desired.test_jobs],
        ResourceKind.CONNECTOR: [c.name for c in desired.connectors],
        ResourceKind.GATEWAY_RULE: [g.name for g in desired.gateway_rules],
    }[kind]
    return sorted(set(wanted) | {e.name for e in ledger.of_kind(kind)})


def _missing(entry: LedgerEntry | None) -> tuple[str, ...]:
    return ("missing: in the ledger but not live",) if entry is not None and entry.owned else ()


def _topics(
    desired: DesiredState, ledger: Ledger, live: LiveState, systems: Systems, lag: bool
) -> list[ResourceStatus]:
    names = _names(desired, ledger, ResourceKind.TOPIC)
    counts: dict[str, int] = {}
    if lag and systems.kafka is not None:
        present = [n for n in names if n in live.topics]
        counts = dict(systems.kafka.message_counts(present)) if present else {}
    rows = []
    for name in names:
        entry, topic = ledger.get(ResourceKind.TOPIC, name), live.topics.get(name)
        if topic is None:
            rows.append(ResourceStatus("topic", name, False, "MISSING", drift=_missing(entry)))
            continue
        details: dict[str, object] = {
            "partitions": topic.partitions,
            "replication_factor": topic.replication_factor,
        }
        if name in counts:
            details["messages"] = counts[name]
        drift: tuple[str, ...] = ()
        if (
            entry is not None
            and isinstance(entry.spec, TopicSpec)
            and entry.spec.partitions != topic.partitions
        ):
            drift = (f"partitions {topic.partitions}, ledger says {entry.spec.partitions}",)
        rows.append(ResourceStatus("topic", name, True, "OK", details, drift))
    return rows


def _subject(name: str, ledger: Ledger, live: LiveState) -> ResourceStatus:
    entry, subject = ledger.get(ResourceKind.SUBJECT, name), live.subjects.get(name)
    if subject is None:
        return ResourceStatus("subject", name, False, "MISSING", drift=_missing(entry))
    return ResourceStatus(
        "subject", name, True, "OK", {"version": subject.version, "type": subject.schema_type}
    )


def _jobs(
    desired: DesiredState,
    ledger: Ledger,
    live: LiveState,
    systems: Systems,
    lag: bool,
    kind: ResourceKind = ResourceKind.JOB,
) -> list[ResourceStatus]:
    """Models' jobs, or (`kind` TEST_JOB) continuous tests' jobs."""
    specs = {
        j.name: j for j in (desired.test_jobs if kind is ResourceKind.TEST_JOB else desired.jobs)
    }
    bad = _bad_records(desired, live, systems)
    rows = []
    for name in _names(desired, ledger, kind):
        entry = ledger.get(kind, name)
        payload = specs.get(name) or (
            entry.spec if entry and isinstance(entry.spec, JobSpec) else None
        )
        if payload is None:
            continue
        row = _job(name, payload, entry, live, systems, lag, name in specs)
        row = replace(row, kind=kind.value)
        counts = bad.get(payload.sink_topic, {})
        rows.append(replace(row, details={**row.details, **counts}) if counts else row)
    return rows


def _bad_records(
    desired: DesiredState, live: LiveState, systems: Systems
) -> dict[str, dict[str, object]]:
    """Model topic -> {"skipped": n} / {"dead_lettered": n}: messages in its side topics."""
    labels = {SKIPPED: "skipped", DEAD_LETTERS: "dead_lettered"}
    sides = {
        t.name: (t.name.removesuffix(suffix), label)
        for t in desired.topics
        for suffix, label in labels.items()
        if t.name.endswith(suffix) and t.name in live.topics
    }
    if not sides or systems.kafka is None:
        return {}
    try:
        counts = systems.kafka.message_counts(sorted(sides))
    except AdapterError:
        return {}
    out: dict[str, dict[str, object]] = {}
    for side, (model_topic, label) in sides.items():
        out.setdefault(model_topic, {})[label] = counts.get(side, 0)
    return out


def _job(
    name: str,
    payload: JobSpec,
    entry: LedgerEntry | None,
    live: LiveState,
    systems: Systems,
    lag: bool,
    wanted: bool,
) -> ResourceStatus:
    active = live.active_jobs(payload.pipeline_name)
    latest = active[0] if active else live.latest_job(payload.pipeline_name)
    pending = wanted and (entry is None or entry.data_fingerprint != payload.data_fingerprint)
    if latest is None or not active:
        state = latest.state if latest else "NOT FOUND"
        lost = ("not running: the ledger has it deployed",)
        info: dict[str, object] = {"pipeline": payload.pipeline_name}
        failed = latest is not None and latest.state == "FAILED"
        cause = _cause(systems, latest.job_id, payload) if latest and failed else ""
        if cause or (entry is not None and entry.error):
            info["cause"] = cause or (entry.error if entry is not None else "")
        if entry is not None and entry.savepoint:
            # stopped with a savepoint (`streamt local down`, an interrupted upgrade)
            info["savepoint"] = entry.savepoint
            lost = ("not running: stopped with a savepoint; `streamt apply` resumes it",)
        return ResourceStatus(
            "flink_job",
            name,
            False,
            state,
            info,
            lost if entry is not None and entry.job_id else (),
            pending,
        )
    details: dict[str, object] = {
        "pipeline": payload.pipeline_name,
        "job_id": latest.job_id,
        "uptime_s": max(0, int(time.time() - latest.start_time_ms / 1000)),
    }
    details.update(_checkpoint(systems, latest.job_id))
    if latest.state in TROUBLED:
        details["cause"] = _cause(systems, latest.job_id, payload) or "(no exception recorded yet)"
    if lag:
        details.update(_lag(systems, payload.pipeline_name))
    drift: tuple[str, ...] = ()
    if (
        entry is not None
        and entry.status is EntryStatus.APPLIED
        and entry.job_id
        and entry.job_id != latest.job_id
    ):
        drift = (f"running job {latest.job_id} is not the one streamt deployed ({entry.job_id})",)
    if len(active) > 1:
        drift += (f"{len(active)} jobs run under this pipeline.name",)
    return ResourceStatus("flink_job", name, True, latest.state, details, drift, pending)


def _cause(systems: Systems, job_id: str, payload: JobSpec) -> str:
    """The newest meaningful cause in the job's exception history, with where its record is
    ("" when none or unknown)."""
    if not isinstance(systems.flink, FlinkDiagnostics):
        return ""
    try:
        causes = systems.flink.job_exceptions(job_id)
    except AdapterError:
        return ""
    return with_position(systems.kafka, payload, causes[0], systems.registry) if causes else ""


def _checkpoint(systems: Systems, job_id: str) -> dict[str, object]:
    if systems.flink is None:
        return {}
    try:
        stats = systems.flink.checkpoint_stats(job_id)
    except AdapterError:
        return {}
    last = int(time.time() - stats.last_completed_ms / 1000) if stats.last_completed_ms else None
    return {"checkpoints": stats.completed, "last_checkpoint_age_s": last}


def _lag(systems: Systems, group: str) -> dict[str, object]:
    if systems.kafka is None:
        return {}
    found = systems.kafka.consumer_lag([group]).get(group)
    if found is None or not found.has_offsets:
        return {"lag": None, "group": group}
    return {"lag": found.lag, "group": group}


def _connectors(
    desired: DesiredState, ledger: Ledger, live: LiveState, systems: Systems, lag: bool
) -> list[ResourceStatus]:
    rows = []
    for name in _names(desired, ledger, ResourceKind.CONNECTOR):
        entry, conn = ledger.get(ResourceKind.CONNECTOR, name), live.connectors.get(name)
        if conn is None:
            rows.append(ResourceStatus("connector", name, False, "MISSING", drift=_missing(entry)))
            continue
        details: dict[str, object] = {"tasks": list(conn.tasks)}
        if lag:
            details.update(_lag(systems, f"connect-{name}"))
        drift: tuple[str, ...] = ()
        spec = entry.spec if entry is not None else None
        edited = (
            entry is not None
            and entry.live_digest
            and isinstance(spec, ConnectorSpec)
            and live_config_digest(dict(conn.config), spec) != entry.live_digest
        )
        if edited:
            drift = ("config edited outside streamt",)
        rows.append(ResourceStatus("connector", name, True, conn.state, details, drift))
    return rows


def _virtual_topics(desired: DesiredState, ledger: Ledger, live: LiveState) -> list[ResourceStatus]:
    """Each virtual topic (a Gateway `VirtualSqlTopicPlugin` interceptor) and each masking of one
    (`gateway_masking`, a `FieldLevelDataMaskingPlugin`): ACTIVE when the Gateway holds it, its
    statement or masked fields, and drift when it was edited outside streamt."""
    rows = []
    masking = {g.name for g in desired.gateway_rules if g.masked_fields}
    for name in _names(desired, ledger, ResourceKind.GATEWAY_RULE):
        entry, held = ledger.get(ResourceKind.GATEWAY_RULE, name), live.interceptors.get(name)
        spec = entry.spec if entry is not None else None
        masks = name in masking or (isinstance(spec, GatewayRuleSpec) and bool(spec.masked_fields))
        kind = "gateway_masking" if masks else "virtual_topic"
        if held is None:
            rows.append(ResourceStatus(kind, name, False, "MISSING", drift=_missing(entry)))
            continue
        details: dict[str, object] = {}
        if isinstance(spec, GatewayRuleSpec) and spec.masked_fields:
            details = {"virtual_topic": spec.physical_topic, "masked": list(spec.masked_fields)}
        elif isinstance(spec, GatewayRuleSpec):
            details = {"physical_topic": spec.physical_topic, "statement": spec.statement}
        edited = (
            entry is not None
            and entry.live_digest
            and digest(held.config_json) != entry.live_digest
        )
        drift = ("interceptor edited outside streamt",) if edited else ()
        rows.append(ResourceStatus(kind, name, True, "ACTIVE", details, drift))
    return rows
