"""One SELECT list over its scope: output columns, aggregation kind, changelog and upsert key.

Used by the walk (`streamt.sql.relations`) and the patterns (`streamt.sql.patterns`) over the
shared `streamt.sql.scope.AnalysisState`; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlglot import exp

from streamt.sql.exprtypes import ExprTyper, function_args, function_name, is_unit_argument
from streamt.sql.functions import GROUP_WINDOW_AUX, GROUP_WINDOWS
from streamt.sql.generate import render
from streamt.sql.schema import Column
from streamt.sql.scope import AnalysisState, Rel, RowNum, Scope
from streamt.sql.tree import aggregate_calls, did_you_mean_or_known, output_name, rank_limit
from streamt.sql.types import STRING


@dataclass
class _Projection:
    name: str
    expr: exp.Expr
    column: Column


class SelectList:
    def __init__(self, analyzer: AnalysisState, node: exp.Select, scope: Scope) -> None:
        self.a = analyzer
        self.node = node
        self.scope = scope
        self.aliases: dict[str, Column] = {}
        self.star_open: str | None = None  # an inferred input whose `*` reaches the output
        self._resolved: set[int] = set()  # column nodes already resolved (typed)
        self.typer = ExprTyper(self.resolve, analyzer.ml_outputs, analyzer.functions)

    # ---- column resolution ----------------------------------------------------------------
    def resolve(self, col: exp.Column) -> Column:
        self._resolved.add(id(col))
        name = col.name
        qualifier = col.table
        if not qualifier and len(self.scope) == 1:
            hit = self.scope[0][1].find(name)  # the common case: one input, column found
            if hit is not None:
                return hit
        rels = [(alias, rel) for alias, rel in self.scope if not qualifier or alias == qualifier]
        if qualifier and not rels:
            field = self._row_field(qualifier, name)
            if field is not None:
                return field
            outer = self._outer(col)
            if outer is not None:
                return outer
            if any(alias == qualifier for scope in self.a.outer for alias, _ in scope):
                self.a.error("S003", f"unknown column {qualifier}.{name}", col)
                return Column(name, STRING)
            known = [alias for alias, _ in self.scope]
            self.a.error(
                "S003",
                f"unknown table alias {qualifier!r}",
                col,
                did_you_mean_or_known(qualifier, known),
            )
            return Column(name, STRING)
        hits = [rel.find(name) for _, rel in rels]
        found = [c for c in hits if c is not None]
        if len(found) > 1 and not qualifier:
            self.a.error(
                "S004", f"column {name!r} is ambiguous", col, "qualify it with a table alias"
            )
        if found:
            return found[0]
        open_rels = [rel for _, rel in rels if rel.open_name]
        if open_rels:
            return self.a.infer_column(open_rels[0], name)
        if name in self.aliases:
            return self.aliases[name]
        outer_col = self._outer(col)
        if outer_col is not None:
            return outer_col
        known = [c.name for _, rel in rels for c in rel.columns]
        self.a.error("S003", f"unknown column {name!r}", col, did_you_mean_or_known(name, known))
        return Column(name, STRING)

    def _infer_qualified(self) -> None:
        """`alias.c` over an inferred input names that input: infer those first, so that an
        unqualified `c` elsewhere in the query finds its table instead of the first one."""
        open_aliases = {alias: rel for alias, rel in self.scope if alias and rel.open_name}
        if not open_aliases:
            return
        node = self.node
        for col in node.walk(prune=lambda n: isinstance(n, exp.Select) and n is not node):
            if not isinstance(col, exp.Column) or not col.table:
                continue
            rel = open_aliases.get(col.table)
            if (
                rel is not None
                and not isinstance(col.this, exp.Star)
                and rel.find(col.name) is None
            ):
                self.a.infer_column(rel, col.name)

    def _using(self, name: exp.Expr) -> None:
        """`JOIN ... USING (c)`: `c` is read from both sides."""
        for alias, _ in self.scope:
            if alias:
                self.resolve(exp.column(name.name, table=alias))

    def _row_field(self, column: str, field: str) -> Column | None:
        """`r.a` where `r` is a ROW column (not a table alias): the field's type."""
        for _, rel in self.scope:
            col = rel.find(column)
            if col is not None and col.type.name == "ROW":
                for name, child in zip(col.type.fields, col.type.children, strict=False):
                    if name == field:
                        return Column(field, child)
        return None

    def _outer(self, col: exp.Column) -> Column | None:
        for scope in reversed(self.a.outer):
            for alias, rel in scope:
                if col.table and alias != col.table:
                    continue
                found = rel.find(col.name)
                if found is not None:
                    return found
        return None

    def check(self, expr: exp.Expr | None) -> None:
        if expr is None:
            return
        # columns of this SELECT only: the walk stops at nested SELECTs (one pass, where asking
        # each column for its nearest SELECT ancestor costs the depth of the tree per column)
        nested = expr.find(exp.Select) is not None
        found = (
            expr.walk(prune=lambda n: isinstance(n, exp.Select))
            if nested
            else expr.find_all(exp.Column)
        )
        for col in found:
            if not isinstance(col, exp.Column) or is_unit_argument(col):
                continue
            if id(col) in self._resolved:
                continue
            if not isinstance(col.this, exp.Star):
                self.resolve(col)

    # ---- build ------------------------------------------------------------------------------
    def build(self) -> Rel:
        node = self.node
        if not node.expressions:
            self.a.error("S001", "SQL syntax error: empty SELECT list", node)
            return Rel([])
        self._infer_qualified()
        projections = self._projections()
        for expr in node.expressions:  # columns the typing did not need (inside COUNT(...))
            self.check(expr)
        for join in node.args.get("joins") or []:  # ON / USING / AS OF columns are read too
            self.check(join.args.get("on"))
            if isinstance(join.this, exp.Table):
                self.check(join.this.args.get("version"))
            for name in join.args.get("using") or []:
                self._using(name)
        for key in ("where", "group", "having", "qualify"):
            self.check(node.args.get(key))
        group = node.args.get("group")
        group_exprs = list(group.expressions) if group is not None else []
        has_agg = bool(group_exprs) or any(
            aggregate_calls(p.expr, self.a.aggregates) for p in projections
        )
        self._check_over(projections)
        if node.args.get("order") is not None:
            self.a.stateful.append("ORDER BY")
        if node.args.get("limit") is not None:
            self.a.stateful.append("LIMIT")
        if has_agg:
            return self._aggregate(projections, group_exprs)
        if node.args.get("distinct") is not None:
            self.a.stateful.append("DISTINCT")
            self.a.changelog.append("SELECT DISTINCT emits updates")
            cols = [p.column.plain() for p in projections]
            return Rel(cols, updating=True, key=tuple(c.name for c in cols))
        return self._passthrough(projections)

    def _projections(self) -> list[_Projection]:
        out: list[_Projection] = []
        for i, expr in enumerate(self.node.expressions):
            if isinstance(expr, exp.Star) or (
                isinstance(expr, exp.Column) and isinstance(expr.this, exp.Star)
            ):
                out.extend(self._star(expr))
                continue
            column = self.typer.column_of(expr)
            name = output_name(expr)
            if not name:
                name = f"EXPR${i}"
                self._unnamed(expr, name)
            column = column.renamed(name)
            out.append(_Projection(name, expr, column))
            self.aliases[name] = column
        return self._unique(out)

    def _unnamed(self, expr: exp.Expr, name: str) -> None:
        if self.node is self.a.top:
            self.a.warn(
                "S006",
                f"expression {render(expr)!r} has no name; Flink calls it {name}",
                expr,
                "add AS <name>",
            )

    def _unique(self, out: list[_Projection]) -> list[_Projection]:
        seen: set[str] = set()
        for p in out:
            if p.name in seen:
                self.a.error(
                    "S008",
                    f"duplicate output column {p.name!r}",
                    p.expr,
                    "give each column a distinct alias",
                )
            seen.add(p.name)
        return out

    def _star(self, expr: exp.Expr) -> list[_Projection]:
        qualifier = expr.table if isinstance(expr, exp.Column) else ""
        rels = [rel for alias, rel in self.scope if not qualifier or alias == qualifier]
        self.star_open = self.star_open or next((r.open_name for r in rels if r.open_name), None)
        # an input still open here has no upstream to infer its columns from (inferred
        # sources are closed before the final analysis; see compile.demand)
        for name in sorted({r.open_name for r in rels if r.open_name}):
            self.a.error(
                "S010",
                f"SELECT * over {name!r}, whose columns cannot be known",
                expr,
                "declare its columns (or a schema), or list the columns you select",
            )
        return [_Projection(c.name, exp.column(c.name), c) for rel in rels for c in rel.columns]

    def _check_over(self, projections: list[_Projection]) -> None:
        for p in projections:
            for window in p.expr.find_all(exp.Window):
                fn = function_name(window.this)
                self.a.stateful.append("ROW_NUMBER" if fn == "ROW_NUMBER" else "OVER window")
                for col in window.find_all(exp.Column):
                    self.resolve(col)
                updating = [alias for alias, rel in self.scope if rel.updating]
                if fn in _NOT_STREAMING:
                    self.a.error(
                        "S051",
                        f"{fn}() is not supported on a streaming table",
                        window,
                        "rank with ROW_NUMBER() and a WHERE filter on it (Top-N), or aggregate "
                        "with GROUP BY / a window TVF",
                    )
                    continue
                if fn not in ("ROW_NUMBER", "RANK", "DENSE_RANK"):
                    self._over_order(window, fn)
                if fn not in ("ROW_NUMBER", "RANK", "DENSE_RANK") and updating:
                    self.a.error(
                        "S011",
                        f"an OVER window ({fn}) cannot read an updating input "
                        f"({', '.join(updating)})",
                        window,
                        "aggregate with GROUP BY (or a window TVF) instead, or read an "
                        "append-only topic",
                    )

    def _over_order(self, window: exp.Window, fn: str) -> None:
        """A streaming OVER aggregate is ordered by one time attribute, ascending."""
        spec = window
        named = window.args.get("alias")
        if window.args.get("order") is None and named is not None:
            defined = [w for w in self.node.args.get("windows") or [] if w.name == named.name]
            spec = defined[0] if defined else window
        for ref in spec.find_all(exp.Column):
            self.resolve(ref)
        order = spec.args.get("order")
        ordered = list(order.expressions) if order is not None else []
        if len(ordered) == 1 and isinstance(ordered[0].this, exp.Column):
            time = self.resolve(ordered[0].this)
            if (time.rowtime or time.proctime) and not ordered[0].args.get("desc"):
                return
        what = ", ".join(render(o) for o in ordered) or "nothing"
        self.a.error(
            "S048",
            f"OVER window ({fn}) ordered by {what}: a streaming OVER aggregate must be ordered "
            "by one time attribute, ascending",
            ordered[0] if ordered else window,
            "ORDER BY the input's event-time (or processing-time) column; for a ranking use "
            "ROW_NUMBER() with a WHERE filter on it (Top-N), or aggregate with GROUP BY",
        )

    # ---- aggregation -------------------------------------------------------------------------
    def _aggregate(self, projections: list[_Projection], group_exprs: list[exp.Expr]) -> Rel:
        legacy = [g for g in group_exprs if function_name(g) in GROUP_WINDOWS]
        for g in legacy:
            args = function_args(g)
            if args and isinstance(args[0], exp.Column):
                self.a.require_time_attribute(self.resolve(args[0]), function_name(g), args[0])
        names = {g.name for g in group_exprs if isinstance(g, exp.Column)}
        tvf = (
            any(rel.window_tvf for _, rel in self.scope) and {"window_start", "window_end"} <= names
        )
        if legacy or tvf:
            self.a.stateful.append("window aggregation")
            cols = [self._window_output(p) for p in projections]
            # a window aggregation emits each window once, even over a changelog input
            for reason in [
                r for r in self.a.changelog if r.endswith("changelog (updating) stream")
            ]:
                self.a.changelog.remove(reason)
            return Rel(cols, updating=False, key=None, window_tvf=tvf and _windowed(cols))
        projections = _rolled_up(projections, group_exprs)
        self.a.stateful.append("GROUP BY aggregation" if group_exprs else "global aggregation")
        self.a.changelog.append(
            "non-windowed GROUP BY emits updates"
            if group_exprs
            else "aggregation without GROUP BY emits updates"
        )
        cols = [p.column.plain() for p in projections]
        return Rel(cols, updating=True, key=self._group_key(projections, group_exprs))

    def _window_output(self, p: _Projection) -> Column:
        inner = p.expr.this if isinstance(p.expr, exp.Alias) else p.expr
        fn = function_name(inner)
        if fn in GROUP_WINDOW_AUX and GROUP_WINDOW_AUX[fn][1]:
            return p.column
        if isinstance(inner, exp.Column) and inner.name == "window_time" and p.column.rowtime:
            return p.column
        return p.column.plain()

    def _group_key(
        self, projections: list[_Projection], group_exprs: list[exp.Expr]
    ) -> tuple[str, ...] | None:
        if not group_exprs:
            return None
        key: list[str] = []
        for g in group_exprs:
            name = _match_projection(g, projections)
            if name is None:
                return None
            key.append(name)
        return tuple(key)

    # ---- filters / projections -------------------------------------------------------------
    def _passthrough(self, projections: list[_Projection]) -> Rel:
        updating = any(rel.updating for _, rel in self.scope)
        key = self._mapped_key(projections)
        rownum = self._rownum(projections)
        source_rownum = next((rel.rownum for _, rel in self.scope if rel.rownum), None)
        if source_rownum is not None:
            ranked = self._ranked(projections, source_rownum, updating)
            ranked.open_name = self.star_open  # SELECT * over a ranked subquery passes it on
            return ranked
        if rownum is not None and self.node is self.a.top and not rownum.time_ascending:
            self._unfiltered_row_number(rownum)
        cols = [p.column for p in projections]
        windowed = any(rel.window_tvf for _, rel in self.scope) and _windowed(cols)
        return Rel(
            cols,
            updating=updating,
            key=key,
            rownum=rownum,
            window_tvf=windowed,
            open_name=self.star_open,
        )

    def _mapped_key(self, projections: list[_Projection]) -> tuple[str, ...] | None:
        keyed = [rel for _, rel in self.scope if rel.key]
        if len(self.scope) != 1 or not keyed:
            return None
        mapped = [_match_projection(exp.column(k), projections) for k in keyed[0].key or ()]
        return None if any(m is None for m in mapped) else tuple(m for m in mapped if m)

    def _rownum(self, projections: list[_Projection]) -> RowNum | None:
        for p in projections:
            inner = p.expr.this if isinstance(p.expr, exp.Alias) else p.expr
            if isinstance(inner, exp.Window) and function_name(inner.this) == "ROW_NUMBER":
                partition = tuple(
                    c.name
                    for c in inner.args.get("partition_by") or []
                    if isinstance(c, exp.Column)
                )
                order = inner.args.get("order")
                ordered = list(order.expressions) if order is not None else []
                ascending = False
                if len(ordered) == 1 and isinstance(ordered[0].this, exp.Column):
                    col = self.resolve(ordered[0].this)
                    ascending = (col.rowtime or col.proctime) and not ordered[0].args.get("desc")
                return RowNum(p.name, partition, bool(ascending))
        return None

    def _unfiltered_row_number(self, rownum: RowNum) -> None:
        self.a.error(
            "S050",
            f"ROW_NUMBER() AS {rownum.column} is not filtered (WHERE {rownum.column} <= N) and "
            "not ordered by a time attribute ascending: Flink runs neither a Top-N nor an OVER "
            "aggregate for it",
            self.node,
            f"add WHERE {rownum.column} <= N (Top-N, or = 1 for deduplication), or ORDER BY "
            "the event-time column ascending",
        )

    def _ranked(self, projections: list[_Projection], rownum: RowNum, updating: bool) -> Rel:
        limit = rank_limit(self.node.args.get("where"), rownum.column)
        cols = [p.column for p in projections]
        if limit is None:
            # without a filter on it, ROW_NUMBER is an OVER aggregate: time-ordered only
            if not rownum.time_ascending:
                self._unfiltered_row_number(rownum)
            return Rel(cols, updating=updating, key=None)
        if limit == 1 and rownum.time_ascending and not updating:
            self.a.stateful.append("deduplication (keep first row)")
            return Rel(cols, updating=False, key=None)
        if {"window_start", "window_end"} <= set(rownum.partition) and not updating:
            # Flink keeps the time attributes through a window Top-N / window deduplication
            self.a.stateful.append("window Top-N")
            return Rel(cols, updating=False, key=None, window_tvf=True)
        self.a.stateful.append("deduplication (keep last row)" if limit == 1 else "Top-N")
        self.a.changelog.append("ROW_NUMBER deduplication / Top-N emits updates")
        names = [_match_projection(exp.column(k), projections) for k in rownum.partition]
        key: tuple[str, ...] | None = None
        if all(names):
            key = tuple(n for n in names if n)
            if limit > 1:
                rn = _match_projection(exp.column(rownum.column), projections)
                key = (*key, rn) if rn else None
        return Rel(cols, updating=True, key=key)  # Flink keeps time attributes through a rank


