"""Models without SQL: `from:` only -> a sink connector; nothing -> a plain topic. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from streamt.compile.connectors import connector_spec
from streamt.compile.envelope import needs_envelope
from streamt.compile.facts import CompiledModel, ModelInputs, Settings, SourceFacts
from streamt.compile.materialize import decide_without_sql
from streamt.compile.result import CompiledNode
from streamt.compile.sink_envelope import add_envelope
from streamt.compile.sources import column_type
from streamt.compile.specs import Materialization
from streamt.compile.topics import topic_spec
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model
from streamt.sql import Column
from streamt.sql.types import STRING


def model_without_sql(
    settings: Settings, inputs: ModelInputs, model: Model, nid: str
) -> CompiledModel:
    decision = decide_without_sql(model, nid)
    diags = () if settings.infer_only else tuple(decision.diagnostics)
    mat = decision.materialization
    ids = inputs.from_ids
    if mat is Materialization.SINK:
        topics = [t for t in (_topic_of(inputs, i) for i in ids) if t]
        defaults: Mapping[str, str] = _read_committed(inputs, ids)
        envelope = None
        if needs_envelope(model):
            envelope = add_envelope(settings, inputs, model, nid)
            diags += envelope.diags
            if envelope.connector is not None:
                topics, defaults = envelope.connector
        prefix = settings.project.name_prefix
        spec = connector_spec(model, nid, topics, defaults, prefix)
        node = CompiledNode(
            nid,
            "model",
            model.name,
            None,
            mat,
            inputs=ids,
            description=model.description,
            owner=model.owner,
            tags=tuple(model.tags),
        )
        return CompiledModel(
            node,
            diags,
            topics=envelope.topics if envelope else (),
            jobs=envelope.jobs if envelope else (),
            connectors=(spec,) if spec is not None else (),
        )
    columns, problems = _declared_columns(model, nid)
    if not settings.infer_only:
        diags += problems
    node = CompiledNode(
        nid,
        "model",
        model.name,
        settings.project.topic_of(model),
        mat,
        columns=columns,
        inputs=ids,
        description=model.description,
        owner=model.owner,
        tags=tuple(model.tags),
    )
    return CompiledModel(node, diags, topics=(topic_spec(settings.project, model, nid),))


def _read_committed(inputs: ModelInputs, ids: tuple[str, ...]) -> Mapping[str, str]:
    """A connector reading an exactly-once model's topic reads committed rows only (Kafka
    Connect's consumers read uncommitted ones by default: an aborted write would reach the
    sink); the user's `config:` may say otherwise."""
    if any(getattr(inputs.by_id(i), "exactly_once", False) for i in ids):
        return {"consumer.override.isolation.level": "read_committed"}
    return {}


def _topic_of(inputs: ModelInputs, node_id: str) -> str | None:
    facts = inputs.by_id(node_id)
    if isinstance(facts, SourceFacts):
        return facts.source.topic
    return facts.topic if facts is not None else None


def _declared_columns(model: Model, nid: str) -> tuple[tuple[Column, ...], tuple[Diagnostic, ...]]:
    """The topic's declared columns; a type Flink does not know is an error (C041), never read
    silently as STRING."""
    out: list[Column] = []
    problems: list[Diagnostic] = []
    for i, col in enumerate(model.columns):
        label = f"model '{model.name}' column '{col.name}'"
        where = model.where(f"columns.{i}.type")
        sql_type = column_type(col.type, label, where, nid, problems) if col.type else None
        out.append(Column(col.name, sql_type or STRING))
    return tuple(out), tuple(problems)
