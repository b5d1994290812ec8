"""Build a docs `Site` (and its rendered files) from a project directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from streamt.docs.site import Site, build_site
from streamt.graph import build_graph
from streamt.load import load_project
from tests.unit.compile.helpers import compile_dir


def site_of(path: Path, outcomes: Mapping[str, Mapping[str, str]] | None = None) -> Site:
    result, diags = compile_dir(path)
    assert not any(d.is_error for d in diags), [d.render() for d in diags]
    loaded = load_project(path)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    return build_site(loaded.project, graph, result, outcomes)
