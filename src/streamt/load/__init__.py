"""streamt.load: project files -> a typed, frozen `Project` with file:line spans.

Reads project files only. Public: `load_project`, `LoadResult`, the node types in
`streamt.load.model`, and the Jinja helpers in `streamt.load.jinja`.
"""

from streamt.load.loader import LoadResult, load_project

__all__ = ["LoadResult", "load_project"]
