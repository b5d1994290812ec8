"""Expression typing: the Flink type (and time-attribute flag) of one expression in a scope.

`ExprTyper.type_of(node)` walks a sqlglot expression; column references are resolved through the
`resolve` callback supplied by the analyser (which owns scopes and diagnostics). No I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlglot import exp

from streamt.sql.dialect import VERBATIM_PREFIX
from streamt.sql.functions import (
    AGGREGATES,
    GROUP_WINDOW_AUX,
    MATCH_RECOGNIZE,
    ML_FUNCTIONS,
    RANKING,
    SCALARS,
)
from streamt.sql.generate import json_clause, sql_type_of
from streamt.sql.schema import Column
from streamt.sql.types import (
    BIGINT,
    BOOLEAN,
    DOUBLE,
    INT,
    NULL,
    NUMERIC_ORDER,
    STRING,
    SqlType,
    TypeSyntaxError,
    common_type,
    parse_type,
    precision_scale,
)

Resolver = Callable[[exp.Column], Column]

_PREDICATES = (
    exp.Predicate,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Xor,
)
_CHAINED = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)  # typed by `_binary`


# sqlglot classes whose SQL name is not Flink's spelling of the function
_FLINK_NAMES: dict[type[exp.Expr], str] = {
    exp.StrPosition: "POSITION",
    exp.JSONObject: "JSON_OBJECT",
    exp.JSONObjectAgg: "JSON_OBJECTAGG",
}


def function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        name = node.name.upper()
        return name[len(VERBATIM_PREFIX) :] if name.startswith(VERBATIM_PREFIX) else name
    if isinstance(node, exp.Func):
        return _FLINK_NAMES.get(type(node)) or str(node.sql_name()).upper()
    return ""


def ml_model_name(call: exp.Expr) -> str:
    """The model an ML_PREDICT / ML_EVALUATE call names: its first argument, a string literal
    (or a bare name), "" when it has none."""
    args = function_args(call)
    first = args[0] if args else None
    if isinstance(first, (exp.Literal, exp.Column, exp.Identifier)):
        return first.name
    return ""


UNIT_FIRST = frozenset({"TIMESTAMPDIFF", "TIMESTAMPADD"})


def is_unit_argument(col: exp.Expr) -> bool:
    """`HOUR` in TIMESTAMPADD(HOUR, 1, ts): a time unit, not a column."""
    parent = col.parent
    return (
        isinstance(parent, exp.Anonymous)
        and function_name(parent) in UNIT_FIRST
        and bool(parent.expressions)
        and parent.expressions[0] is col
    )


def function_args(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Anonymous):
        given = list(node.expressions)
        return given[1:] if function_name(node) in UNIT_FIRST else given
    args: list[exp.Expr] = []
    for value in node.args.values():
        if isinstance(value, exp.Expr):
            args.append(value)
        elif isinstance(value, list):
            args.extend(v for v in value if isinstance(v, exp.Expr))
    return args


class ExprTyper:
    def __init__(
        self,
        resolve: Resolver,
        ml_outputs: Mapping[str, Mapping[str, SqlType]] | None = None,
        functions: Mapping[str, SqlType] | None = None,
    ) -> None:
        self.resolve = resolve
        self.ml_outputs = ml_outputs or {}
        self.functions = functions or {}  # user-defined: upper-case name -> return type

    def column_of(self, node: exp.Expr) -> Column:
        """Type of `node`; keeps the time-attribute flags of a bare column reference."""
        inner = node.this if isinstance(node, (exp.Alias, exp.Paren)) else node
        if isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star):
            return self.resolve(inner)
        name = function_name(inner)
        if name in GROUP_WINDOW_AUX:
            sql_type, is_rowtime = GROUP_WINDOW_AUX[name]
            return Column("", sql_type.with_nullable(False), rowtime=is_rowtime)
        if name == "PROCTIME":
            return Column("", self.type_of(inner), proctime=True)
        time_attr = self._shifted_time(inner)
        if time_attr is not None:
            return Column(
                "",
                self.type_of(inner),
                rowtime=time_attr.rowtime,
                watermark_delay_ms=time_attr.watermark_delay_ms,
            )
        return Column("", self.type_of(inner))

    def _shifted_time(self, node: exp.Expr) -> Column | None:
        """`ts + INTERVAL ..`, `ts - INTERVAL ..`, `FLOOR(ts TO unit)`: Flink keeps the rowtime."""
        shifted = isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval)
        floored = isinstance(node, (exp.Floor, exp.Ceil)) and node.args.get("to") is not None
        base = node.this if shifted or floored else None
        if isinstance(base, exp.Column):
            col = self.resolve(base)
            return col if col.rowtime else None
        return None

    def type_of(self, node: exp.Expr) -> SqlType:
        # `a + b - c * d ...` parses left-deep: the left spine is typed in a loop, so a chain
        # of thousands of operators costs no recursion (only nesting on the right does)
        spine: list[exp.Expr] = []
        while isinstance(node, _CHAINED):
            spine.append(node)
            node = node.this
        result = self._type_of_operand(node)
        for op in reversed(spine):
            result = self._binary(op, result, self.type_of(op.expression))
        return result

    def _binary(self, node: exp.Expr, left: SqlType, right: SqlType) -> SqlType:
        if isinstance(node, exp.Mod):
            return right.with_nullable(left.nullable or right.nullable)
        if isinstance(node, exp.Div):
            return self._division(node, left, right)
        return self._arithmetic(node, left, right)

    def _type_of_operand(self, node: exp.Expr) -> SqlType:
        if isinstance(node, (exp.Alias, exp.Paren)):
            return self.type_of(node.this)
        if isinstance(node, exp.Column):
            return self.resolve(node).type
        if isinstance(node, exp.Literal):
            return _literal(node)
        if isinstance(node, exp.Null):
            return NULL
        if isinstance(node, exp.Boolean):
            return BOOLEAN.with_nullable(False)
        if isinstance(node, (exp.Cast, exp.TryCast)):
            to = node.args["to"]
            target = sql_type_of(to) if isinstance(to, exp.DataType) else STRING
            safe = isinstance(node, exp.TryCast) or bool(node.args.get("safe"))
            return target.with_nullable(safe or self.type_of(node.this).nullable)
        # IS [NOT] NULL / TRUE, IS [NOT] DISTINCT FROM and EXISTS are never NULL
        never_null = (exp.Is, exp.NullSafeEQ, exp.NullSafeNEQ, exp.Exists)
        if isinstance(node, never_null):
            return BOOLEAN.with_nullable(False)
        if isinstance(node, exp.Not) and isinstance(node.this.unnest(), never_null):
            return BOOLEAN.with_nullable(False)
        if _is_comparison(node):  # nullable when a side is (AND / OR chains: not walked)
            sides = (self.type_of(node.this), self.type_of(node.expression))
            return BOOLEAN.with_nullable(any(side.nullable for side in sides))
        if isinstance(node, _PREDICATES) and not _is_typed_call(node):
            return BOOLEAN
        if isinstance(node, exp.DPipe):
            return STRING
        if isinstance(node, exp.Neg):
            inner = node.this
            if isinstance(inner, exp.Literal) and str(inner.this).isdigit():
                return _integer(-int(str(inner.this)))  # -2147483648 is an INT
            return self.type_of(inner)
        if isinstance(node, exp.Case):
            branches = [self.type_of(i.args["true"]) for i in node.args.get("ifs", [])]
            default = node.args.get("default")
            branches.append(self.type_of(default) if default is not None else NULL)
            return common_type(branches)
        if isinstance(node, (exp.Window, exp.Filter)):
            return self.type_of(node.this)
        if isinstance(node, exp.Subquery):
            return STRING
        if isinstance(node, exp.Interval):
            return SqlType("INTERVAL")
        if isinstance(node, exp.Bracket):
            container = self.type_of(node.this)
            if container.name == "MAP" and len(container.children) == 2:
                return container.children[1].with_nullable(True)
            if container.children:
                return container.children[0].with_nullable(True)
            return STRING
        if isinstance(node, exp.Dot):
            return self._field(node)
        if isinstance(node, exp.Array):
            items = [self.type_of(e) for e in node.expressions]
            return SqlType("ARRAY", children=(common_type(items),), nullable=False)
        if isinstance(node, exp.Extract):
            return BIGINT
        if isinstance(node, exp.Func):
            return self._function(node)
        if isinstance(node, exp.Var):
            return STRING
        return STRING

    def _function(self, node: exp.Func) -> SqlType:
        name = function_name(node)
        args = [a for a in function_args(node) if not isinstance(a, exp.Var)]
        if name in ML_FUNCTIONS:
            return self._ml(node)
        if name in GROUP_WINDOW_AUX:
            return GROUP_WINDOW_AUX[name][0].with_nullable(False)
        if name == "COUNT":
            return BIGINT.with_nullable(False)
        if isinstance(node, exp.If):
            branches = [node.args.get("true"), node.args.get("false")]
            return common_type([self.type_of(b) if b is not None else NULL for b in branches])
        if isinstance(node, exp.Coalesce):
            types = [self.type_of(a) for a in args]
            merged = common_type(types)
            return merged.with_nullable(all(x.nullable for x in types))
        if name == "JSON_VALUE" and isinstance(node, exp.Anonymous):
            returned = _returning(node)
            if returned is not None:  # RETURNING <type>: that type, NULL on empty / error
                return returned.with_nullable(True)
        if name in _DIGITS and args:
            base = self.type_of(args[0])
            if base.name == "DECIMAL" and base.params:
                return _DIGITS[name](base, _digits(args[1] if len(args) > 1 else None))
        rule = (
            AGGREGATES.get(name)
            or RANKING.get(name)
            or SCALARS.get(name)
            or MATCH_RECOGNIZE.get(name)
        )
        if rule is None:
            declared = self.functions.get(name)
            return declared if declared is not None else STRING  # unknown: reported (S030)
        return rule([self.type_of(a) for a in args])

    def _ml(self, node: exp.Func) -> SqlType:
        outputs = self.ml_outputs.get(ml_model_name(node))
        if not outputs:
            return STRING
        if len(outputs) == 1:
            return next(iter(outputs.values()))
        return SqlType("ROW", children=tuple(outputs.values()), fields=tuple(outputs))

    def _arithmetic(self, node: exp.Expr, left: SqlType, right: SqlType) -> SqlType:
        nullable = left.nullable or right.nullable
        if left.is_timestamp or left.name == "DATE":
            return left
        if right.is_timestamp:
            return right
        if "DECIMAL" in (left.name, right.name) and _exact(left) and _exact(right):
            return _decimal_arithmetic(node, left, right).with_nullable(nullable)
        if left.is_numeric and right.is_numeric:
            return _promote(left, right).with_nullable(nullable)
        return DOUBLE.with_nullable(nullable)

    def _division(self, node: exp.Expr, left: SqlType, right: SqlType) -> SqlType:
        nullable = left.nullable or right.nullable
        if left.is_integer and right.is_integer:
            return _promote(left, right).with_nullable(nullable)
        if "DECIMAL" in (left.name, right.name) and _exact(left) and _exact(right):
            return _decimal_arithmetic(node, left, right).with_nullable(nullable)
        return DOUBLE.with_nullable(nullable)

    def _field(self, node: exp.Dot) -> SqlType:
        container = self.type_of(node.this)
        field = node.expression.name
        for name, child in zip(container.fields, container.children, strict=False):
            if name == field:
                return child
        return STRING


def _returning(node: exp.Anonymous) -> SqlType | None:
    """The type of a `RETURNING <type>` clause (the longest prefix after it that is a type)."""
    clause = json_clause(node)
    words = clause.split() if clause else []
    if not words or words[0].upper() != "RETURNING":
        return None
    for end in range(len(words), 1, -1):
        try:
            return parse_type(" ".join(words[1:end]))
        except TypeSyntaxError:
            continue
    return None


def _is_comparison(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.Binary)
        and isinstance(node, _PREDICATES)
        and not isinstance(node, exp.Connector)
    )


def _is_typed_call(node: exp.Expr) -> bool:
    """A function sqlglot models as a predicate (ARRAY_CONTAINS, ...) but with its own rule."""
    return isinstance(node, exp.Func) and function_name(node) in SCALARS


def _digits(node: exp.Expr | None) -> int | None:
    """The literal digit count of ROUND / TRUNCATE (0 when omitted, None when not a literal)."""
    if node is None:
        return 0
    inner = node.this if isinstance(node, exp.Neg) else node
    if not isinstance(inner, exp.Literal) or inner.is_string or not str(inner.this).isdigit():
        return None
    return -int(str(inner.this)) if isinstance(node, exp.Neg) else int(str(inner.this))


def _round_decimal(base: SqlType, digits: int | None) -> SqlType:
    """Flink's ROUND / TRUNCATE of DECIMAL(p, s) to r digits: DECIMAL(1 + p - s + r, r) when
    r < s."""
    p, s = base.params[0], (base.params[1] if len(base.params) > 1 else 0)
    r = s if digits is None else digits
    if r >= s:
        return base
    r = max(r, 0)
    return SqlType("DECIMAL", (min(38, 1 + p - s + r), r), nullable=base.nullable)


_DIGITS = {"ROUND": _round_decimal, "TRUNCATE": _round_decimal}


def _exact(t: SqlType) -> bool:
    return t.name == "DECIMAL" or t.is_integer


def _decimal_arithmetic(node: exp.Expr, left: SqlType, right: SqlType) -> SqlType:
    """Flink's DECIMAL rules for + - * / (LogicalTypeMerging), capped at precision 38."""
    p1, s1 = precision_scale(left)
    p2, s2 = precision_scale(right)
    if isinstance(node, exp.Mul):
        precision, scale = p1 + p2 + 1, s1 + s2
    elif isinstance(node, exp.Div):
        scale = max(6, s1 + p2 + 1)
        precision = p1 - s1 + s2 + scale
    else:
        scale = max(s1, s2)
        precision = max(p1 - s1, p2 - s2) + scale + 1
    if precision > 38:
        scale = max(scale - (precision - 38), min(scale, 6))
        precision = 38
    return SqlType("DECIMAL", (precision, scale))


def _promote(left: SqlType, right: SqlType) -> SqlType:
    return max((left, right), key=lambda x: NUMERIC_ORDER.index(x.name))


def _literal(node: exp.Literal) -> SqlType:
    if node.is_string:
        return SqlType("CHAR", (max(len(node.this), 1),), nullable=False)
    text = str(node.this)
    if any(c in text for c in ".eE"):
        if "e" in text.lower():
            return DOUBLE.with_nullable(False)
        digits = text.replace("-", "").replace("+", "")
        whole, _, frac = digits.partition(".")
        precision = max(len(whole.lstrip("0")) + len(frac), 1)
        return SqlType("DECIMAL", (precision, len(frac)), nullable=False)
    return _integer(int(text))


def _integer(value: int) -> SqlType:
    return (INT if -(2**31) <= value < 2**31 else BIGINT).with_nullable(False)
