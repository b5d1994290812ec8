"""The walk behind `analyze_query`: relations (FROM items, joins, window TVFs, subqueries) and
select lists (`streamt.sql.select`), with statefulness, changelog and upsert-key propagation. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlglot import exp

from streamt.diagnostics import closest, did_you_mean
from streamt.sql.dialect import JSON_CLAUSE, TABLE_ARG
from streamt.sql.exprtypes import function_name, ml_model_name
from streamt.sql.functions import BUILTINS, ML_FUNCTIONS, WINDOW_TVFS
from streamt.sql.patterns import anti_join, match_recognize, retime, versioned_join
from streamt.sql.schema import Column
from streamt.sql.scope import AnalysisState, Rel, Scope
from streamt.sql.select import SelectList
from streamt.sql.tree import (
    hint_rank,
    is_interval_join,
    is_window_join,
    nested_subqueries,
    split_args,
    usage_hint,
)
from streamt.sql.types import STRING, TIMESTAMP3, SqlType, common_type

_MARKERS = frozenset({TABLE_ARG, JSON_CLAUSE})  # the dialect's stand-ins for Flink syntax
_WINDOW_COLUMNS = ("window_start", "window_end", "window_time")


class Analyzer(AnalysisState):
    """The walk: queries, FROM items, joins and window TVFs over the shared state; select
    lists (`streamt.sql.select`) and streaming patterns (`streamt.sql.patterns`) are its
    helpers, typed against `AnalysisState` alone."""

    def check_calls(self, tree: exp.Expr) -> None:
        """S030: a call to a function that is neither a Flink built-in nor declared."""
        for call in tree.find_all(exp.Func):
            if isinstance(call, exp.Connector) or call.find_ancestor(exp.Hint) is not None:
                continue  # AND / OR: operators sqlglot models as functions; query hints
            name = function_name(call)
            if not name or name in BUILTINS or name in self.functions or name in _MARKERS:
                continue
            known = sorted(BUILTINS | self.functions.keys())
            match = closest(name, known)  # function names unquoted, as in the message
            hint = f"did you mean {match}? " if match else ""
            self.error(
                "S030",
                f"unknown function {name}: not a Flink 2.2 built-in and not declared in "
                "`functions:`",
                call,
                hint + "declare a user-defined function in the project's `functions:` section "
                "(name, class, jar, returns)",
            )

    # ---- inference hints for inputs without declared columns ---------------------------
    def collect_hints(self, tree: exp.Expr) -> None:
        # type hints only serve inputs whose columns are inferred (`TableSchema.open`)
        wants_hints = any(schema.open for schema in self.inputs.values())
        for col in tree.find_all(exp.Column) if wants_hints else ():
            hint = usage_hint(col)
            current = self.hints.get(col.name)
            if current is None or hint_rank(hint) > hint_rank(current):
                self.hints[col.name] = hint
        # ML_PREDICT / ML_EVALUATE are unknown to sqlglot: they parse as anonymous calls
        for node in tree.find_all(exp.Anonymous):
            name = function_name(node)
            if name in ML_FUNCTIONS:
                self.ml.append(name)
                self.ml_models.append(ml_model_name(node))

    # ---- queries -----------------------------------------------------------------------
    def query(self, node: exp.Expr, ctes: Mapping[str, exp.Expr]) -> Rel:
        if isinstance(node, exp.Subquery):
            return self.query(node.this, ctes)
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            ctes = {**ctes, **{c.alias_or_name: c.this for c in with_.expressions}}
        if isinstance(node, exp.SetOperation):
            return self._set_operation(node, ctes)
        if isinstance(node, exp.Select):
            return self._select(node, ctes)
        self.error("S007", f"unsupported query form {node.key.upper()}", node)
        return Rel([])

    def _set_operation(self, node: exp.SetOperation, ctes: Mapping[str, exp.Expr]) -> Rel:
        left = self.query(node.args["this"], ctes)
        right = self.query(node.args["expression"], ctes)
        if len(left.columns) != len(right.columns):
            self.error(
                "S009", "the two sides of a set operation have different column counts", node
            )
        columns = [
            replace(lc, type=common_type([lc.type, rc.type]), rowtime=lc.rowtime and rc.rowtime)
            for lc, rc in zip(left.columns, right.columns, strict=False)
        ]
        distinct = bool(node.args.get("distinct"))
        updating = left.updating or right.updating
        kind = node.key.upper()
        if distinct:
            self.stateful.append(f"{kind} (distinct)")
            self.changelog.append(f"{kind} without ALL emits updates")
            return Rel(columns, updating=True, key=tuple(c.name for c in columns))
        if not isinstance(node, exp.Union):
            # duplicates are kept: no column set is unique, so there is no upsert key
            self.stateful.append(f"{kind} ALL")
            self.changelog.append(f"{kind} ALL emits updates and keeps duplicate rows")
            return Rel(columns, updating=True, key=None)
        return Rel(columns, updating=updating, key=None)

    def _select(self, node: exp.Select, ctes: Mapping[str, exp.Expr]) -> Rel:
        scope: Scope = []
        from_ = node.args.get("from_") or node.args.get("from")
        if from_ is not None:
            scope.append(self.source(from_.this, ctes))
        match = node.args.get("match")
        if isinstance(match, exp.MatchRecognize) and scope:
            scope = [match_recognize(self, match, node, scope[-1])]
        joins = list(node.args.get("joins") or [])
        for join in joins:
            scope.append(self.source(join.this, ctes))
            if isinstance(join.this, exp.Lateral):  # its arguments read the tables before it
                SelectList(self, node, scope[:-1]).check(join.this.this)
            if isinstance(join.this, exp.Unnest):
                self._type_unnest(join.this, node, scope)
            self._join(join, scope, node.args.get("where"))
        self.outer.append(scope)
        try:
            for sub in nested_subqueries(node):
                inner = self.query(sub, ctes)
                if sub.find_ancestor(exp.Not) is not None:
                    anti_join(self, sub, scope, inner)
        finally:
            self.outer.pop()
        return SelectList(self, node, scope).build()

    # ---- FROM items -----------------------------------------------------------------------
    def source(self, node: exp.Expr, ctes: Mapping[str, exp.Expr]) -> tuple[str, Rel]:
        alias = node.alias_or_name if isinstance(node, exp.Expr) else ""
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
            return node.alias or "", self._tvf(node.this, ctes, node)
        if isinstance(node, exp.Table):
            return node.alias or node.name, self.table(node.name, ctes, node)
        if isinstance(node, exp.Subquery):
            return node.alias, self.query(node.this, ctes)
        if isinstance(node, exp.Unnest):
            return self._unnest(node)
        if isinstance(node, exp.Lateral):
            names = [c.name for c in node.args["alias"].columns] if node.args.get("alias") else []
            call = node.this
            if (
                isinstance(call, exp.Anonymous)
                and call.name.upper() == "TABLE"
                and call.expressions
            ):
                call = call.expressions[0]
            if isinstance(call, exp.Anonymous) and function_name(call) in ML_FUNCTIONS:
                return node.alias, self._ml_rel(call, names, node)
            return node.alias, Rel([Column(n, STRING) for n in names])
        self.error("S007", f"unsupported FROM item {node.key.upper()}", node)
        return alias, Rel([])

    def table(self, name: str, ctes: Mapping[str, exp.Expr], node: exp.Expr) -> Rel:
        if name in ctes:
            return self.query(ctes[name], {k: v for k, v in ctes.items() if k != name})
        schema = self.inputs.get(name)
        if schema is None:
            hint = did_you_mean(name, self.inputs) or "read inputs with source() or ref()"
            self.error("S002", f"unknown table {name!r}", node, hint)
            return Rel([], open_name=None)
        self.tables.append(name)
        if schema.updating:
            self.changelog.append(f"input {name!r} is a changelog (updating) stream")
        rel = Rel(
            list(schema.columns),
            updating=schema.updating,
            key=schema.primary_key or None,
            open_name=name if schema.open else None,
            retimable=name if schema.retimable and not schema.updating else None,
            table=name,
        )
        if schema.open:  # the columns known so far, then the ones this query infers
            known = {c.name for c in schema.columns}
            inferred = [c for c in self.inferred.get(name, {}).values() if c.name not in known]
            rel.columns = list(schema.columns) + inferred
        return rel

    def _unnest(self, node: exp.Unnest) -> tuple[str, Rel]:
        alias = node.args.get("alias")
        names = [c.name for c in alias.columns] if alias is not None else []
        return (alias.name if alias is not None else ""), Rel([Column(n, STRING) for n in names])

    def _type_unnest(self, unnest: exp.Unnest, node: exp.Select, scope: Scope) -> None:
        """Element types of `CROSS JOIN UNNEST(arr) AS t(x)` from the array's type."""
        typer = SelectList(self, node, scope[:-1]).typer
        _, rel = scope[-1]
        element_types: list[SqlType] = []
        for arg in unnest.expressions:
            container = typer.type_of(arg)
            if container.name == "MAP" and len(container.children) == 2:
                element_types.extend(container.children)
            elif container.children and container.name in ("ARRAY", "MULTISET"):
                inner = container.children[0]
                element_types.extend(inner.children if inner.name == "ROW" else [inner])
        if len(element_types) == len(rel.columns):
            rel.columns = [
                replace(c, type=t) for c, t in zip(rel.columns, element_types, strict=True)
            ]

    def _ml_rel(self, call: exp.Expr, names: list[str], node: exp.Expr) -> Rel:
        """The rows an ML_PREDICT / ML_EVALUATE table call adds: the model's declared
        `ml_outputs`, renamed by the alias's column list (a model without them is reported by
        compile, C061: its columns are unknown here)."""
        outputs = self.ml_outputs.get(ml_model_name(call), {})
        columns = [Column(n, t.with_nullable(True)) for n, t in outputs.items()]
        if names and columns and len(names) != len(columns):
            self.error(
                "C062",
                f"the alias names {len(names)} columns but model {ml_model_name(call)!r} declares "
                f"{len(columns)} outputs ({', '.join(outputs)})",
                node,
                "name every output of the model in ml_outputs, in order",
            )
        if names and len(names) == len(columns):
            return Rel([c.renamed(n) for c, n in zip(columns, names, strict=True)])
        return Rel(columns or [Column(n, STRING) for n in names])

    def _tvf(self, call: exp.Anonymous, ctes: Mapping[str, exp.Expr], node: exp.Expr) -> Rel:
        inner = call.expressions[0] if call.name.upper() == "TABLE" and call.expressions else call
        fn = function_name(inner)
        if fn in ML_FUNCTIONS:
            alias = node.args.get("alias")
            names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
            return self._ml_rel(inner, names, node)
        if fn not in WINDOW_TVFS or not isinstance(inner, exp.Anonymous):
            self.error("S007", f"unsupported table function {fn or inner.key}", node)
            return Rel([])
        positional, named = split_args(inner.expressions)
        data = named.get("DATA") or (positional[0] if positional else None)
        timecol = named.get("TIMECOL") or (positional[1] if len(positional) > 1 else None)
        base = self._tvf_data(data, ctes, node)
        time_col = self._descriptor(timecol, base, fn, node)
        self.stateful.append(f"{fn} window")
        clash = [c.name for c in base.columns if c.name in _WINDOW_COLUMNS]
        if clash:
            self.error(
                "S043",
                f"{fn} adds window_start, window_end and window_time, but its input already has "
                f"{', '.join(repr(c) for c in clash)}",
                node,
                "rename those columns in the input (e.g. window_start AS first_window_start), "
                "or select them without the window columns",
            )
        ts_type = (time_col.type if time_col else TIMESTAMP3).with_nullable(False)
        window = [
            Column("window_start", TIMESTAMP3.with_nullable(False)),
            Column("window_end", TIMESTAMP3.with_nullable(False)),
            Column(
                "window_time",
                ts_type,
                rowtime=bool(time_col and time_col.rowtime),
                proctime=bool(time_col and time_col.proctime),
                watermark_delay_ms=time_col.watermark_delay_ms if time_col else 0,
            ),
        ]
        # columns of a schema-less input are still inferred through the window
        return Rel(
            base.columns + window,
            updating=base.updating,
            window_tvf=True,
            open_name=base.open_name,
        )

    def _tvf_data(self, data: exp.Expr | None, ctes: Mapping[str, exp.Expr], node: exp.Expr) -> Rel:
        if isinstance(data, exp.Anonymous) and data.name.upper() == TABLE_ARG:
            target, *keys = data.expressions
            rel = self.table(target.name, ctes, target)
            for key in keys:  # SESSION(TABLE t PARTITION BY k, ...)
                if rel.find(key.name) is None and rel.open_name:
                    self.infer_column(rel, key.name)
                elif rel.find(key.name) is None:
                    self.error("S003", f"unknown column {key.name!r} in PARTITION BY", key)
            return rel
        if isinstance(data, (exp.Subquery, exp.Select)):
            return self.query(data, ctes)
        self.error("S007", "a window table function needs TABLE <name> as its first argument", node)
        return Rel([])

    def _descriptor(
        self, arg: exp.Expr | None, base: Rel, fn: str, node: exp.Expr
    ) -> Column | None:
        # Flink takes the time column only as DESCRIPTOR(col); a bare column fails at deploy
        descriptor = function_name(arg) == "DESCRIPTOR" if arg is not None else False
        cols = list(arg.find_all(exp.Column)) if arg is not None and descriptor else []
        if not cols:
            self.error(
                "S007",
                f"{fn} needs DESCRIPTOR(<time column>)",
                node,
                f"write {fn}(TABLE <input>, DESCRIPTOR(<event-time column>), INTERVAL ...)",
            )
            return None
        name = cols[0].name
        col = base.find(name)
        if col is None and base.open_name:
            col = self.infer_column(base, name)
        if col is None:
            self.error("S003", f"unknown column {name!r} in DESCRIPTOR", cols[0])
            return None
        if not (col.rowtime or col.proctime) and base.retimable and _watermarkable(col.type):
            return retime(self, base, col, fn, cols[0])
        self.require_time_attribute(col, fn, cols[0])
        return col

    def _join(self, join: exp.Join, scope: Scope, where: exp.Expr | None) -> None:
        _right_alias, right = scope[-1]
        target = join.this
        if isinstance(target, (exp.Unnest, exp.Lateral)):
            return
        _outer_nullable(join, scope)
        if isinstance(target, exp.Table) and target.args.get("version") is not None:
            # the versioned side's changelog is consumed by the join: the result follows
            # the probe side (append-only when the probe side is)
            self.stateful.append("temporal join")
            versioned_join(self, join, target, scope)
            right.columns = [c.plain() for c in right.columns]
            right.updating, right.key = False, None
            consumed = f"input {target.name!r} is a changelog (updating) stream"
            self.changelog = [r for r in self.changelog if r != consumed]
            return
        condition = [c for c in (join.args.get("on"), where) if c is not None]
        if is_window_join(condition, scope):
            # Flink's window join emits each window's result once, outer joins included
            self.stateful.append("window join")
            for _, rel in scope:
                rel.columns = [c.plain() for c in rel.columns]
            return
        rowtimes = {c.name for _, rel in scope for c in rel.columns if c.rowtime or c.proctime}
        if is_interval_join(condition, rowtimes):
            self.stateful.append("interval join")
            updating = [alias for alias, rel in scope if rel.updating]
            if updating:
                self.error(
                    "S011",
                    f"an interval join cannot read an updating input ({', '.join(updating)})",
                    join,
                    "join the updating side with FOR SYSTEM_TIME AS OF (a temporal join), "
                    "or read an append-only topic",
                )
            return
        self.stateful.append("regular join")
        side = (join.args.get("side") or "").upper()
        for _, rel in scope:
            rel.columns = [c.plain() for c in rel.columns]
        if side in ("LEFT", "RIGHT", "FULL"):
            self.changelog.append(f"{side} OUTER join emits updates (retractions)")
            for _, rel in scope:
                rel.updating = True
                rel.key = None
        elif any(rel.updating for _, rel in scope):
            for _, rel in scope:
                rel.updating = True
                rel.key = None


def _outer_nullable(join: exp.Join, scope: Scope) -> None:
    """An outer join's optional side is NULL in unmatched rows: its columns become nullable
    (a NOT NULL sink column would fail the job at the first unmatched row)."""
    side = (join.args.get("side") or "").upper()
    optional = {
        "LEFT": scope[-1:],
        "RIGHT": scope[:-1],
        "FULL": scope,
    }.get(side, [])
    for _, rel in optional:
        rel.columns = [
            replace(c, type=c.type.with_nullable(True), null_filled=True) for c in rel.columns
        ]


def _watermarkable(sql_type: SqlType) -> bool:
    """TIMESTAMP(p) / TIMESTAMP_LTZ(p) with p <= 3 can carry a WATERMARK."""
    return sql_type.is_timestamp and (not sql_type.params or sql_type.params[0] <= 3)


__all__ = ["Analyzer"]
