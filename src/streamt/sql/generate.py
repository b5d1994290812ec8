"""Generate Flink SQL from a sqlglot tree: the rewrites the compiled generator cannot be taught.

`render(tree)` copies the tree, rewrites Flink-only constructs (TABLE arguments, FOR SYSTEM_TIME
AS OF, Flink type names, verbatim functions, CURRENT_TIMESTAMP without parentheses, ARRAY[...],
JSON_OBJECT(KEY k VALUE v)),
then generates with every identifier quoted. No I/O.
"""

from __future__ import annotations

from sqlglot import exp

from streamt.sql.dialect import (
    JSON_CLAUSE,
    TABLE_ARG,
    VERBATIM_PREFIX,
    generate,
    quote_identifier,
)
from streamt.sql.emitted import TIME_UNITS, UNIT_FIRST
from streamt.sql.types import SqlType, TypeSyntaxError, parse_type

_NO_PAREN: dict[type[exp.Expr], str] = {
    exp.CurrentTimestamp: "CURRENT_TIMESTAMP",
    exp.CurrentDate: "CURRENT_DATE",
    exp.CurrentTime: "CURRENT_TIME",
}
_RENAMES: dict[type[exp.Expr], str] = {
    exp.Length: "CHAR_LENGTH",
    exp.ApproxDistinct: "APPROX_COUNT_DISTINCT",
}


def render(tree: exp.Expr) -> str:
    """Flink SQL text of `tree` (the input tree is not modified)."""
    return generate(rewrite(tree.copy()))


def rewrite(tree: exp.Expr) -> exp.Expr:
    if tree.find(*_REWRITTEN) is None:
        return tree  # most filters and projections: nothing Flink spells differently
    return tree.transform(_rewrite_node, copy=False)


def _rewrite_node(node: exp.Expr) -> exp.Expr:
    if not isinstance(node, _REWRITTEN):
        return node  # most nodes: nothing below applies
    if isinstance(node, exp.Anonymous):
        return _anonymous(node)
    if isinstance(node, exp.DataType):
        return datatype_node(sql_type_of(node))
    if isinstance(node, exp.Version) and node.name.upper() == "TIMESTAMP":
        node.set("this", "SYSTEM_TIME")
        return node
    no_paren = _NO_PAREN.get(type(node))
    if no_paren:
        return exp.var(no_paren)
    rename = _RENAMES.get(type(node))
    if rename:
        return exp.Anonymous(this=rename, expressions=[a for a in node.args.values() if a])
    if isinstance(node, exp.Array):
        return exp.var("ARRAY[" + ", ".join(render(e) for e in node.expressions) + "]")
    if isinstance(node, (exp.JSONObject, exp.JSONObjectAgg)):
        return _json_object(node)
    if isinstance(node, exp.Interval):
        return with_leading_precision(node)
    if isinstance(node, exp.Kwarg) and isinstance(node.this, (exp.Var, exp.Identifier)):
        # a named argument is an identifier: quoted, `OFFSET => ...` parses in Flink
        node.set("this", exp.to_identifier(node.this.name, quoted=True))
    if isinstance(node, exp.StrPosition):
        return _position(node)
    if isinstance(node, exp.Trim):
        return _trim(node)
    return node


def _trim(node: exp.Trim) -> exp.Expr:
    """`TRIM(BOTH c FROM s)`: sqlglot writes `TRIM(s, c)`, which Flink refuses (its LTRIM /
    RTRIM, written for LEADING / TRAILING, take that form)."""
    chars = node.args.get("expression")
    position = str(node.args.get("position") or "BOTH").upper()
    if chars is None or position != "BOTH":
        return node
    return exp.var(f"TRIM(BOTH {render(chars)} FROM {render(node.this)})")


def _json_object(node: exp.JSONObject | exp.JSONObjectAgg) -> exp.Expr:
    """Flink's `JSON_OBJECT(KEY k VALUE v, ... [NULL|ABSENT ON NULL])` (sqlglot writes `k: v`)."""
    pairs = [
        f"KEY {render(p.this)} VALUE {render(p.expression)}"
        if isinstance(p, exp.JSONKeyValue)
        else render(p)
        for p in node.expressions
    ]
    on_null = str(node.args.get("null_handling") or "").upper()
    body = ", ".join(pairs)
    if on_null in ("NULL ON NULL", "ABSENT ON NULL"):
        body = f"{body} {on_null}".strip()
    name = "JSON_OBJECT" if isinstance(node, exp.JSONObject) else "JSON_OBJECTAGG"
    return exp.var(f"{name}({body})")


