"""Shared helpers: compile a project directory or an inline YAML text."""

from __future__ import annotations

from pathlib import Path

from streamt.compile import CompileResult, compile_project
from streamt.diagnostics import Diagnostic
from streamt.graph import build_graph
from streamt.load import load_project

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
GOLDEN = REPO / "tests" / "golden"


def compile_dir(path: Path) -> tuple[CompileResult, list[Diagnostic]]:
    """Load + graph + compile; returns the result and every load/graph diagnostic."""
    loaded = load_project(path)
    assert loaded.project is not None, [d.render() for d in loaded.diagnostics]
    graph, graph_diags = build_graph(loaded.project)
    result = compile_project(loaded.project, graph)
    return result, list(loaded.diagnostics) + graph_diags


def compile_yaml(tmp_path: Path, text: str) -> CompileResult:
    (tmp_path / "stream_project.yml").write_text(text, encoding="utf-8")
    result, diags = compile_dir(tmp_path)
    assert not any(d.is_error for d in diags), [d.render() for d in diags]
    return result
