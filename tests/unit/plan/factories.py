"""Hand-built desired / live / ledger values for planner tests."""

from __future__ import annotations

from streamt.compile.specs import DesiredState
from streamt.plan import Ledger, LiveState
from streamt.resources import (
    ConnectorSpec,
    ConnectorState,
    EntryStatus,
    JobSpec,
    JobState,
    LedgerEntry,
    ResourceKind,
    SubjectSpec,
    SubjectState,
    TopicSpec,
    TopicState,
    digest,
)

PROJECT = "shop"
ENV = "dev"
AVRO = '{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}'
AVRO_V2 = (
    '{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},'
    '{"name":"amount","type":["null","double"],"default":null}]}'
)


def topic(name: str, partitions: int = 3, config: dict[str, str] | None = None) -> TopicSpec:
    return TopicSpec(name, partitions, 1, config or {}, node=f"model.{PROJECT}.{name}")


def subject(name: str, schema: str = AVRO) -> SubjectSpec:
    return SubjectSpec(name, "AVRO", schema, node=f"source.{PROJECT}.orders")


def job(
    name: str,
    query: str = "SELECT id FROM orders",
    meta: str = "m1",
    sources: tuple[str, ...] = (),
    **config: str,
) -> JobSpec:
    statements = (
        "CREATE TABLE `orders` (`id` STRING) WITH ('connector' = 'kafka')",
        f"CREATE TABLE `{name}` (`id` STRING) WITH ('connector' = 'kafka')",
        f"INSERT INTO `{name}` {query}",
    )
    return JobSpec(
        node=f"model.{PROJECT}.{name}",
        name=name,
        pipeline_name=f"streamt.{PROJECT}.{name}",
        statements=statements,
        query=query,
        config=config,
        source_topics=sources,
        sink_topic=name,
        data_fingerprint=digest([query, sorted(config.items())]),
        metadata_fingerprint=meta,
    )


def connector(name: str, **config: str) -> ConnectorSpec:
    base = {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "topics": "orders_clean",
    }
    return ConnectorSpec(
        name, {**base, **config}, topics=("orders_clean",), node=f"model.{PROJECT}.{name}"
    )


def desired(**kinds: tuple) -> DesiredState:  # type: ignore[type-arg]
    return DesiredState(project=PROJECT, **kinds)


def live(
    topics: tuple[TopicState, ...] = (),
    subjects: tuple[SubjectState, ...] = (),
    jobs: tuple[JobState, ...] = (),
    connectors: tuple[ConnectorState, ...] = (),
    compatibility: dict | None = None,  # type: ignore[type-arg]
) -> LiveState:
    by_pipeline: dict[str, list[JobState]] = {}
    for j in jobs:
        by_pipeline.setdefault(j.name, []).append(j)
    return LiveState(
        topics={t.name: t for t in topics},
        subjects={s.subject: s for s in subjects},
        jobs=by_pipeline,
        connectors={c.name: c for c in connectors},
        compatibility=compatibility or {},
    )


def entry(kind: ResourceKind, name: str, spec: object = None, **fields: object) -> LedgerEntry:
    payload = spec
    base: dict[str, object] = {"project": PROJECT, "environment": ENV, "kind": kind, "name": name}
    if payload is not None:
        base["spec"] = payload
        fp = payload.data_fingerprint if isinstance(payload, JobSpec) else ""
        base.setdefault("data_fingerprint", fp)
        base["metadata_fingerprint"] = getattr(payload, "metadata_fingerprint", "")
    base.update(fields)
    return LedgerEntry.model_validate(base)


def ledger(*entries: LedgerEntry) -> Ledger:
    return Ledger(PROJECT, ENV, entries)


def running(spec: JobSpec, job_id: str = "j1", state: str = "RUNNING", start: int = 1) -> JobState:
    return JobState(job_id, spec.pipeline_name, state, start)


def applied_job_entry(spec: JobSpec, job_id: str = "j1", **fields: object) -> LedgerEntry:
    fields.setdefault("status", EntryStatus.APPLIED)
    return entry(ResourceKind.JOB, spec.name, spec, job_id=job_id, **fields)


def topic_state(name: str, partitions: int = 3, config: dict[str, str] | None = None) -> TopicState:
    return TopicState(name, partitions, 1, config or {})
