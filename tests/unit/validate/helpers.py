from pathlib import Path

from streamt.compile import compile_project
from streamt.diagnostics import Diagnostic
from streamt.graph import build_graph
from streamt.validate import validate_project
from tests.unit.load.helpers import load


def check(
    tmp_path: Path, text: str, files: dict[str, str | bytes] | None = None
) -> list[Diagnostic]:
    """Validation diagnostics (V codes only) of a project that loads and graphs cleanly."""
    result = load(tmp_path, text, files)
    assert result.ok, result.diagnostics
    assert result.project is not None
    graph, graph_diags = build_graph(result.project)
    assert graph_diags == []
    return validate_project(result.project, graph)


def one(tmp_path: Path, text: str, code: str) -> Diagnostic:
    found = [d for d in check(tmp_path, text) if d.code == code]
    assert len(found) == 1, found
    return found[0]


def check_compiled(tmp_path: Path, text: str, codes: tuple[str, ...]) -> list[Diagnostic]:
    """Validation diagnostics with `codes` of a project that compiles, checked on its compile
    (the rules that need compiled columns or column lineage)."""
    loaded = load(tmp_path, text)
    assert loaded.project is not None, loaded.diagnostics
    graph, _ = build_graph(loaded.project)
    result = compile_project(loaded.project, graph)
    assert result.ok, result.diagnostics
    found = validate_project(loaded.project, graph, result.desired, result.nodes)
    return [d for d in found if d.code in codes]
