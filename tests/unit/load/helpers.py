"""Write small projects to a temp dir for tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from streamt.load import LoadResult, load_project

HEADER = "project:\n  name: shop\n"


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"))
    return root


def load(root: Path, main: str, files: dict[str, str | bytes] | None = None) -> LoadResult:
    """Load a project whose stream_project.yml is `main` (dedented) plus other files."""
    write(root, {"stream_project.yml": main, **(files or {})})
    return load_project(root)


def codes(result: LoadResult) -> list[str]:
    return [d.code for d in result.diagnostics]
