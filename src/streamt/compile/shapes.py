"""Analyse each query shape once per run.

Projects stamped from a template (one model per tenant, region or topic; dbt macros generating
models) repeat one query over different inputs. Their analysis is the same up to the names of
the input tables, so `ShapeMemo` analyses a model's SQL rendered with placeholder table names
(`__streamt_input_0__`, ...) once per distinct (shape, input schemas) and derives each model's
`QueryAnalysis` by renaming the placeholders back.

That renaming is only exact when the table names are nothing but table names in the query, so a
model is analysed as written (`analyze` returns None) when:
- a name of one of its inputs appears anywhere else in its SQL (an alias, a CTE, a qualified
  column `orders.id`, a column named like the table: any case-insensitive substring counts);
- its SQL already contains the placeholder prefix, or its template does not render;
- the shape's analysis has diagnostics (their positions and messages belong to the text as
  written, which the placeholders change).
Pure: one memo lives for one `compile_project` run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp

from streamt.load.jinja import render_sql
from streamt.sql import Column, QueryAnalysis, TableSchema, analyze_query, quote_identifier

_PREFIX = "__streamt_input_"

InputKey = tuple[str, str]  # ("source" | "ref", name)


@dataclass
class ShapeMemo:
    entries: dict[object, _Shape | None] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def analyze(
        self,
        sql: str,
        names: Mapping[InputKey, str],
        schemas: Mapping[InputKey, TableSchema],
    ) -> QueryAnalysis | None:
        """The analysis of `sql` rendered with the table `names`, derived from its shape's; None
        when it has to be analysed as written (see the module docstring)."""
        if _PREFIX in sql:
            return None
        placeholders = {key: f"{_PREFIX}{i}__" for i, key in enumerate(names)}
        shape = _render(sql, placeholders)
        if shape is None:
            return None
        lowered = shape.lower()
        if any(name.lower() in lowered for _, name in names):
            return None
        key = (shape, *((placeholders[k], _schema_key(schemas[k])) for k in names))
        entry = self.entries.get(key, _MISSING)
        if entry is _MISSING:
            self.misses += 1
            inputs = {placeholders[k]: replace(schemas[k], name=placeholders[k]) for k in names}
            analysis = analyze_query(shape, inputs)
            entry = None if analysis.diagnostics else _Shape.of(analysis, len(names))
            self.entries[key] = entry
        else:
            self.hits += 1
        if entry is None:
            return None
        assert isinstance(entry, _Shape)
        return entry.named([names[k] for k in names])


_MISSING: Any = object()


@dataclass(frozen=True)
class _Shape:
    """One shape's analysis, split at its placeholders for quick renaming."""

    analysis: QueryAnalysis
    placeholders: tuple[str, ...]
    canonical: tuple[str, ...]  # the canonical text split at the quoted placeholders
    plain: bool  # no placeholder outside `tables` and `canonical` (the usual case)

    @classmethod
    def of(cls, analysis: QueryAnalysis, count: int) -> _Shape:
        placeholders = tuple(f"{_PREFIX}{i}__" for i in range(count))
        parts = [analysis.canonical]
        for placeholder in placeholders:
            quoted = quote_identifier(placeholder)
            parts = [piece for part in parts for piece in _split_keep(part, quoted)]
        named_elsewhere = _PREFIX in repr(
            (
                analysis.columns,
                analysis.stateful_reasons,
                analysis.changelog_reasons,
                analysis.upsert_key,
                analysis.inferred,
            )
        )
        return cls(analysis, placeholders, tuple(parts), not named_elsewhere)

    def named(self, names: list[str]) -> QueryAnalysis:
        real = dict(zip(self.placeholders, names, strict=True))
        quoted = {quote_identifier(p): quote_identifier(n) for p, n in real.items()}
        a = self.analysis
        canonical = "".join(quoted.get(part, part) for part in self.canonical)
        tables = tuple(real.get(t, t) for t in a.tables)
        tree = a.query_tree()
        factory = None if tree is None else _tree_factory(tree, real)
        if self.plain:
            inferred = {real.get(t, t): cols for t, cols in a.inferred.items()}
            return QueryAnalysis(
                a.columns,
                a.stateful_reasons,
                a.updating,
                a.changelog_reasons,
                a.upsert_key,
                tables,
                a.ml_functions,
                dict(sorted(inferred.items())),
                a.diagnostics,
                canonical,
                None,
                factory,
            )
        return _renamed(a, real, canonical, tables, factory)


def _split_keep(text: str, sep: str) -> list[str]:
    pieces = text.split(sep)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out += [sep, piece]
    return [p for p in out if p]


def _render(sql: str, placeholders: Mapping[InputKey, str]) -> str | None:
    missing: list[str] = []

    def table(kind: str) -> Callable[[str], str]:
        def name(n: str) -> str:
            placeholder = placeholders.get((kind, n))
            if placeholder is None:
                missing.append(n)
                return quote_identifier(n)
            return quote_identifier(placeholder)

        return name

    rendered, problems = render_sql(sql, source=table("source"), ref=table("ref"))
    return None if problems or missing else rendered


def _schema_key(schema: TableSchema) -> object:
    return (schema.columns, schema.updating, schema.primary_key, schema.open)


def _text(value: str, real: Mapping[str, str]) -> str:
    if _PREFIX not in value:
        return value
    for placeholder, name in real.items():
        value = value.replace(repr(placeholder), repr(name)).replace(placeholder, name)
    return value


def _renamed(
    a: QueryAnalysis,
    real: Mapping[str, str],
    canonical: str,
    tables: tuple[str, ...],
    factory: Callable[[], exp.Expr] | None,
) -> QueryAnalysis:
    """The general case: placeholders also in column names, reasons or keys."""

    def column(col: Column) -> Column:
        return col.renamed(_text(col.name, real))

    inferred = ((real.get(t, t), tuple(column(c) for c in cols)) for t, cols in a.inferred.items())
    return replace(
        a,
        columns=tuple(column(c) for c in a.columns),
        stateful_reasons=tuple(_text(r, real) for r in a.stateful_reasons),
        changelog_reasons=tuple(_text(r, real) for r in a.changelog_reasons),
        upsert_key=None if a.upsert_key is None else tuple(_text(k, real) for k in a.upsert_key),
        tables=tables,
        inferred=dict(sorted(inferred)),
        canonical=canonical,
        tree=None,
        tree_factory=factory,
    )


def _tree_factory(shape: exp.Expr, real: Mapping[str, str]) -> Callable[[], exp.Expr]:
    quoted = {quote_identifier(p): quote_identifier(n) for p, n in real.items()}

    def build() -> exp.Expr:
        tree = shape.copy()
        for node in tree.walk():
            if isinstance(node, exp.Identifier):
                node.set("this", _text(node.this, real))
            elif isinstance(node, exp.Var) and _PREFIX in node.this:
                # the rewritten `TABLE <name>` argument of a window TVF is verbatim text
                text = node.this
                for placeholder, name in quoted.items():
                    text = text.replace(placeholder, name)
                node.set("this", text)
        return tree

    return build


__all__ = ["ShapeMemo"]
