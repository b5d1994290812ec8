"""`manifest.json`: the versioned, deterministic record of one compile.

The body is a pure function of the project (sorted, no timestamps) so the same project gives
byte-identical files; the only volatile facts (the streamt version that wrote it) live in
`metadata`. The JSON Schema in `schemas/manifest.schema.json` is generated from these models
(`manifest_json_schema()`); a test fails when the committed copy differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import Field, model_validator

from streamt.artifacts.columns import ColumnDerivation, project_column_lineage
from streamt.compile.result import CompiledNode, CompileResult
from streamt.load.files import safe_file_name
from streamt.resources import (
    ConnectorSpec,
    GatewayRuleSpec,
    JobSpec,
    SubjectSpec,
    TopicSpec,
)
from streamt.resources.frozen import FrozenModel
from streamt.resources.value import with_node
from streamt.sql import Column

# 2: columns carry their column lineage (`derived_from`, `derivation`)
# 3: a resource entry is its `streamt.resources` value as is (`spec`), with its node and file
MANIFEST_SCHEMA_VERSION = 3


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


V = TypeVar("V", TopicSpec, SubjectSpec, JobSpec, ConnectorSpec, GatewayRuleSpec)


class Artifact(FrozenModel, Generic[V]):
    """One compiled resource: its value as compile emits it (serialised as in `plan.json` and
    the ledger), the node it belongs to and its file, relative to the manifest."""

    node: str = Field(description="kind.project.name of the node the resource belongs to")
    file: str = Field(description="the resource's file, relative to the manifest")
    spec: V

    @model_validator(mode="before")
    @classmethod
    def _node_of_spec(cls, data: object) -> object:
        return with_node(data, "spec")


class Manifest(FrozenModel):
    schema_version: int = MANIFEST_SCHEMA_VERSION
    project: str
    project_version: str = "0.0.0"
    metadata: Metadata
    nodes: tuple[NodeEntry, ...] = ()
    topics: tuple[Artifact[TopicSpec], ...] = ()
    subjects: tuple[Artifact[SubjectSpec], ...] = ()
    flink_jobs: tuple[Artifact[JobSpec], ...] = ()
    connectors: tuple[Artifact[ConnectorSpec], ...] = ()
    gateway_rules: tuple[Artifact[GatewayRuleSpec], ...] = ()
    # continuous tests' jobs (written only when the project has some: `manifest_text` leaves
    # out an empty list, so a project without them has the manifest it always had)
    test_jobs: tuple[Artifact[JobSpec], ...] = ()

    def files(self) -> list[str]:
        return [
            *(e.file for e in self.topics),
            *(e.file for e in self.subjects),
            *(e.file for e in self.flink_jobs),
            *(e.file for e in self.connectors),
            *(e.file for e in self.gateway_rules),
            *(e.file for e in self.test_jobs),
        ]


def build_manifest(result: CompileResult, generator: str) -> Manifest:
    d = result.desired
    lineage = project_column_lineage(result.nodes)
    return Manifest(
        project=d.project,
        project_version=result.project_version,
        metadata=Metadata(generator=generator),
        nodes=tuple(_node(n, lineage.get(n.id, {})) for n in result.nodes.values()),
        topics=_artifacts(d.topics, "topics", "json"),
        subjects=_artifacts(d.subjects, "subjects", "json"),
        flink_jobs=_artifacts(d.jobs, "flink", "sql"),
        connectors=_artifacts(d.connectors, "connectors", "json"),
        gateway_rules=_artifacts(d.gateway_rules, "gateway", "json"),
        test_jobs=_artifacts(d.test_jobs, "tests", "sql"),
    )


def _artifacts(values: Sequence[V], folder: str, ext: str) -> tuple[Artifact[V], ...]:
    """Each value with its node and file. Values whose file names would be one file (after
    sanitising, or on a case-insensitive file system) each get a suffix from their resource
    name's hash: no artifact overwrites another, and every other file name stays as it was."""
    files = [f"{folder}/{safe_file_name(v.name)}.{ext}" for v in values]
    groups: dict[str, list[int]] = {}
    for i, file in enumerate(files):
        groups.setdefault(file.casefold(), []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            tag = hashlib.sha256(values[i].name.encode("utf-8")).hexdigest()[:8]
            files[i] = f"{folder}/{safe_file_name(values[i].name)}-{tag}.{ext}"
    # built from typed compile values: constructed without validating them again
    return tuple(
        Artifact[V].model_construct(node=v.node, file=f, spec=v)
        for v, f in zip(values, files, strict=True)
    )


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
