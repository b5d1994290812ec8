"""Analyse each query shape once per run.

Projects stamped from a template (one model per tenant, region or topic; dbt macros generating
models) repeat one query over different inputs and filter values. Their analysis is the same up
to the names of the input tables and those values, so `ShapeMemo` analyses a model's SQL
rendered with placeholder table names (`__streamt_input_0__`, ...) and with its filter values
made parameters (`literal_parameters`: integer/string literals compared with a column in a
WHERE) once per distinct (shape, input schemas), and derives each model's `QueryAnalysis` by
putting the names and values back.

That renaming is only exact when the table names are nothing but table names in the query, so a
model is analysed as written (`analyze` returns None) when:
- a name of one of its inputs appears anywhere else in its SQL (an alias, a CTE, a qualified
  column `orders.id`, a column named like the table: any case-insensitive substring counts);
- its SQL already contains the placeholder prefix, or its template does not render;
- the shape's analysis has diagnostics (their positions and messages belong to the text as
  written, which the placeholders change), or a parameter shows up in its columns or reasons.
Pure: one memo lives for one `compile_project` run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import TokenType
from sqlglot.tokens import Tokenizer

from streamt.load.jinja import Variables, render_sql
from streamt.sql import (
    Column,
    QueryAnalysis,
    SqlType,
    TableSchema,
    analyze_query,
    quote_identifier,
    quote_string,
)
from streamt.sql.dialect import DIALECT

_PREFIX = "__streamt_input_"

InputKey = tuple[str, str]  # ("source" | "ref", name)


@dataclass
class ShapeMemo:
    entries: dict[object, _Shape | None] = field(default_factory=dict)
    functions: Mapping[str, SqlType] = field(default_factory=dict)  # the project's UDF types
    aggregates: frozenset[str] = frozenset()  # ... and which of them aggregate
    hits: int = 0
    misses: int = 0

    def analyze(
        self,
        sql: str,
        names: Mapping[InputKey, str],
        schemas: Mapping[InputKey, TableSchema],
        variables: Variables | None = None,
    ) -> QueryAnalysis | None:
        """The analysis of `sql` rendered with the table `names`, derived from its shape's; None
        when it has to be analysed as written (see the module docstring)."""
        if _PREFIX in sql:
            return None
        placeholders = {key: f"{_PREFIX}{i}__" for i, key in enumerate(names)}
        shape = _render(sql, placeholders, variables)
        if shape is None:
            return None
        lowered = shape.lower()
        if any(name.lower() in lowered for _, name in names):
            return None
        shape, literals = literal_parameters(shape)
        key = (shape, *((placeholders[k], _schema_key(schemas[k])) for k in names))
        entry = self.entries.get(key, _MISSING)
        if entry is _MISSING:
            self.misses += 1
            inputs = {placeholders[k]: replace(schemas[k], name=placeholders[k]) for k in names}
            analysis = analyze_query(
                shape, inputs, functions=self.functions, aggregates=self.aggregates
            )
            entry = None
            if not analysis.diagnostics:
                entry = _Shape.of(analysis, len(names), literals)
            self.entries[key] = entry
        else:
            self.hits += 1
        if entry is None:
            return None
        assert isinstance(entry, _Shape)
        return entry.named([names[k] for k in names], literals)


_MISSING: Any = object()


@dataclass(frozen=True)
class _Shape:
    """One shape's analysis, split at its placeholders for quick renaming."""

    analysis: QueryAnalysis
    placeholders: tuple[str, ...]
    parameters: tuple[Literal, ...]  # the literal placeholders, in order
    canonical: tuple[str, ...]  # the canonical text split at the placeholders
    plain: bool  # no table placeholder outside `tables` and `canonical` (the usual case)

    @classmethod
    def of(
        cls, analysis: QueryAnalysis, count: int, literals: tuple[Literal, ...] = ()
    ) -> _Shape | None:
        placeholders = tuple(f"{_PREFIX}{i}__" for i in range(count))
        parameters = _parameters(literals)
        parts = [analysis.canonical]
        for sep in [quote_identifier(p) for p in placeholders] + [p.sql() for p in parameters]:
            parts = [piece for part in parts for piece in _split_keep(part, sep)]
        texts = [c.name for c in analysis.columns]
        texts += [*analysis.stateful_reasons, *analysis.changelog_reasons]
        texts += [*(analysis.upsert_key or ()), *analysis.inferred]
        texts += [c.name for cols in analysis.inferred.values() for c in cols]
        if any(p.value in t for p in parameters for t in texts):
            return None  # a literal that is more than a filter value: analyse as written
        named_elsewhere = any(_PREFIX in t for t in texts)
        return cls(analysis, placeholders, parameters, tuple(parts), not named_elsewhere)

    def named(self, names: list[str], literals: tuple[Literal, ...] = ()) -> QueryAnalysis:
        real = dict(zip(self.placeholders, names, strict=True))
        values = dict(zip(self.parameters, literals, strict=True))
        quoted = {quote_identifier(p): quote_identifier(n) for p, n in real.items()}
        quoted |= {p.sql(): lit.sql() for p, lit in values.items()}
        a = self.analysis
        canonical = "".join(quoted.get(part, part) for part in self.canonical)
        tables = tuple(real.get(t, t) for t in a.tables)
        tree = a.query_tree()
        factory = None if tree is None else _tree_factory(tree, real, values)
        if self.plain:
            inferred = {real.get(t, t): cols for t, cols in a.inferred.items()}
            event_times = {real.get(t, t): c for t, c in a.event_times.items()}
            versioned = {real.get(t, t): k for t, k in a.versioned.items()}
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
                event_times,
                versioned,
                real.get(a.open_star, a.open_star) if a.open_star else None,
                a.ml_models,
            )
        return _renamed(a, real, canonical, tables, factory)


