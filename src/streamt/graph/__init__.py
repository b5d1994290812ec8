"""streamt.graph: the project DAG (`kind.project.name` ids), selectors and lineage renderings.

Pure: `build_graph(project) -> (Graph, diagnostics)`, `select(graph, expr)`, `lineage.render`.
"""

from streamt.graph.dag import Graph, GraphNode, NodeKind, build_graph, node_id
from streamt.graph.select import select

__all__ = ["Graph", "GraphNode", "NodeKind", "build_graph", "node_id", "select"]
