"""Conduktor Gateway virtual topics: a model's analysed query as a `VirtualSqlTopicPlugin`
statement, or the construct the Gateway cannot run. Pure.

The Gateway's SQL topic subset (docs.conduktor.io, "SQL Topic" interceptor): `SELECT <fields> FROM
<topic> WHERE <filter>`; fields may be renamed (`price AS amount`) or be a CASE expression; the
filter is comparisons joined by AND only, with `= <> > >= < <=` and `REGEXP`; a topic whose
records carry a schema (Avro, Protobuf) can only be filtered (`SELECT *`), never projected,
since the records served must still match their schema. Anything else (OR, NOT, IS NULL, IN,
LIKE, CAST, COALESCE, arithmetic, functions) runs on Flink instead.

The statement is built as a tree from the analysed query (never from its text) and generated
with every identifier double-quoted (the Gateway's quoting for names such as `our-orders`);
the adapter sends it as it is.

Column masks (`security.policies: [{mask: ...}]`) of a virtual topic become a second rule, the
Gateway's field-level data masking interceptor over the virtual topic (docs.conduktor.io, "Data
masking": policies of fields with a rule MASK_ALL / MASK_FIRST_N / MASK_LAST_N). Only `redact`
maps to it (MASK_ALL: every character of the text replaced by `*`); `hash`, `tokenize`, `null`
and `partial` (all but the last four, a count that depends on the value) cannot be expressed,
so such a model stays a Flink job, as does one whose masked column is not text, one over an
Avro/Protobuf topic, and one that other models read (Flink reads a virtual topic's query over
the physical topic, which the interceptor does not mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from streamt.load.model import Model, Project
from streamt.resources import GatewayRuleSpec
from streamt.sql import Column

# How the statement is written: sqlglot's SQLite generator spells what the Gateway documents
# (double-quoted identifiers, `a REGEXP 'x'`, `<>`, quotes doubled in string literals).
STATEMENT_DIALECT = "sqlite"
# Value formats the Gateway decodes (plain JSON, or through the Schema Registry).
PLAIN = "json"
SCHEMA_FORMATS = frozenset({"avro-confluent", "protobuf-confluent"})

_COMPARISONS: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.EQ: exp.EQ,
    exp.NEQ: exp.NEQ,
    exp.GT: exp.GT,
    exp.GTE: exp.GTE,
    exp.LT: exp.LT,
    exp.LTE: exp.LTE,
}
_NAMES: dict[type[exp.Expr], str] = {
    exp.Or: "OR",
    exp.Not: "NOT",
    exp.Is: "IS NULL",
    exp.In: "IN",
    exp.Like: "LIKE",
    exp.ILike: "ILIKE",
    exp.Cast: "CAST",
    exp.TryCast: "TRY_CAST",
    exp.Coalesce: "COALESCE",
    exp.Null: "NULL",
    exp.Boolean: "a boolean literal",
    exp.Subquery: "a subquery",
    exp.Exists: "EXISTS",
    exp.Dot: "a nested field",
    exp.Bracket: "an element access",
}
_OPERATORS: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
    exp.DPipe: "||",
}


@dataclass(frozen=True)
class NotOnGateway:
    """Why a filter/projection over one topic cannot be a Gateway rule (names the construct)."""

    reason: str


class _Refused(Exception):
    def __init__(self, construct: str) -> None:
        super().__init__(construct)
        self.construct = construct


def construct_name(node: exp.Expr) -> str:
    """How a diagnostic names a construct of the query (`IS NOT NULL`, `function UPPER`)."""
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Is):
        return "IS NOT NULL"
    for kind, name in _NAMES.items():
        if isinstance(node, kind):
            return name
    if isinstance(node, exp.Func):
        return f"function {node.sql_name() if not isinstance(node, exp.Anonymous) else node.name}"
    if isinstance(node, exp.Binary):
        return f"operator {_OPERATORS.get(type(node), node.key.upper())}"
    return node.key.upper()


def virtual_topic_name(project: Project, model: Model) -> str:
    """`gateway.virtual_topic.name`, else the model's topic name, with the project's prefix."""
    options = model.gateway.virtual_topic if model.gateway else None
    if options is not None and options.name:
        return project.name_prefix + options.name
    return project.topic_of(model)


def masking_name(virtual: str) -> str:
    """The masking interceptor's name: the virtual topic's, suffixed."""
    return f"{virtual}-masking"


def masking_rule(
    model: Model,
    rule: GatewayRuleSpec,
    columns: Sequence[Column],
    value_format: str,
    *,
    read_by_models: bool,
) -> GatewayRuleSpec | NotOnGateway | None:
    """The data masking rule over the virtual topic of `rule` for the model's column masks,
    the reason the interceptor cannot express them, or None when nothing is masked."""
    masked = [p.mask for p in model.security.policies if p.mask is not None]
    if not masked:
        return None
    types = {c.name: c.type for c in columns}
    for mask in masked:
        if mask.method != "redact":
            return NotOnGateway(
                f"it masks '{mask.column}' with {mask.method}, which the Gateway's masking "
                "interceptor cannot express (it masks characters: MASK_ALL, MASK_FIRST_N, "
                "MASK_LAST_N)"
            )
        found = types.get(mask.column)
        if found is not None and not found.is_string:
            return NotOnGateway(
                f"it masks '{mask.column}' of type {found.sql()}; the Gateway masks text only"
            )
    if value_format != PLAIN:
        return NotOnGateway(f"it masks a topic in format {value_format} (plain JSON only)")
    if read_by_models:
        return NotOnGateway(
            "it masks columns and other models read it (Flink would read it unmasked)"
        )
    return GatewayRuleSpec(
        name=masking_name(rule.name),
        physical_topic=rule.name,
        masked_fields=tuple(dict.fromkeys(m.column for m in masked)),
        node=rule.node,
    )


def single_table_select(tree: exp.Expr | None) -> exp.Select | None:
    """`tree` when it is a plain SELECT over one table (no join, grouping, set operation,
    DISTINCT, ordering, limit or CTE), else None."""
    if not isinstance(tree, exp.Select) or tree.args.get("joins"):
        return None
    if any(tree.args.get(k) for k in ("group", "distinct", "order", "limit", "having", "with_")):
        return None
    from_ = tree.args.get("from_")
    if from_ is None or not isinstance(from_.this, exp.Table):
        return None
    return None if isinstance(from_.this.this, exp.Anonymous) else tree


def rule_for(
    tree: exp.Select, virtual: str, physical: str, value_format: str, node: str
) -> GatewayRuleSpec | NotOnGateway:
    """The Gateway rule for `tree`, a stateless SELECT over the single table `physical`."""
    if value_format != PLAIN and value_format not in SCHEMA_FORMATS:
        return NotOnGateway(f"the Gateway cannot read a topic in format {value_format}")
    try:
        _top_level_columns_only(tree)
        fields = _fields(tree, schema=value_format != PLAIN, fmt=value_format)
        where = tree.args.get("where")
        predicate = _predicate(where.this) if where is not None else None
    except _Refused as refused:
        return NotOnGateway(f"the Gateway's SQL cannot run {refused.construct}")
    table = exp.Table(this=exp.to_identifier(physical, quoted=True))
    statement = exp.select(*fields).from_(table)
    if predicate is not None:
        statement = statement.where(predicate)
    return GatewayRuleSpec(
        name=virtual,
        physical_topic=physical,
        where=_sql(predicate) if predicate is not None else "",
        columns=tuple(_sql(f) for f in fields) if not isinstance(fields[0], exp.Star) else (),
        node=node,
        statement=_sql(statement),
    )


def _top_level_columns_only(tree: exp.Select) -> None:
    """Refuse `payload.amount` (a field of a ROW column): the statement names top-level fields,
    and dropping the path would read another field."""
    table = tree.args["from_"].this
    own = {table.name, table.alias_or_name}
    for column in tree.find_all(exp.Column):
        parts = [p.name for p in column.parts]
        if len(parts) > 2 or (len(parts) == 2 and parts[0] not in own):
            raise _Refused(f"a nested field ({'.'.join(parts)})")


def _sql(tree: exp.Expr) -> str:
    return tree.sql(dialect=STATEMENT_DIALECT, identify=True)


def _fields(tree: exp.Select, *, schema: bool, fmt: str) -> list[exp.Expr]:
    items = tree.expressions
    if len(items) == 1 and isinstance(items[0], exp.Star):
        return [exp.Star()]
    if schema:
        raise _Refused(f"a projection (SELECT <columns>) of a topic in format {fmt}")
    return [_field(item) for item in items]


def _field(item: exp.Expr) -> exp.Expr:
    if isinstance(item, exp.Alias):
        value = _value(item.this, projection=True)
        if isinstance(value, exp.Column) and value.name == item.alias:
            return value
        return exp.alias_(value, exp.to_identifier(item.alias, quoted=True))
    if isinstance(item, exp.Star):
        raise _Refused("* next to other columns")
    return _value(item, projection=True)


def _value(node: exp.Expr, *, projection: bool = False) -> exp.Expr:
    if isinstance(node, exp.Column):
        return exp.column(exp.to_identifier(node.name, quoted=True))
    if isinstance(node, exp.Literal) and not projection:
        return exp.Literal(this=node.this, is_string=node.is_string)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not projection:
        return exp.Neg(this=_value(node.this))
    if isinstance(node, exp.Case) and projection and node.this is None:
        return exp.Case(
            ifs=[
                exp.If(this=_predicate(i.this), true=_result(i.args["true"]))
                for i in node.args["ifs"]
            ],
            default=_result(node.args["default"]) if node.args.get("default") else None,
        )
    if isinstance(node, exp.Literal):
        raise _Refused("a literal column")
    raise _Refused(construct_name(node))


def _result(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Literal):
        return exp.Literal(this=node.this, is_string=node.is_string)
    return _value(node)


def _predicate(node: exp.Expr) -> exp.Expr:
    """AND of comparisons and REGEXPs; BETWEEN as its two comparisons (the same rows)."""
    if isinstance(node, exp.Paren):  # only AND below: grouping changes nothing
        return _predicate(node.this)
    if isinstance(node, exp.And):  # built as And nodes: and_() would parenthesise them
        return exp.And(this=_predicate(node.this), expression=_predicate(node.expression))
    if isinstance(node, exp.Between):
        subject = _value(node.this)
        low = exp.GTE(this=subject, expression=_value(node.args["low"]))
        high = exp.LTE(this=subject.copy(), expression=_value(node.args["high"]))
        return exp.And(this=low, expression=high)
    comparison = _COMPARISONS.get(type(node))
    if comparison is not None and isinstance(node, exp.Binary):
        sides = (node.this, node.expression)
        for side in sides:
            if not isinstance(side, exp.Column | exp.Literal | exp.Neg):
                raise _Refused(construct_name(side))
        if sum(isinstance(s, exp.Column) for s in sides) != 1:
            raise _Refused("a comparison that is not between a column and a value")
        return comparison(this=_value(node.this), expression=_value(node.expression))
    if _is_regexp(node):
        subject, pattern = _regexp_args(node)
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise _Refused("REGEXP with a pattern that is not a string literal")
        return exp.RegexpLike(this=_value(subject), expression=_value(pattern))
    raise _Refused(construct_name(node))


def _is_regexp(node: exp.Expr) -> bool:
    if isinstance(node, exp.RegexpLike):
        return True
    return isinstance(node, exp.Anonymous) and node.name.upper() == "REGEXP"


def _regexp_args(node: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    if isinstance(node, exp.RegexpLike):
        return node.this, node.expression
    args = node.expressions
    if len(args) != 2:
        raise _Refused("REGEXP with other than two arguments")
    return args[0], args[1]
