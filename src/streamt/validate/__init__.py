"""streamt.validate: checks over the loaded project, its graph and the compiled desired state.

`validate_project(project, graph, desired)` returns diagnostics (codes V...): names and topics,
per-node consistency, governance rules evaluated on the effective topics (defaults applied).
Load (L), graph (G) and compile/SQL (C/S) diagnostics are produced by their rooms; the context
merges them. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from streamt.compile.result import CompiledNode
from streamt.compile.specs import DesiredState
from streamt.diagnostics import Diagnostic, Location
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Located, Project
from streamt.validate import governance, names, nodes, reserved
from streamt.validate.confluent import check_confluent_clusters
from streamt.validate.delivery import check_delivery
from streamt.validate.derived_masking import check_derived_masking
from streamt.validate.idleness import check_idleness
from streamt.validate.topics import check_min_insync, fallback_topics


def validate_project(
    project: Project,
    graph: Graph,
    desired: DesiredState | None = None,
    compiled: Mapping[str, CompiledNode] | None = None,
) -> list[Diagnostic]:
    topics = list(desired.topics) if desired is not None else fallback_topics(project)
    out: list[Diagnostic] = []
    out += names.check_identifiers(project)
    out += names.check_columns(project)
    out += names.check_topics(project, topics)
    out += reserved.check_reserved(project, desired)
    out += names.check_ambiguous_from(project, graph)
    out += nodes.check_models(project, graph)
    out += nodes.check_test_runtime(project)
    out += check_confluent_clusters(project)
    out += nodes.check_exposures(project)
    out += governance.check_topic_rules(project, topics)
    out += check_min_insync(project, topics)
    out += check_delivery(project)
    out += governance.check_model_rules(project, graph)
    out += governance.check_source_rules(project)
    out += governance.check_security_rules(project, graph)
    if compiled is not None:  # V100: needs the compiled inputs and their event times
        out += check_idleness(project, compiled, topics)
        out += check_derived_masking(project, graph, compiled)  # V172: needs column lineage
        out += names.check_output_columns(project, compiled)  # V173: the query's column names
    return with_nodes(project, out)


def with_nodes(project: Project, diags: list[Diagnostic]) -> list[Diagnostic]:
    """Fill `node` of diagnostics placed exactly at a node or one of its keys."""
    if all(d.node for d in diags):
        return diags
    owner: dict[Location, str] = {}
    groups: list[tuple[NodeKind, Sequence[Located]]] = [
        (NodeKind.SOURCE, project.sources),
        (NodeKind.MODEL, project.models),
        (NodeKind.TEST, project.tests),
        (NodeKind.EXPOSURE, project.exposures),
    ]
    for kind, items in groups:
        for item in items:
            nid = node_id(kind, project.name, getattr(item, "name", ""))
            owner.setdefault(item.location, nid)
            for where in item.spans.values():
                owner.setdefault(where, nid)
    return [
        d if d.node or d.location not in owner else replace(d, node=owner[d.location])
        for d in diags
    ]


__all__ = ["validate_project"]
