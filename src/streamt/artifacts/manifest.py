"""`manifest.json`: the versioned, deterministic record of one compile.

The body is a pure function of the project (sorted, no timestamps) so the same project gives
byte-identical files; the only volatile facts (the streamt version that wrote it) live in
`metadata`. The JSON Schema in `schemas/manifest.schema.json` is generated from these models
(`manifest_json_schema()`); a test fails when the committed copy differs.
"""

from __future__ import annotations

import hashlib
import json
from typing import TypeVar

from pydantic import BaseModel, Field

from streamt.artifacts.columns import ColumnDerivation, project_column_lineage
from streamt.compile.result import CompiledNode, CompileResult
from streamt.load.files import safe_file_name
from streamt.resources import (
    ChangelogMode,
    ConnectorSpec,
    GatewayRuleSpec,
    JobSpec,
    SubjectSpec,
    TopicSpec,
)
from streamt.resources.frozen import FrozenModel
from streamt.sql import Column

# 2: columns carry their column lineage (`derived_from`, `derivation`)
MANIFEST_SCHEMA_VERSION = 2


class Metadata(FrozenModel):
    generator: str = Field(description="streamt version that wrote this manifest (volatile)")


class ColumnRef(FrozenModel):
    node: str = Field(description="kind.project.name of the input node")
    column: str


class ColumnEntry(FrozenModel):
    name: str
    type: str = Field(description="Flink SQL type, e.g. BIGINT NOT NULL")
    rowtime: bool = False
    proctime: bool = False
    derived_from: tuple[ColumnRef, ...] = Field(
        default=(), description="column lineage: the input columns this column is made of"
    )
    derivation: str | None = Field(
        default=None, description="copy, expression, aggregate or window (models only)"
    )


class NodeEntry(FrozenModel):
    id: str = Field(description="kind.project.name")
    kind: str
    name: str
    topic: str | None = None
    materialization: str | None = None
    columns: tuple[ColumnEntry, ...] = ()
    changelog: str = "append"
    primary_key: tuple[str, ...] = ()
    rowtime: str | None = None
    stateful_reasons: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    query: str = ""
    inferred_columns: bool = False
    description: str | None = None
    owner: str | None = None
    tags: tuple[str, ...] = ()


class TopicEntry(FrozenModel):
    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = Field(default_factory=dict)
    node: str = ""
    file: str


class SubjectEntry(FrozenModel):
    subject: str
    schema_type: str
    schema_text: str
    compatibility: str | None = None
    node: str = ""
    file: str


class JobEntry(FrozenModel):
    node: str
    name: str
    pipeline_name: str
    file: str = Field(description="the job script, relative to the manifest")
    config: dict[str, str] = Field(default_factory=dict)
    source_topics: tuple[str, ...] = ()
    sink_topic: str = ""
    changelog: str = "append"
    query: str = ""
    data_fingerprint: str = ""
    metadata_fingerprint: str = ""


class ConnectorEntry(FrozenModel):
    name: str
    config: dict[str, str]
    topics: tuple[str, ...] = ()
    node: str = ""
    file: str


class GatewayRuleEntry(FrozenModel):
    name: str
    physical_topic: str
    where: str = ""
    columns: tuple[str, ...] = ()
    statement: str = ""  # what the Gateway runs (VirtualSqlTopicPlugin)
    node: str = ""
    file: str


class Manifest(FrozenModel):
    schema_version: int = MANIFEST_SCHEMA_VERSION
    project: str
    project_version: str = "0.0.0"
    metadata: Metadata
    nodes: tuple[NodeEntry, ...] = ()
    topics: tuple[TopicEntry, ...] = ()
    subjects: tuple[SubjectEntry, ...] = ()
    flink_jobs: tuple[JobEntry, ...] = ()
    connectors: tuple[ConnectorEntry, ...] = ()
    gateway_rules: tuple[GatewayRuleEntry, ...] = ()

    def files(self) -> list[str]:
        entries: list[TopicEntry | SubjectEntry | JobEntry | ConnectorEntry | GatewayRuleEntry] = [
            *self.topics,
            *self.subjects,
            *self.flink_jobs,
            *self.connectors,
            *self.gateway_rules,
        ]
        return [e.file for e in entries]


def build_manifest(result: CompileResult, generator: str) -> Manifest:
    d = result.desired
    lineage = project_column_lineage(result.nodes)
    return Manifest(
        project=d.project,
        project_version=result.project_version,
        metadata=Metadata(generator=generator),
        nodes=tuple(_node(n, lineage.get(n.id, {})) for n in result.nodes.values()),
        topics=_unique_files([_topic(t) for t in d.topics], [t.name for t in d.topics]),
        subjects=_unique_files([_subject(s) for s in d.subjects], [s.subject for s in d.subjects]),
        flink_jobs=_unique_files([_job(j) for j in d.jobs], [j.name for j in d.jobs]),
        connectors=_unique_files(
            [_connector(c) for c in d.connectors], [c.name for c in d.connectors]
        ),
        gateway_rules=_unique_files(
            [_rule(g) for g in d.gateway_rules], [g.name for g in d.gateway_rules]
        ),
    )


