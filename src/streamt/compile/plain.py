"""Models without SQL: `from:` only -> a sink connector; nothing -> a plain topic. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from streamt.compile.connectors import connector_spec
from streamt.compile.envelope import needs_envelope
from streamt.compile.facts import CompiledModel, ModelInputs, Settings, SourceFacts
from streamt.compile.materialize import decide_without_sql
from streamt.compile.result import CompiledNode
from streamt.compile.sink_envelope import add_envelope
from streamt.compile.specs import Materialization
from streamt.compile.topics import topic_spec
from streamt.load.model import Model
from streamt.sql import Column, SqlType, parse_type
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
        defaults: Mapping[str, str] = {}
        envelope = None
        if needs_envelope(model):
            envelope = add_envelope(settings, inputs, model, nid)
            diags += envelope.diags
            if envelope.connector is not None:
                topics, defaults = envelope.connector
        spec = connector_spec(model, nid, topics, defaults)
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
    columns = tuple(_declared_columns(model))
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


def _topic_of(inputs: ModelInputs, node_id: str) -> str | None:
    facts = inputs.by_id(node_id)
    if isinstance(facts, SourceFacts):
        return facts.source.topic
    return facts.topic if facts is not None else None


def _declared_columns(model: Model) -> list[Column]:
    out = []
    for col in model.columns:
        try:
            sql_type: SqlType = parse_type(col.type) if col.type else STRING
        except ValueError:
            sql_type = STRING
        out.append(Column(col.name, sql_type))
    return out