# ---------------------------------------------------------------------- literal parameters

_LEXER = DIALECT.tokenizer_class(dialect=DIALECT)
_PARAMETER_BASE = 1_000_000_001  # placeholders stay INT literals, like the values they stand for
_PARAMETER_PREFIX = "__streamt_parameter_"
_COMPARISONS = frozenset(
    {TokenType.EQ, TokenType.NEQ, TokenType.GT, TokenType.GTE, TokenType.LT, TokenType.LTE}
)
_NAMES = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_ENDS = frozenset(
    {
        TokenType.AND,
        TokenType.OR,
        TokenType.R_PAREN,
        TokenType.GROUP_BY,
        TokenType.ORDER_BY,
        TokenType.HAVING,
        TokenType.UNION,
    }
)
_CLAUSES = frozenset(
    {
        TokenType.SELECT,
        TokenType.FROM,
        TokenType.WHERE,
        TokenType.GROUP_BY,
        TokenType.HAVING,
        TokenType.ORDER_BY,
        TokenType.QUALIFY,
        TokenType.WINDOW,
        TokenType.UNION,
        TokenType.EXCEPT,
        TokenType.INTERSECT,
    }
)
# a query with any of these is analysed with its literals: their values can matter there
# (ROW_NUMBER() ... WHERE rn <= N is a Top-N, rn = 1 a deduplication)
_VALUE_SENSITIVE = frozenset(
    {
        "ROW_NUMBER",
        "RANK",
        "DENSE_RANK",
        "OVER",
        "LIMIT",
        "FETCH",
        "OFFSET",
        "JOIN",
        "MATCH_RECOGNIZE",
    }
)


