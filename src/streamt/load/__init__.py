"""streamt.load: project files -> a typed, frozen `Project` with file:line spans.

Reads project files only. Public: `load_project`, `LoadResult`, the node types in
`streamt.load.model` (data-test assertions in `streamt.load.assertions`), node ids
(`streamt.load.ids.NodeId`), the Jinja helpers in `streamt.load.jinja`, and
`streamt.load.fingerprint.project_fingerprint`. Attributes are imported lazily so that light
submodules (discover, fingerprint) do not pay for pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamt.load.loader import LoadResult, load_project

__all__ = ["LoadResult", "load_project"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from streamt.load import loader

        return getattr(loader, name)
    raise AttributeError(name)