# ranking and distribution functions Flink 2.2 refuses over a streaming table (planner messages:
# "RANK() on streaming table is not supported currently", "NTILE Function is not supported in
# stream mode", ...); window Top-N takes ROW_NUMBER() only as well
_NOT_STREAMING = frozenset({"RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE"})


def _rolled_up(projections: list[_Projection], group_exprs: list[exp.Expr]) -> list[_Projection]:
    """Columns that GROUPING SETS / ROLLUP / CUBE leave out of some grouping set are NULL in
    that set's rows."""
    sets = [g for g in group_exprs if isinstance(g, (exp.GroupingSets, exp.Rollup, exp.Cube))]
    names = {c.name for g in sets for c in g.find_all(exp.Column)}
    out = []
    for p in projections:
        inner = p.expr.this if isinstance(p.expr, exp.Alias) else p.expr
        if isinstance(inner, exp.Column) and inner.name in names:
            p = _Projection(p.name, p.expr, replace(p.column, null_filled=True))
        out.append(p)
    return out


def _windowed(columns: list[Column]) -> bool:
    """Rows that still carry their window (a window join, Top-N or dedup can follow)."""
    return {"window_start", "window_end"} <= {c.name for c in columns}


def _match_projection(expr: exp.Expr, projections: list[_Projection]) -> str | None:
    for p in projections:
        inner = p.expr.this if isinstance(p.expr, exp.Alias) else p.expr
        if (
            isinstance(expr, exp.Column)
            and isinstance(inner, exp.Column)
            and inner.name == expr.name
        ):
            return p.name
        if inner == expr:
            return p.name
    return None


__all__ = ["SelectList", "replace"]