_E = TypeVar("_E", bound=BaseModel)


def _unique_files(entries: list[_E], names: list[str]) -> tuple[_E, ...]:
    """Entries whose file names would be one file (after sanitising, or on a case-insensitive
    file system) each get a suffix from their resource name's hash: no artifact overwrites
    another, and every other file name stays as it was."""
    groups: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        groups.setdefault(str(getattr(entry, "file", "")).casefold(), []).append(i)
    out = list(entries)
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            stem, dot, ext = str(getattr(entries[i], "file", "")).rpartition(".")
            tag = hashlib.sha256(names[i].encode("utf-8")).hexdigest()[:8]
            out[i] = entries[i].model_copy(update={"file": f"{stem}-{tag}{dot}{ext}"})
    return tuple(out)


def job_file(job: JobSpec) -> str:
    return f"flink/{safe_file_name(job.name)}.sql"


def _node(n: CompiledNode, lineage: dict[str, ColumnDerivation]) -> NodeEntry:
    return NodeEntry(
        id=n.id,
        kind=n.kind,
        name=n.name,
        topic=n.topic,
        materialization=n.materialization.value if n.materialization else None,
        columns=tuple(_column(c, lineage.get(c.name)) for c in n.columns),
        changelog=n.changelog.value,
        primary_key=n.primary_key,
        rowtime=n.rowtime,
        stateful_reasons=n.stateful_reasons,
        inputs=n.inputs,
        query=n.query,
        inferred_columns=n.inferred_columns,
        description=n.description,
        owner=n.owner,
        tags=n.tags,
    )


def _column(c: Column, origin: ColumnDerivation | None) -> ColumnEntry:
    # built from typed compile values: constructed without re-validating (thousands per project)
    return ColumnEntry.model_construct(
        name=c.name,
        type=c.type.sql(),
        rowtime=c.rowtime,
        proctime=c.proctime,
        derived_from=tuple(
            ColumnRef.model_construct(node=s.node, column=s.column) for s in origin.sources
        )
        if origin
        else (),
        derivation=origin.derivation.value if origin else None,
    )


def _topic(t: TopicSpec) -> TopicEntry:
    return TopicEntry(
        name=t.name,
        partitions=t.partitions,
        replication_factor=t.replication_factor,
        config=dict(t.config),
        node=t.node,
        file=f"topics/{safe_file_name(t.name)}.json",
    )


def _subject(s: SubjectSpec) -> SubjectEntry:
    return SubjectEntry(
        subject=s.subject,
        schema_type=s.schema_type,
        schema_text=s.schema_text,
        compatibility=s.compatibility,
        node=s.node,
        file=f"subjects/{safe_file_name(s.subject)}.json",
    )


def _job(j: JobSpec) -> JobEntry:
    return JobEntry(
        node=j.node,
        name=j.name,
        pipeline_name=j.pipeline_name,
        file=job_file(j),
        config=dict(j.config),
        source_topics=j.source_topics,
        sink_topic=j.sink_topic,
        changelog=(j.changelog or ChangelogMode.APPEND).value,
        query=j.query,
        data_fingerprint=j.data_fingerprint,
        metadata_fingerprint=j.metadata_fingerprint,
    )


def _connector(c: ConnectorSpec) -> ConnectorEntry:
    return ConnectorEntry(
        name=c.name,
        config=dict(c.config),
        topics=c.topics,
        node=c.node,
        file=f"connectors/{safe_file_name(c.name)}.json",
    )


def _rule(g: GatewayRuleSpec) -> GatewayRuleEntry:
    return GatewayRuleEntry(
        name=g.name,
        physical_topic=g.physical_topic,
        where=g.where,
        columns=g.columns,
        statement=g.statement,
        node=g.node,
        file=f"gateway/{safe_file_name(g.name)}.json",
    )


def to_json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def manifest_text(doc: dict[str, object]) -> str:
    """The manifest's text: top-level keys one per line, each list item on its own line
    (compact JSON inside), so diffs stay readable and the C encoder does the work."""

    def dump(value: object) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    lines = []
    for key in sorted(doc):
        value = doc[key]
        if isinstance(value, list) and value:
            items = ",\n    ".join(dump(v) for v in value)
            lines.append(f"  {dump(key)}: [\n    {items}\n  ]")
        else:
            lines.append(f"  {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def manifest_json_schema() -> dict[str, object]:
    schema = Manifest.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://streamt.dev/schemas/manifest.v{MANIFEST_SCHEMA_VERSION}.json"
    return schema
