"""What `compile_project` returns: the desired state, per-node compiled facts, diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field

from streamt.compile.specs import ChangelogMode, DesiredState, Materialization
from streamt.diagnostics import Diagnostic
from streamt.sql import Column


@dataclass(frozen=True)
class CompiledNode:
    """Compiled facts about one source or model (`kind` is "source" or "model")."""

    id: str
    kind: str
    name: str
    topic: str | None
    materialization: Materialization | None = None  # None for sources
    columns: tuple[Column, ...] = ()
    changelog: ChangelogMode = ChangelogMode.APPEND
    primary_key: tuple[str, ...] = ()
    rowtime: str | None = None
    stateful_reasons: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()  # node ids read
    query: str = ""  # canonical query (models with SQL)
    inferred_columns: bool = False  # source columns inferred from usage
    description: str | None = None
    owner: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompileResult:
    desired: DesiredState
    nodes: dict[str, CompiledNode] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    project_version: str = "0.0.0"

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)
