"""Project column lineage: each model column's input columns, as node ids and column names.

`project_column_lineage(nodes)` walks every model's compiled query with
`streamt.sql.column_lineage` (memoised per query shape) over its inputs' compiled columns and
maps the job's table names back to the input node ids (as `compile` named them). A new module
beside compile's internals: it only reads `CompiledNode`s. The manifest (`streamt.artifacts`)
carries the result, validate's masking rule (V172) follows it, the docs site and `streamt
lineage --column` read it. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from streamt.compile.model import _table_names  # the names compile gave the job's tables
from streamt.compile.result import CompiledNode
from streamt.sql.column_lineage import Derivation, LineageMemo


@dataclass(frozen=True)
class ColumnSource:
    node: str  # kind.project.name
    column: str


@dataclass(frozen=True)
class ColumnDerivation:
    sources: tuple[ColumnSource, ...]
    derivation: Derivation


def project_column_lineage(
    nodes: Mapping[str, CompiledNode],
) -> dict[str, dict[str, ColumnDerivation]]:
    """node id -> output column -> where it comes from (models with a query only)."""
    out: dict[str, dict[str, ColumnDerivation]] = {}
    memo = LineageMemo()
    for nid, node in nodes.items():
        if node.kind != "model":
            continue
        if not node.query:  # a sink (or topic) fed by `from:` one node: its columns, as they are
            out[nid] = _passed_through(node, nodes)
            continue
        by_table = _tables(node, nodes)
        inputs = {name: [c.name for c in nodes[i].columns] for name, i in by_table.items()}
        out[nid] = {
            origin.column: ColumnDerivation(
                tuple(
                    ColumnSource(by_table[table], column)
                    for table, column in origin.sources
                    if table in by_table
                ),
                origin.derivation,
            )
            for origin in memo.lineage(node.query, inputs)
        }
    return out


def _tables(node: CompiledNode, nodes: Mapping[str, CompiledNode]) -> dict[str, str]:
    """Table name in the model's compiled query -> input node id: the input's name, suffixed
    by compile where it would collide (a source named like the model or like a ref)."""
    inputs = [nodes[i] for i in node.inputs if i in nodes]
    names = _table_names(
        node.name,
        [n.name for n in inputs if n.kind == "source"],
        [n.name for n in inputs if n.kind == "model"],
    )
    kinds = {"source": "source", "model": "ref"}
    return {names[(kinds[n.kind], n.name)]: n.id for n in inputs}


def _passed_through(
    node: CompiledNode, nodes: Mapping[str, CompiledNode]
) -> dict[str, ColumnDerivation]:
    if len(node.inputs) != 1 or node.inputs[0] not in nodes:
        return {}
    (src,) = node.inputs
    names = {c.name for c in nodes[src].columns}
    return {
        c.name: ColumnDerivation((ColumnSource(src, c.name),), Derivation.COPY)
        for c in node.columns or nodes[src].columns  # a sink: the columns it exports
        if c.name in names
    }