def _position(node: exp.StrPosition) -> exp.Expr:
    """`POSITION(a IN b)`; with a start position, Flink's equivalent `LOCATE(a, b, start)`."""
    start = node.args.get("position")
    if start is not None:
        args = [node.args["substr"], node.this, start]
        return exp.Anonymous(this="LOCATE", expressions=args)
    return exp.var(f"POSITION({render(node.args['substr'])} IN {render(node.this)})")


_SINGLE_UNITS = {
    unit: unit.rstrip("S") for unit in ("YEAR", "YEARS", "MONTH", "MONTHS", "DAY", "DAYS")
} | {unit: unit.rstrip("S") for unit in ("HOUR", "HOURS", "MINUTE", "MINUTES")}
_SINGLE_UNITS |= {"SECOND": "SECOND", "SECONDS": "SECOND"}
_DEFAULT_LEADING_PRECISION = 2


def with_leading_precision(node: exp.Interval) -> exp.Interval:
    """`INTERVAL '300' SECOND` -> `INTERVAL '300' SECOND(3)`.

    A single-field interval's leading precision defaults to 2 digits in Flink, so a value of 100
    or more is refused ("exceeds precision"); the precision written is the value's digit count.
    """
    unit = node.args.get("unit")
    value = node.this
    if not isinstance(unit, exp.Var) or not isinstance(value, exp.Literal) or not value.is_string:
        return node
    name = _SINGLE_UNITS.get(unit.name.upper())
    digits = len(value.name.strip().lstrip("+-").split(".")[0])
    if name is None or digits <= _DEFAULT_LEADING_PRECISION or not value.name.strip():
        return node
    return exp.Interval(this=value, unit=exp.var(f"{name}({digits})"))


_REWRITTEN: tuple[type[exp.Expr], ...] = (
    exp.Anonymous,
    exp.JSONObject,
    exp.JSONObjectAgg,
    exp.StrPosition,
    exp.Trim,
    exp.DataType,
    exp.Version,
    exp.Array,
    exp.Interval,
    exp.Kwarg,
    *_NO_PAREN,
    *_RENAMES,
)


def _anonymous(node: exp.Anonymous) -> exp.Expr:
    if not isinstance(node.args.get("this"), str):
        return node  # a quoted function name: generated quoted, never one of the markers below
    name = node.name
    if name.upper() == TABLE_ARG:
        target, *keys = node.expressions
        if isinstance(target, (exp.Column, exp.Dot, exp.Identifier)):  # a (dotted) name
            text = "TABLE " + generate(target)
        else:
            text = "TABLE " + render(target)
        if keys:
            text += " PARTITION BY (" + ", ".join(generate(k) for k in keys) + ")"
        return exp.var(text)
    real = name[len(VERBATIM_PREFIX) :] if name.startswith(VERBATIM_PREFIX) else name
    clause = json_clause(node)
    if clause is not None:  # `JSON_VALUE(s, '$.a' RETURNING INT)`: the clause without a comma
        given = ", ".join(render(a) for a in node.expressions[:-1])
        return exp.var(f"{real}({given} {clause})" if given else f"{real}({clause})")
    # changed in place: the walk then goes on into the arguments (a replaced node's are skipped)
    if name.startswith(VERBATIM_PREFIX) or real.upper() in UNIT_FIRST:
        node.set("this", real)
        args = node.expressions
        unit = args[0].name.upper() if args and isinstance(args[0], exp.Column) else ""
        if real.upper() in UNIT_FIRST and unit in TIME_UNITS:  # the keyword from the closed set
            args[0].replace(exp.var(unit))
    return node


def json_clause(node: exp.Anonymous) -> str | None:
    """The SQL/JSON clause text of a call whose last argument is the dialect's clause marker."""
    last = node.expressions[-1] if node.expressions else None
    if isinstance(last, exp.Anonymous) and last.name.upper() == JSON_CLAUSE:
        text = last.expressions[0] if last.expressions else None
        return str(text.this) if isinstance(text, exp.Literal) else None
    return None


def sql_type_of(node: exp.DataType) -> SqlType:
    """Convert a sqlglot DataType (from a CAST in user SQL) to a Flink type."""
    text = node.sql()  # sqlglot's canonical spelling, e.g. TEXT, TIMESTAMPLTZ(3), DECIMAL(10, 2)
    for candidate in (text, text.replace("STRUCT<", "ROW<")):
        try:
            return parse_type(candidate)
        except TypeSyntaxError:
            continue
    return SqlType(text.upper() or "STRING")  # not a Flink type: Flink itself will say so


def datatype_node(sql_type: SqlType) -> exp.DataType:
    return exp.DataType(this=exp.DType.USERDEFINED, kind=sql_type.sql(with_nullability=False))


__all__ = [
    "datatype_node",
    "json_clause",
    "quote_identifier",
    "render",
    "rewrite",
    "sql_type_of",
]
