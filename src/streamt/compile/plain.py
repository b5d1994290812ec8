"""Models without SQL: `from:` only -> a sink connector; nothing -> a plain topic. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from streamt.compile.connectors import connector_spec
from streamt.compile.envelope import needs_envelope
from streamt.compile.materialize import decide_without_sql
from streamt.compile.result import CompiledNode
from streamt.compile.sink_envelope import add_envelope
from streamt.compile.specs import Materialization
from streamt.compile.topics import topic_spec
from streamt.load.model import Model
from streamt.sql import Column, SqlType, parse_type
from streamt.sql.types import STRING

if TYPE_CHECKING:
    from streamt.compile.project import _Run


def model_without_sql(run: _Run, model: Model, nid: str) -> None:
    decision = decide_without_sql(model, nid)
    if not run.infer_only:
        run.diags.extend(decision.diagnostics)
    mat = decision.materialization
    inputs = tuple(from_ids(run, model))
    if mat is Materialization.SINK:
        topics = [t for t in (_topic_of(run, i) for i in inputs) if t]
        defaults: Mapping[str, str] = {}
        if needs_envelope(model):
            wired = add_envelope(run, model, nid, inputs)
            if wired is not None:
                topics, defaults = wired
        spec = connector_spec(model, nid, topics, defaults)
        if spec is not None:
            run.connectors.append(spec)
        run.nodes[nid] = CompiledNode(
            nid,
            "model",
            model.name,
            None,
            mat,
            inputs=inputs,
            description=model.description,
            owner=model.owner,
            tags=tuple(model.tags),
        )
        return
    columns = tuple(_declared_columns(model))
    run.topics.append(topic_spec(run.project, model, nid))
    run.nodes[nid] = CompiledNode(
        nid,
        "model",
        model.name,
        run.project.topic_of(model),
        mat,
        columns=columns,
        inputs=inputs,
        description=model.description,
        owner=model.owner,
        tags=tuple(model.tags),
    )


def from_ids(run: _Run, model: Model) -> list[str]:
    out: list[str] = []
    for item in model.from_:
        model_id, source_id = run.mid(item.name), run.sid(item.name)
        if item.kind == "ref" or (item.kind == "auto" and model_id in run.graph.nodes):
            out.append(model_id)
        elif source_id in run.graph.nodes:
            out.append(source_id)
    return out


def _topic_of(run: _Run, node_id: str) -> str | None:
    node = run.nodes.get(node_id)
    return node.topic if node else None


def _declared_columns(model: Model) -> list[Column]:
    out = []
    for col in model.columns:
        try:
            sql_type: SqlType = parse_type(col.type) if col.type else STRING
        except ValueError:
            sql_type = STRING
        out.append(Column(col.name, sql_type))
    return out
