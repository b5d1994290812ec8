"""Node identity: one `NodeId` value (kind, project, name) for every node a project declares.

Its text form `kind.project.name` (dbt's scheme) is what the graph keys nodes by and what
diagnostics, artifacts, plans and test reports show in `node`; it is only ever produced by
`str(NodeId(...))`, never assembled by hand, so a source and a model (or a test) called `orders`
never collide and every room names a node the same way. Names may hold dots, so the text is read
back only with the project it belongs to (`NodeId.parse`). Pure.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass


class NodeKind(str, enum.Enum):
    SOURCE = "source"
    MODEL = "model"
    TEST = "test"
    EXPOSURE = "exposure"


@dataclass(frozen=True, slots=True)
class NodeId:
    kind: NodeKind
    project: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}.{self.project}.{self.name}"

    @classmethod
    def parse(cls, text: str, project: str) -> NodeId | None:
        """The id whose text is `text` in `project`, or None when it is not one of its ids."""
        kind, _, rest = text.partition(".")
        if kind not in _KINDS or not rest.startswith(project + "."):
            return None
        name = rest[len(project) + 1 :]
        return cls(NodeKind(kind), project, name) if name else None


_KINDS = frozenset(k.value for k in NodeKind)


@functools.lru_cache(maxsize=1 << 16)
def node_id(kind: NodeKind, project: str, name: str) -> str:
    """The text id of a node (`str(NodeId(kind, project, name))`; remembered: every room asks
    for the same ids many times)."""
    return str(NodeId(kind, project, name))