def literal_parameters(shape: str) -> tuple[str, tuple[Literal, ...]]:
    """`shape` with each filter value made a parameter, and the values.

    A filter value is a string or integer (INT range) literal compared with a column in a WHERE
    clause: `WHERE amount > 49 AND status <> 'x'`. Its value cannot change the query's columns, types, changelog or
    keys, only which rows pass, so queries differing only there share one analysis. Every
    other literal is part of the shape. Found with the Flink tokenizer, never by pattern."""
    upper = shape.upper()
    if "WHERE" not in upper or any(word in upper for word in _VALUE_SENSITIVE):
        return shape, ()  # (a substring test: `overall` counts as OVER, which only costs sharing)
    try:
        tokens = Tokenizer.tokenize(_LEXER, shape)  # the dialect's lexer, without its rewrites
    except TokenError:
        return shape, ()
    clause: list[TokenType | None] = [None]  # the current clause at each parenthesis depth
    spans: list[tuple[int, int, Literal]] = []
    for i, tok in enumerate(tokens):
        kind = tok.token_type
        if kind == TokenType.L_PAREN:
            # a parenthesised condition stays in its WHERE; a subquery starts its own clauses
            clause.append(clause[-1] if clause[-1] == TokenType.WHERE else None)
        elif kind == TokenType.R_PAREN:
            if len(clause) > 1:
                clause.pop()
        elif kind in _CLAUSES:
            clause[-1] = kind
        elif (
            clause[-1] == TokenType.WHERE
            and (kind == TokenType.STRING or (kind == TokenType.NUMBER and _int_literal(tok.text)))
            and i >= 2
            and tokens[i - 1].token_type in _COMPARISONS
            and tokens[i - 2].token_type in _NAMES
            and (i + 1 == len(tokens) or tokens[i + 1].token_type in _ENDS)
        ):
            spans.append((tok.start, tok.end + 1, Literal(kind == TokenType.STRING, tok.text)))
    params = tuple(literal for _, _, literal in spans)
    names = _parameters(params)
    if not spans or any(name.value in shape for name in names):
        return shape, ()
    out: list[str] = []
    at = 0
    for (start, end, _), name in zip(spans, names, strict=True):
        out += [shape[at:start], name.sql()]
        at = end
    out.append(shape[at:])
    return "".join(out), params


@dataclass(frozen=True)
class Literal:
    """A filter value: a string literal's content or an integer's digits."""

    is_string: bool
    value: str

    def sql(self) -> str:
        return quote_string(self.value) if self.is_string else self.value


def _parameters(literals: tuple[Literal, ...]) -> tuple[Literal, ...]:
    """The placeholder standing for each literal (same kind; INT stays INT)."""
    return tuple(
        Literal(
            lit.is_string,
            f"{_PARAMETER_PREFIX}{i}__" if lit.is_string else str(_PARAMETER_BASE + i),
        )
        for i, lit in enumerate(literals)
    )


def _int_literal(text: str) -> bool:
    return text.isdigit() and int(text) < 2**31


def _split_keep(text: str, sep: str) -> list[str]:
    pieces = text.split(sep)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out += [sep, piece]
    return [p for p in out if p]


def _render(
    sql: str, placeholders: Mapping[InputKey, str], variables: Variables | None
) -> str | None:
    missing: list[str] = []

    def table(kind: str) -> Callable[[str], str]:
        def name(n: str) -> str:
            placeholder = placeholders.get((kind, n))
            if placeholder is None:
                missing.append(n)
                return quote_identifier(n)
            return quote_identifier(placeholder)

        return name

    rendered, problems = render_sql(sql, table("source"), table("ref"), variables)
    return None if problems or missing else rendered


def _schema_key(schema: TableSchema) -> object:
    # `retimable` is left out: it only changes an analysis that has a diagnostic either way
    # (S005 without it, S040 with it), and such a shape is analysed as written
    return (schema.columns, schema.updating, schema.primary_key, schema.open, schema.message_key)


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
        event_times={real.get(t, t): c for t, c in a.event_times.items()},
        versioned={real.get(t, t): k for t, k in a.versioned.items()},
        canonical=canonical,
        tree=None,
        tree_factory=factory,
        open_star=real.get(a.open_star, a.open_star) if a.open_star else None,
    )


def _tree_factory(
    shape: exp.Expr, real: Mapping[str, str], values: Mapping[Literal, Literal]
) -> Callable[[], exp.Expr]:
    by_kind = {(p.is_string, p.value): lit.value for p, lit in values.items()}
    quoted = {quote_identifier(p): quote_identifier(n) for p, n in real.items()}

    def build() -> exp.Expr:
        tree = shape.copy()
        for node in tree.walk():
            if isinstance(node, exp.Identifier):
                node.set("this", _text(node.this, real))
            elif isinstance(node, exp.Literal):
                value = by_kind.get((bool(node.is_string), node.this))
                if value is not None:
                    node.set("this", value)
            elif isinstance(node, exp.Var) and _PREFIX in node.this:
                # the rewritten `TABLE <name>` argument of a window TVF is verbatim text
                text = node.this
                for placeholder, name in quoted.items():
                    text = text.replace(placeholder, name)
                node.set("this", text)
        return tree

    return build


__all__ = ["ShapeMemo"]
