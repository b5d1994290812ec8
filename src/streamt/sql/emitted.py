"""Every token the generator writes without quoting comes from a closed set.

The generator quotes identifiers and string literals itself; what it writes verbatim is the text
of `Var` nodes (units, keywords), function names, numbers, type names and query hints.
`emitted_token_problems(tree)` checks each of them in a user's query before it is rewritten and
generated, so that the query Flink gets is the query streamt analysed:

* a `Var` and an unquoted function name are one SQL word (letters, digits, `_`, `$`);
* the unit of TIMESTAMPDIFF / TIMESTAMPADD is one of `TIME_UNITS`, written unquoted; that of
  EXTRACT and FLOOR / CEIL ... TO one of `DATETIME_UNITS`;
* a number is a number; a type not known to sqlglot is a Flink type (`parse_type`);
* a query hint names one of Flink's query hints (`QUERY_HINTS`);
* a function name may not use the prefixes streamt's tokenizer reserves for itself.

Problems come back as (node, message, hint); the caller places them. No I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from streamt.sql.dialect import RESERVED_PREFIX, VERBATIM_PREFIX
from streamt.sql.types import TypeSyntaxError, parse_type

TIME_UNITS = frozenset(
    {
        "NANOSECOND",
        "MICROSECOND",
        "MILLISECOND",
        "SECOND",
        "MINUTE",
        "HOUR",
        "DAY",
        "WEEK",
        "MONTH",
        "QUARTER",
        "YEAR",
    }
)
# EXTRACT(unit FROM t) and FLOOR / CEIL(t TO unit) take Calcite's time units (the Flink 2.2
# planner accepts each of these, and refuses any other word)
DATETIME_UNITS = TIME_UNITS | {
    "MILLENNIUM",
    "CENTURY",
    "DECADE",
    "ISOYEAR",
    "DOY",
    "DOW",
    "ISODOW",
    "EPOCH",
}
UNIT_FIRST = frozenset({"TIMESTAMPDIFF", "TIMESTAMPADD"})
# Flink 2.x query hints (table hints such as OPTIONS are refused by the tokenizer)
QUERY_HINTS = frozenset(
    {"BROADCAST", "SHUFFLE_HASH", "SHUFFLE_MERGE", "NEST_LOOP", "LOOKUP", "STATE_TTL"}
)
_WORD_EXTRA = frozenset("_$")
_NUMBER_CHARS = frozenset("0123456789.eE+-")

Problem = tuple[exp.Expr, str, str]


def is_word(text: str) -> bool:
    """One unquoted SQL word: ASCII letters, digits, `_` and `$`, not starting with a digit."""
    return (
        bool(text)
        and text.isascii()
        and not text[0].isdigit()
        and all(ch.isalnum() or ch in _WORD_EXTRA for ch in text)
    )


def emitted_token_problems(tree: exp.Expr) -> list[Problem]:
    out: list[Problem] = []
    for node in tree.walk():
        check = _CHECKS.get(type(node))
        if check is not None:
            check(node, out)
        elif isinstance(node, exp.Func) and type(node).__name__ in _SQLGLOT_UNIT_FUNCS:
            _unit_arg(node, node.args.get("unit"), out)
    return out


def _var(node: exp.Expr, out: list[Problem]) -> None:
    if isinstance(node.parent, exp.MatchRecognize):
        _match_clause(node, out)
        return
    parent = node.parent
    if (isinstance(parent, exp.Extract) and node.arg_key == "this") or (
        isinstance(parent, (exp.Floor, exp.Ceil)) and node.arg_key == "to"
    ):
        if node.name.upper() not in DATETIME_UNITS:
            fn = "EXTRACT" if isinstance(parent, exp.Extract) else type(parent).__name__.upper()
            out.append(
                (
                    parent,  # a unit word carries no position: its call does
                    f"the unit of {fn} must be a time unit, got {node.name}",
                    "write one of " + ", ".join(sorted(DATETIME_UNITS)),
                )
            )
        return
    if not is_word(node.name):
        out.append((node, f"{node.name!r} is not a SQL keyword", _KEYWORD_HINT))


# MATCH_RECOGNIZE clauses sqlglot keeps as text: the output mode, the after-match strategy (a
# pattern variable may end it) and the pattern (variables and Flink's quantifiers)
_MATCH_ROWS = frozenset({"ONE ROW PER MATCH"})
_MATCH_AFTER = ("AFTER MATCH SKIP PAST LAST ROW", "AFTER MATCH SKIP TO NEXT ROW")
_MATCH_AFTER_VARIABLE = ("AFTER MATCH SKIP TO FIRST ", "AFTER MATCH SKIP TO LAST ")
_PATTERN_CHARS = frozenset(" \t\n+*?{},()|")


def _match_clause(node: exp.Expr, out: list[Problem]) -> None:
    text = " ".join(node.name.split())
    key = node.arg_key
    if key == "rows":
        ok = text.upper() in _MATCH_ROWS
    elif key == "after":
        upper = text.upper()
        variable = next((p for p in _MATCH_AFTER_VARIABLE if upper.startswith(p)), None)
        ok = upper in _MATCH_AFTER or (variable is not None and is_word(text[len(variable) :]))
    else:  # the pattern
        words = "".join(" " if ch in _PATTERN_CHARS or ch.isdigit() else ch for ch in node.name)
        ok = bool(words.split()) and all(is_word(w) for w in words.split())
        ok = ok and all(ch.isascii() for ch in node.name)
    if not ok:
        out.append(
            (node, f"MATCH_RECOGNIZE clause {text!r} is not one Flink supports", _MATCH_HINT)
        )


_MATCH_HINT = (
    "ONE ROW PER MATCH; AFTER MATCH SKIP PAST LAST ROW / TO NEXT ROW / TO FIRST v / TO LAST v; "
    "PATTERN of variables with quantifiers * + ? {n} {n,} {n,m} {,m}"
)


def _literal(node: exp.Expr, out: list[Problem]) -> None:
    assert isinstance(node, exp.Literal)
    text = str(node.this)
    if not node.is_string and not (text and set(text) <= _NUMBER_CHARS):
        out.append((node, f"{text!r} is not a number", "write numbers with digits"))


def _datatype(node: exp.Expr, out: list[Problem]) -> None:
    """A type (not a part of one) is one Flink accepts, parameters in range: it is rewritten
    from its parsed `SqlType`, and an unknown name would otherwise be written verbatim."""
    if isinstance(node.parent, (exp.DataType, exp.DataTypeParam, exp.ColumnDef)):
        return
    user = node.this is exp.DType.USERDEFINED
    text = str(node.args.get("kind") or "") if user else node.sql()
    error = ""
    for candidate in (text, text.replace("STRUCT<", "ROW<")):
        try:
            parse_type(candidate)
            return
        except TypeSyntaxError as err:
            error = error or str(err)
    message = f"{text!r} is not a Flink data type" if user else error
    out.append((node, message, _TYPE_HINT))


def _anonymous(node: exp.Expr, out: list[Problem]) -> None:
    this = node.args.get("this")
    name = this.name if isinstance(this, exp.Identifier) else str(this)
    if isinstance(this, exp.Identifier) and name.upper().startswith(RESERVED_PREFIX):
        out.append((node, f"function name {name!r} uses a prefix streamt reserves", ""))
        return
    if not isinstance(this, exp.Identifier) and not is_word(name):
        out.append((node, f"{name!r} is not a function name", _KEYWORD_HINT))
        return
    real = name[len(VERBATIM_PREFIX) :] if name.startswith(VERBATIM_PREFIX) else name
    if real.upper() in UNIT_FIRST and not isinstance(this, exp.Identifier):
        expressions = node.expressions
        _unit_arg(node, expressions[0] if expressions else None, out)


def _unit_arg(call: exp.Expr, unit: object, out: list[Problem]) -> None:
    name = ""
    if isinstance(unit, exp.Column) and not unit.table and not unit.this.quoted:
        name = unit.name
    if isinstance(unit, exp.Var):
        name = unit.name
    if name.upper() not in TIME_UNITS:
        shown = unit.sql() if isinstance(unit, exp.Expr) else "nothing"
        out.append(
            (
                unit if isinstance(unit, exp.Expr) else call,
                f"the unit of {_call_name(call)} must be a time unit, got {shown}",
                "write one of " + ", ".join(sorted(TIME_UNITS)) + " (unquoted)",
            )
        )


def _hint(node: exp.Expr, out: list[Problem]) -> None:
    for item in node.expressions:
        name = item.name if isinstance(item, (exp.Anonymous, exp.Var)) else ""
        if name.upper() not in QUERY_HINTS:
            out.append(
                (
                    node,
                    f"query hint {item.sql()!r} is not a Flink query hint streamt passes on",
                    "known hints: " + ", ".join(sorted(QUERY_HINTS)),
                )
            )


def _call_name(call: exp.Expr) -> str:
    name = call.name if isinstance(call, exp.Anonymous) else type(call).__name__
    return (name[len(VERBATIM_PREFIX) :] if name.startswith(VERBATIM_PREFIX) else name).upper()


_KEYWORD_HINT = "quote names with backticks; keywords are written bare"
_TYPE_HINT = "use a Flink type, e.g. STRING, BIGINT, DECIMAL(10, 2), TIMESTAMP(3)"
_SQLGLOT_UNIT_FUNCS = frozenset({"TimestampDiff", "TimestampAdd"})
_CHECKS: dict[type[exp.Expr], Callable[[exp.Expr, list[Problem]], None]] = {
    exp.Var: _var,
    exp.Literal: _literal,
    exp.DataType: _datatype,
    exp.Anonymous: _anonymous,
    exp.Hint: _hint,
}
