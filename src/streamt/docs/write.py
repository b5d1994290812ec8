"""Write the site into its folder: every file the render returns, and nothing outside it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from streamt.compile.result import CompileResult
from streamt.docs.render import render_site
from streamt.docs.site import build_site
from streamt.graph.dag import Graph
from streamt.load.files import read_bounded
from streamt.load.model import Project

RESULTS_FILE = "test_results.json"


def generate_site(
    project: Project,
    graph: Graph,
    result: CompileResult,
    out_dir: Path,
    results: Path | None,
    only: frozenset[str] | None = None,
) -> list[Path]:
    """Render and write the site (pages of the nodes `only` holds, None: all); returns its
    files (sorted), rewritten or unchanged."""
    site = build_site(project, graph, result, read_outcomes(results), only)
    files = render_site(site)
    root = out_dir.resolve()
    for folder in ("", "nodes", "static"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in sorted(files.items()):
        path = root / rel
        if path.parent not in (root, root / "nodes", root / "static") or "/." in rel:
            raise ValueError(f"refusing to write outside {root}: {rel}")  # names are sanitised
        _write_if_changed(path, text.encode("utf-8"))
        written.append(path)
    return written


def _write_if_changed(path: Path, body: bytes) -> None:
    """Rewrite a file only when its bytes change: a rebuild (`docs serve`, a second generate)
    leaves unchanged pages alone, and comparing costs less than writing."""
    try:
        if path.stat().st_size == len(body) and path.read_bytes() == body:
            return
    except OSError:
        pass  # absent (or unreadable): write it
    with open(path, "wb") as handle:
        handle.write(body)


def read_outcomes(path: Path | None) -> Mapping[str, Mapping[str, str]]:
    """test name -> {status, message} from a `streamt test` results file; {} when absent."""
    if path is None or not path.is_file():
        return {}
    try:
        doc = json.loads(read_bounded(path))
    except (OSError, ValueError):
        return {}
    results = doc.get("results", []) if isinstance(doc, dict) else []
    return {
        str(r["name"]): {"status": str(r.get("status", "")), "message": str(r.get("message", ""))}
        for r in results
        if isinstance(r, dict) and "name" in r
    }
