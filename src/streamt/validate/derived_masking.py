"""V172: sensitive data that reaches a model's output through column lineage, unmasked.

With `rules.security.sensitive_columns_require_masking`, V061 asks that a sensitive source
column be masked by a model reading it, by name. Column lineage sees what names cannot: a reader
that masks `email` but also outputs `UPPER(email) AS e`, a second reader that passes `email`
through while another masks it, a model column derived from an unmasked sensitive model column.
A column is tainted when it is declared `sensitive` / `highly_sensitive` (on a source, or on a
model and not masked there) or derived from a tainted column and not masked by its model; a
mask ends the taint. Each tainted model output column the model does not mask is V172 — unless
V061 already reports its origin (a source column no reader masks). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping

from streamt.compile.column_lineage import ColumnSource, project_column_lineage
from streamt.compile.result import CompiledNode
from streamt.diagnostics import Diagnostic
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind
from streamt.load.model import Classification, Model, Project


def check_derived_masking(
    project: Project, graph: Graph, compiled: Mapping[str, CompiledNode]
) -> list[Diagnostic]:
    if not project.rules.security.sensitive_columns_require_masking:
        return []
    lineage = project_column_lineage(compiled)
    models = {graph.id_of(NodeKind.MODEL, m.name): m for m in project.models}
    masked = {
        nid: {p.mask.column for p in m.security.policies if p.mask} for nid, m in models.items()
    }
    tainted: dict[ColumnSource, ColumnSource] = {}  # tainted column -> its sensitive origin
    for s in project.sources:
        sid = graph.id_of(NodeKind.SOURCE, s.name)
        for col in s.columns:
            if col.classification is not None and col.classification.is_sensitive:
                here = ColumnSource(sid, col.name)
                tainted[here] = here
    reported = _reported_by_v061(tainted, graph, masked)
    out: list[Diagnostic] = []
    for nid in graph.order:
        model = models.get(nid)
        if model is None:
            continue
        for column, origin in lineage.get(nid, {}).items():
            here = ColumnSource(nid, column)
            if column in masked[nid]:
                continue  # the mask ends the taint
            if _declared_sensitive(model, column):
                tainted[here] = here  # V061 reports it unmasked on the model
                continue
            sources = [tainted[s] for s in origin.sources if s in tainted]
            if not sources:
                continue
            tainted[here] = sources[0]
            if sources[0] not in reported:
                out.append(_diagnostic(model, nid, column, sources[0], graph))
    return out


def _declared_sensitive(model: Model, column: str) -> bool:
    declared: Classification | None = model.security.classification.get(column)
    if declared is None:
        declared = next((c.classification for c in model.columns if c.name == column), None)
    return declared is not None and declared.is_sensitive


def _reported_by_v061(
    sensitive: Mapping[ColumnSource, ColumnSource], graph: Graph, masked: Mapping[str, set[str]]
) -> set[ColumnSource]:
    """The source columns V061 reports: no model downstream of the source masks the name."""
    return {
        col
        for col in sensitive
        if not any(col.column in masked.get(r, set()) for r in graph.downstream(col.node))
    }


def _diagnostic(
    model: Model, nid: str, column: str, origin: ColumnSource, graph: Graph
) -> Diagnostic:
    source = graph.nodes[origin.node].name if origin.node in graph.nodes else origin.node
    return Diagnostic(
        "V172",
        f"column '{column}' of model '{model.name}' is derived from sensitive column "
        f"'{origin.column}' of '{source}' and is not masked",
        location=model.where("sql"),
        hint=f"add security.policies: [{{mask: {{column: {column}}}}}] to '{model.name}', "
        "or mask it upstream",
        node=nid,
    )
