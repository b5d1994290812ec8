"""Project column lineage: each model column's input columns, as node ids and column names.

One call per compile (`project_column_lineage`, from `build_manifest`): every model's compiled
query is walked by `streamt.sql.column_lineage` with its inputs' compiled columns, and the table
names it reads are mapped back to the input node ids. The manifest carries the result; the docs
site and `streamt lineage --column` read it from there. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
        if node.kind != "model" or not node.query:
            continue
        by_table = {nodes[i].name: i for i in node.inputs if i in nodes}
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
