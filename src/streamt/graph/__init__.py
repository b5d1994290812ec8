"""streamt.graph: the project DAG (`kind.project.name` ids), selectors and lineage renderings.

Pure: `build_graph(project) -> (Graph, diagnostics)`, `select(graph, expr)`, `lineage.render`.
"""

from streamt.graph.dag import Graph, GraphNode, build_graph
from streamt.graph.select import select
from streamt.load.ids import NodeId, NodeKind, node_id

__all__ = ["Graph", "GraphNode", "NodeId", "NodeKind", "build_graph", "node_id", "select"]
