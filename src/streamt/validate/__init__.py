"""streamt.validate: checks over the loaded project, its graph and the compiled desired state.

`validate_project(project, graph, desired)` returns diagnostics (codes V...): names and topics,
per-node consistency, governance rules evaluated on the effective topics (defaults applied).
Load (L), graph (G) and compile/SQL (C/S) diagnostics are produced by their rooms; the context
merges them. Pure: no I/O.
"""

from __future__ import annotations

from streamt.compile.specs import DesiredState
from streamt.diagnostics import Diagnostic
from streamt.graph.dag import Graph
from streamt.load.model import Project
from streamt.validate import governance, names, nodes
from streamt.validate.topics import fallback_topics


def validate_project(
    project: Project, graph: Graph, desired: DesiredState | None = None
) -> list[Diagnostic]:
    topics = list(desired.topics) if desired is not None else fallback_topics(project)
    out: list[Diagnostic] = []
    out += names.check_identifiers(project)
    out += names.check_columns(project)
    out += names.check_topics(project, topics)
    out += names.check_ambiguous_from(project, graph)
    out += nodes.check_models(project, graph)
    out += nodes.check_tests(project)
    out += nodes.check_exposures(project)
    out += governance.check_topic_rules(project, topics)
    out += governance.check_model_rules(project, graph)
    out += governance.check_source_rules(project)
    out += governance.check_security_rules(project, graph)
    return out


__all__ = ["validate_project"]
