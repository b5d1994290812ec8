"""The facade: one `Context` per invocation, used by the CLI and as the Python API.

It wires rooms together (load -> graph -> compile -> validate -> artifacts) and holds no logic of
its own beyond that wiring and caching. Everything returns values; user errors are raised as
`StreamtError` carrying diagnostics, rendered once by the CLI.

    ctx = Context(Path("my-project"))
    report = ctx.validate(strict=True)
    result = ctx.compile(select="+orders_clean")
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from streamt.diagnostics import (
    Diagnostic,
    Severity,
    StreamtError,
    has_errors,
    sorted_diagnostics,
)

if TYPE_CHECKING:
    from streamt.compile.specs import DesiredState
    from streamt.graph.dag import Graph
    from streamt.load.loader import LoadResult
    from streamt.load.model import Project


class CompileResultLike(Protocol):
    """What `streamt.compile.compile_project` returns (only what the context reads)."""

    @property
    def desired(self) -> DesiredState: ...

    @property
    def diagnostics(self) -> Any: ...


@dataclass(frozen=True)
class ValidationReport:
    project: Project | None
    diagnostics: tuple[Diagnostic, ...]
    strict: bool = False
    flink_checked: bool = False

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not (self.strict and self.warnings)


@dataclass
class Context:
    project_dir: Path = field(default_factory=Path.cwd)
    env: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _load: LoadResult | None = field(default=None, init=False, repr=False)
    _graph: tuple[Graph, list[Diagnostic]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.project_dir = Path(self.project_dir)
        if self.env is None:
            self.env = self.environ.get("STREAMT_ENV") or None

    # ------------------------------------------------------------------ load / graph
    def load_result(self) -> LoadResult:
        if self._load is None:
            from streamt.load.loader import load_project

            self._load = load_project(self.project_dir, self.env)
        return self._load

    def load(self) -> Project:
        """The project, or `StreamtError` with every load problem."""
        result = self.load_result()
        if result.project is None or has_errors(result.diagnostics):
            raise StreamtError(result.diagnostics or [Diagnostic("L001", "project not loaded")])
        return result.project

    def graph_result(self) -> tuple[Graph, list[Diagnostic]]:
        """The DAG of what loaded (possibly partial) and its diagnostics; raises only when
        nothing loaded."""
        if self._graph is None:
            from streamt.graph.dag import build_graph

            project = self.load_result().project
            if project is None:
                self.load()  # raises with the load diagnostics
            assert project is not None
            self._graph = build_graph(project)
        return self._graph

    def graph(self) -> Graph:
        """The DAG of a cleanly loaded project; raises on cycles and unknown references."""
        self.load()
        graph, diags = self.graph_result()
        if has_errors(diags):
            raise StreamtError(sorted_diagnostics(diags))
        return graph

    def select(self, expr: str | None) -> frozenset[str] | None:
        if not expr:
            return None
        from streamt.graph.select import select

        chosen, diags = select(self.graph(), expr)
        if has_errors(diags):
            raise StreamtError(diags)
        return chosen

    # ------------------------------------------------------------------ compile / validate
    def compile(self, select: str | None = None) -> CompileResultLike:
        """Compile (in memory); raises with every error if the project does not compile."""
        project, graph = self.load(), self.graph()
        compile_project = _compiler()
        if compile_project is None:
            raise StreamtError(Diagnostic("C000", "the compiler is not available in this build"))
        result = compile_project(project, graph, select=self.select(select))
        diags = list(result.diagnostics)
        if has_errors(diags):
            raise StreamtError(sorted_diagnostics(diags))
        return result

    def validate(self, strict: bool = False, flink: bool = False) -> ValidationReport:
        """Every problem in the project, sorted: load, graph, compile/SQL and validation rules."""
        loaded = self.load_result()
        diags = list(loaded.diagnostics)
        project = loaded.project
        if project is None:
            return ValidationReport(None, tuple(sorted_diagnostics(diags)), strict)
        graph, graph_diags = self.graph_result()
        diags += graph_diags
        desired = None
        compile_project = _compiler()
        # compile needs resolvable references; load errors only drop the nodes that failed
        if compile_project is not None and not has_errors(graph_diags):
            result = compile_project(project, graph, select=None)
            diags += list(result.diagnostics)
            desired = result.desired
        from streamt.validate import validate_project

        diags += validate_project(project, graph, desired)
        checked = False
        if flink and desired is not None and not has_errors(diags):
            diags += self._explain_on_flink(project, desired)
            checked = True
        return ValidationReport(project, tuple(_dedupe(sorted_diagnostics(diags))), strict, checked)

    def _explain_on_flink(self, project: Project, desired: DesiredState) -> list[Diagnostic]:
        return [Diagnostic("V090", "validate --flink is not available yet", Severity.WARNING)]

    def write_artifacts(self, result: CompileResultLike, out_dir: Path) -> Any:
        artifacts = importlib.import_module("streamt.artifacts")
        writer = getattr(artifacts, "write_artifacts", None)
        if writer is None:
            raise StreamtError(
                Diagnostic("C000", "artifact writing is not available in this build")
            )
        return writer(result, out_dir)


def _compiler() -> Callable[..., CompileResultLike] | None:
    module = importlib.import_module("streamt.compile")
    fn: Callable[..., CompileResultLike] | None = getattr(module, "compile_project", None)
    return fn


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out = []
    for d in diags:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out
