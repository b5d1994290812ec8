"""Column-level lineage: for each output column of a query, the input columns it derives from.

`column_lineage(query, inputs)` walks the analyzer's rewritten tree (`QueryAnalysis.query_tree()`
or the canonical text, parsed with the Flink dialect) with the input tables' column names:
SELECT lists (`*` and `alias.*` expanded), joins, subqueries, CTEs, UNION branches (by position),
window TVFs (`window_start` / `window_end` / `window_time` derive from the DESCRIPTOR column) and
LATERAL / UNNEST items. Each output column gets the `(table, column)` pairs its expression reads
and how it is made: `copy` (a column passed through, maybe renamed), `expression`, `aggregate`
or `window`. Filters and join keys decide which rows flow, not what a value is made of, so they
are not lineage. Pure; no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType
from sqlglot.tokens import Tokenizer

from streamt.sql.dialect import TABLE_ARG, FlinkTokenizer, parse

WINDOW_COLUMNS = ("window_start", "window_end", "window_time")


class Derivation(str, enum.Enum):
    COPY = "copy"
    EXPRESSION = "expression"
    AGGREGATE = "aggregate"
    WINDOW = "window"


@dataclass(frozen=True)
class ColumnOrigin:
    """One output column: the input columns it is made of (sorted) and how."""

    column: str
    sources: tuple[tuple[str, str], ...]  # (input table, column)
    derivation: Derivation


_Lineage = dict[str, tuple[frozenset[tuple[str, str]], Derivation]]
_Positional = tuple[str, tuple[tuple[int, str], ...], Derivation]


def column_lineage(
    query: str | exp.Expr, inputs: Mapping[str, Sequence[str]]
) -> tuple[ColumnOrigin, ...]:
    """The lineage of each output column, in output order; `()` when the query does not parse."""
    try:
        tree = parse(query) if isinstance(query, str) else query
    except Exception:  # the analyzer has reported it already (S codes)
        return ()
    body = tree.this if isinstance(tree, exp.Subquery) else tree
    if not isinstance(body, exp.Query):
        return ()
    out = _Walker(inputs).query(body, {})
    return tuple(
        ColumnOrigin(name, tuple(sorted(sources)), how) for name, (sources, how) in out.items()
    )


class LineageMemo:
    """`column_lineage` once per query shape (one memo per project run).

    Queries stamped from one template differ only in their input table names and the literals
    they compare columns with; neither changes what an output column is made of. The key is the
    query's tokens with each input table name replaced by its position and each literal right
    of a comparison by a placeholder, plus the inputs' columns in that order. A query whose
    table names appear more than once (an alias, a qualified column, a column named like a
    table) is walked as written, never from the memo.
    """

    def __init__(self) -> None:
        # shape -> each output column's (input position, column) pairs
        self.entries: dict[object, tuple[_Positional, ...]] = {}
        self.hits = 0

    def lineage(self, query: str, inputs: Mapping[str, Sequence[str]]) -> tuple[ColumnOrigin, ...]:
        shaped = _shape(query, inputs)
        if shaped is None:
            return column_lineage(query, inputs)
        key, tables = shaped
        cached = self.entries.get(key)
        if cached is None:
            got = column_lineage(query, inputs)
            position = {t: i for i, t in enumerate(tables)}
            self.entries[key] = tuple(
                (o.column, tuple((position[t], c) for t, c in o.sources), o.derivation) for o in got
            )
            return got
        self.hits += 1
        return tuple(
            ColumnOrigin(name, tuple(sorted((tables[i], c) for i, c in sources)), how)
            for name, sources, how in cached
        )


_COMPARISONS = frozenset(
    {TokenType.EQ, TokenType.NEQ, TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE}
)
_NAMES = frozenset({TokenType.IDENTIFIER, TokenType.VAR})


def _shape(
    query: str, inputs: Mapping[str, Sequence[str]]
) -> tuple[object, tuple[str, ...]] | None:
    try:
        # the key only: the plain token scan of the dialect, without the guards that refuse
        # user SQL (the query is compile's own output; a miss is walked with every check)
        tokens = Tokenizer.tokenize(FlinkTokenizer(), query)
    except Exception:
        return None
    folded = {t.casefold() for t in inputs}
    if any(c.casefold() in folded for cols in inputs.values() for c in cols):
        return None
    tables: list[str] = []
    parts: list[object] = []
    previous: TokenType | None = None
    for tok in tokens:
        if tok.token_type in _NAMES and tok.text.casefold() in folded:
            if tok.text in tables or tok.text not in inputs:
                return None  # a name used twice, or spelled in another case
            tables.append(tok.text)
            parts.append(len(tables))
        elif tok.token_type in (TokenType.NUMBER, TokenType.STRING) and previous in _COMPARISONS:
            parts.append(None)
        else:
            parts.append((tok.token_type, tok.text))
        previous = tok.token_type
    return (tuple(parts), tuple(tuple(inputs[t]) for t in tables)), tuple(tables)


class _Walker:
    def __init__(self, inputs: Mapping[str, Sequence[str]]) -> None:
        self.inputs = inputs

    def query(self, node: exp.Expr, ctes: Mapping[str, _Lineage]) -> _Lineage:
        ctes = self._with(node, ctes)
        if isinstance(node, exp.SetOperation):
            return _union(self.query(node.left, ctes), self.query(node.right, ctes))
        if isinstance(node, exp.Subquery):
            return self.query(node.this, ctes)
        if not isinstance(node, exp.Select):
            return {}
        return self._select(node, ctes)

    def _with(self, node: exp.Expr, ctes: Mapping[str, _Lineage]) -> Mapping[str, _Lineage]:
        with_ = node.args.get("with_") or node.args.get("with")
        if not isinstance(with_, exp.With):
            return ctes
        scoped = dict(ctes)
        for cte in with_.expressions:
            scoped[cte.alias_or_name] = self.query(cte.this, scoped)
        return scoped

    def _select(self, node: exp.Select, ctes: Mapping[str, _Lineage]) -> _Lineage:
        sources: dict[str, _Lineage] = {}
        items: list[exp.Expr] = []
        from_ = node.args.get("from_") or node.args.get("from")
        if isinstance(from_, exp.From):
            items.append(from_.this)
        items += [j.this for j in node.args.get("joins") or ()]
        for item in items:
            alias, lineage = self._relation(item, ctes, sources)
            sources[alias] = lineage
        out: _Lineage = {}
        for projection in node.expressions:
            out.update(self._projection(projection, sources))
        return out

    def _relation(
        self, item: exp.Expr, ctes: Mapping[str, _Lineage], before: Mapping[str, _Lineage]
    ) -> tuple[str, _Lineage]:
        alias = item.alias_or_name
        if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
            name = item.name
            if name in ctes:
                return alias, ctes[name]
            return alias, _base(name, self.inputs.get(name, ()))
        if isinstance(item, exp.Subquery):
            return alias, self.query(item.this, ctes)
        if isinstance(item, exp.Table):  # TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...))
            return alias, self._window_tvf(item, ctes)
        # LATERAL TABLE(f(x)) / UNNEST(arr): its columns derive from what its arguments read
        read = _reads(item, before, self.inputs)
        names = (
            item.args["alias"].columns if isinstance(item.args.get("alias"), exp.TableAlias) else []
        )
        return alias, {c.name: (read, Derivation.EXPRESSION) for c in names}

    def _window_tvf(self, item: exp.Table, ctes: Mapping[str, _Lineage]) -> _Lineage:
        table_arg = next(
            (a for a in item.find_all(exp.Anonymous) if str(a.this).upper() == TABLE_ARG), None
        )
        inner: _Lineage = {}
        if table_arg is not None and table_arg.expressions:
            name = table_arg.expressions[0].name
            inner = dict(ctes[name]) if name in ctes else _base(name, self.inputs.get(name, ()))
        descriptor = next(
            (a for a in item.find_all(exp.Anonymous) if str(a.this).upper() == "DESCRIPTOR"),
            None,
        )
        time: frozenset[tuple[str, str]] = frozenset()
        if descriptor is not None and descriptor.expressions:
            time = inner.get(descriptor.expressions[0].name, (frozenset(), Derivation.COPY))[0]
        for column in WINDOW_COLUMNS:
            inner[column] = (time, Derivation.WINDOW)
        return inner

    def _projection(self, projection: exp.Expr, sources: Mapping[str, _Lineage]) -> _Lineage:
        if isinstance(projection, exp.Star):
            return {k: v for lineage in sources.values() for k, v in lineage.items()}
        if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
            return dict(sources.get(projection.table, {}))
        name = projection.alias_or_name
        value = projection.this if isinstance(projection, exp.Alias) else projection
        read = _reads(value, sources, self.inputs)
        if isinstance(value, exp.Column):
            origin = _resolve(value, sources)
            how = origin[1] if origin else Derivation.COPY
        elif value.find(exp.AggFunc) is not None or _is_agg_call(value):
            how = Derivation.AGGREGATE
        elif _window_call(value):
            how = Derivation.WINDOW
        else:
            how = Derivation.EXPRESSION
        return {name: (read, how)}


def _base(table: str, columns: Sequence[str]) -> _Lineage:
    return {c: (frozenset({(table, c)}), Derivation.COPY) for c in columns}


def _resolve(
    col: exp.Column, sources: Mapping[str, _Lineage]
) -> tuple[frozenset[tuple[str, str]], Derivation] | None:
    if col.table:
        return sources.get(col.table, {}).get(col.name)
    for lineage in sources.values():
        if col.name in lineage:
            return lineage[col.name]
    return None


def _reads(
    value: exp.Expr, sources: Mapping[str, _Lineage], inputs: Mapping[str, Sequence[str]]
) -> frozenset[tuple[str, str]]:
    read: set[tuple[str, str]] = set()
    for col in value.find_all(exp.Column):
        if isinstance(col.this, exp.Star):
            continue
        origin = _resolve(col, sources)
        if origin is not None:
            read |= origin[0]
    return frozenset(read)


_AGGREGATES = frozenset(
    {"APPROX_COUNT_DISTINCT", "LISTAGG", "COLLECT", "FIRST_VALUE", "LAST_VALUE"}
)
_WINDOW_FUNCTIONS = frozenset(
    {"TUMBLE_START", "TUMBLE_END", "TUMBLE_ROWTIME", "HOP_START", "HOP_END", "HOP_ROWTIME"}
    | {"SESSION_START", "SESSION_END", "SESSION_ROWTIME"}
)


def _call_names(value: exp.Expr) -> set[str]:
    names = {str(a.this).upper() for a in value.find_all(exp.Anonymous)}
    return {n.removeprefix("__STREAMT_FN_") for n in names}


def _is_agg_call(value: exp.Expr) -> bool:
    return bool(_call_names(value) & _AGGREGATES)


def _window_call(value: exp.Expr) -> bool:
    return bool(_call_names(value) & _WINDOW_FUNCTIONS)


def _union(left: _Lineage, right: _Lineage) -> _Lineage:
    """UNION branches line up by position; names come from the first branch."""
    out: _Lineage = {}
    for (name, (a, how)), (_, (b, _other)) in zip(left.items(), right.items(), strict=False):
        out[name] = (a | b, how)
    return out
