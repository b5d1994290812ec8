"""What the query walk shares with its helpers: relations (`Rel`, `Scope`), a ranked column
(`RowNum`) and the state one analysis accumulates (`AnalysisState`). The walk
(`streamt.sql.relations`), select lists (`streamt.sql.select`) and streaming patterns
(`streamt.sql.patterns`) all import it; it imports none of them. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from streamt.diagnostics import Diagnostic, Severity
from streamt.sql.schema import Column, TableSchema
from streamt.sql.tree import location_of
from streamt.sql.types import STRING, SqlType


@dataclass(frozen=True)
class RowNum:
    column: str
    partition: tuple[str, ...]
    time_ascending: bool


@dataclass
class Rel:
    columns: list[Column]
    updating: bool = False
    key: tuple[str, ...] | None = None
    rownum: RowNum | None = None
    window_tvf: bool = False
    open_name: str | None = None  # an input whose columns are inferred from usage
    retimable: str | None = None  # a model's topic: a window may pick its event-time column
    table: str | None = None  # the input table this relation reads (not a CTE or subquery)

    def find(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


Scope = list[tuple[str, Rel]]


@dataclass
class AnalysisState:
    """What one analysis accumulates (diagnostics, stateful/changelog reasons, per-table facts)
    and the steps every part of the walk shares."""

    inputs: Mapping[str, TableSchema]
    ml_outputs: Mapping[str, Mapping[str, SqlType]]
    functions: Mapping[str, SqlType] = field(default_factory=dict)  # user-defined, upper-case
    aggregates: frozenset[str] = frozenset()  # the user-defined ones that aggregate
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stateful: list[str] = field(default_factory=list)
    changelog: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    ml: list[str] = field(default_factory=list)
    ml_models: list[str] = field(default_factory=list)  # the models ML_PREDICT / ML_EVALUATE name
    inferred: dict[str, dict[str, Column]] = field(default_factory=dict)
    event_times: dict[str, str] = field(default_factory=dict)
    versioned: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hints: dict[str, SqlType] = field(default_factory=dict)
    outer: list[Scope] = field(default_factory=list)  # enclosing scopes (correlated subqueries)
    top: exp.Expr | None = None  # the SELECT whose columns are the query's output names

    # ---- diagnostics -------------------------------------------------------------------
    def error(self, code: str, message: str, node: exp.Expr | None, hint: str = "") -> None:
        self._add(Diagnostic(code, message, Severity.ERROR, location_of(node), hint))

    def warn(self, code: str, message: str, node: exp.Expr | None, hint: str = "") -> None:
        self._add(Diagnostic(code, message, Severity.WARNING, location_of(node), hint))

    def _add(self, diagnostic: Diagnostic) -> None:
        # a column is resolved once per clause that reads it: say each problem once
        if diagnostic not in self.diagnostics:
            self.diagnostics.append(diagnostic)

    def require_time_attribute(self, col: Column, fn: str, node: exp.Expr) -> None:
        if col.rowtime or col.proctime:
            return
        self.error(
            "S005",
            f"{fn} window over column {col.name!r}, which is not an event-time attribute",
            node,
            "declare event_time (with a watermark) on the source, or window over a column "
            "that keeps its rowtime through ref()",
        )

    def infer_column(self, rel: Rel, name: str) -> Column:
        assert rel.open_name is not None
        col = Column(name, self.hints.get(name, STRING))
        table = self.inferred.setdefault(rel.open_name, {})
        col = table.setdefault(name, col)
        if rel.find(name) is None:
            rel.columns.append(col)
        return col
