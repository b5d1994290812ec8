"""Function return types as data: every Flink 2.2 built-in -> a rule computing the result type.

A rule is either a fixed `SqlType` or one of the named strategies below applied to the argument
types. The tables are by kind: scalars, aggregates (they make a query stateful), window-only
functions (ranking and offsets, used with OVER), and table-valued functions. A name in none of
them is not a Flink built-in: the analyser reports it (S030) unless the project declares it as a
user-defined function. The rules are checked against the planner's DESCRIBE of a probe query per
function (tests/integration/test_builtin_types_flink.py). No I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from streamt.sql.types import (
    BIGINT,
    BOOLEAN,
    BYTES_T,
    DATE,
    DOUBLE,
    INT,
    STRING,
    TIMESTAMP3,
    TIMESTAMP_LTZ3,
    SqlType,
    common_type,
    t,
)

Rule = Callable[[Sequence[SqlType]], SqlType]


def _fixed(result: SqlType) -> Rule:
    """`result`, nullable when any argument is (NOT NULL for no arguments)."""

    def rule(args: Sequence[SqlType]) -> SqlType:
        return result.with_nullable(any(a.nullable for a in args) if args else False)

    return rule


def _nullable(result: SqlType) -> Rule:
    def rule(args: Sequence[SqlType]) -> SqlType:
        return result.with_nullable(True)

    return rule


def _not_null(result: SqlType) -> Rule:
    def rule(args: Sequence[SqlType]) -> SqlType:
        return result.with_nullable(False)

    return rule


def _arg0(args: Sequence[SqlType]) -> SqlType:
    return args[0] if args else STRING


def _arg0_nullable(args: Sequence[SqlType]) -> SqlType:
    return _arg0(args).with_nullable(True)


def _arg0_args_nullable(args: Sequence[SqlType]) -> SqlType:
    return _arg0(args).with_nullable(any(a.nullable for a in args))


def _common(args: Sequence[SqlType]) -> SqlType:
    return common_type(list(args))


def _coalesce(args: Sequence[SqlType]) -> SqlType:
    merged = common_type(list(args))
    return merged.with_nullable(all(a.nullable for a in args))


def _ifnull(args: Sequence[SqlType]) -> SqlType:
    """Common type, nullable only when the replacement is."""
    merged = common_type(list(args))
    return merged.with_nullable(args[-1].nullable if args else True)


def _if(args: Sequence[SqlType]) -> SqlType:
    """IF(cond, a, b): the branches' common type, nullable when any argument is."""
    if len(args) < 2:
        return STRING
    return common_type(list(args[1:])).with_nullable(any(a.nullable for a in args))


def _decimal_scale(arg: SqlType) -> int:
    return arg.params[1] if len(arg.params) > 1 else 0


def _sum(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    if arg.name == "DECIMAL":
        return SqlType("DECIMAL", (38, _decimal_scale(arg)), nullable=arg.nullable)
    return arg if arg.is_numeric else DOUBLE


def _avg(args: Sequence[SqlType]) -> SqlType:
    """AVG, STDDEV_*, VAR_*: the argument's type; DECIMAL(38, max(6, s))."""
    arg = _arg0(args)
    if arg.name == "DECIMAL":
        return SqlType("DECIMAL", (38, max(6, _decimal_scale(arg))), nullable=arg.nullable)
    return arg if arg.is_numeric else DOUBLE


def _floor_ceil(args: Sequence[SqlType]) -> SqlType:
    """CEIL / FLOOR of a number: DECIMAL(p, s) -> DECIMAL(p, 0); others keep their type."""
    arg = _arg0(args)
    if arg.name == "DECIMAL":
        return SqlType("DECIMAL", (arg.params[0] if arg.params else 10, 0), nullable=arg.nullable)
    return arg


def _mod(args: Sequence[SqlType]) -> SqlType:
    return args[-1].with_nullable(any(a.nullable for a in args)) if args else INT


def _array_of_arg0(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    return SqlType("ARRAY", children=(arg,), nullable=arg.nullable)


def _element(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    return arg.children[0].with_nullable(True) if arg.children else STRING


def _child(arg: SqlType, index: int) -> SqlType:
    return arg.children[index] if len(arg.children) > index else STRING


def _map_keys(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    return SqlType("ARRAY", children=(_child(arg, 0),), nullable=arg.nullable)


def _map_values(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    return SqlType("ARRAY", children=(_child(arg, 1),), nullable=arg.nullable)


def _map_entries(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    entry = SqlType("ROW", children=(_child(arg, 0), _child(arg, 1)), fields=("key", "value"))
    return SqlType("ARRAY", children=(entry,), nullable=arg.nullable)


def _map_from_arrays(args: Sequence[SqlType]) -> SqlType:
    keys, values = (args[0], args[1]) if len(args) > 1 else (_arg0(args), _arg0(args))
    children = (_child(keys, 0), _child(values, 0))
    return SqlType("MAP", children=children, nullable=keys.nullable or values.nullable)


def _percentile(args: Sequence[SqlType]) -> SqlType:
    """PERCENTILE(x, p): DOUBLE; ARRAY<DOUBLE> when p is an array of percentages."""
    if len(args) > 1 and args[1].name == "ARRAY":
        return SqlType("ARRAY", children=(DOUBLE,))
    return DOUBLE


def _offset(args: Sequence[SqlType]) -> SqlType:
    """LAG / LEAD: the value's type; nullable unless a NOT NULL default is given."""
    value = _arg0(args)
    return value.with_nullable(args[2].nullable if len(args) > 2 else True)


_DOUBLE = _fixed(DOUBLE)
_STRING = _fixed(STRING)
_INT = _fixed(INT)
_BIGINT = _fixed(BIGINT)
_BOOLEAN = _fixed(BOOLEAN)
_STRINGS = _fixed(t("ARRAY<STRING>"))

AGGREGATES: dict[str, Rule] = {
    "COUNT": lambda args: BIGINT.with_nullable(False),
    "SUM": _sum,
    "SUM0": _sum,
    "AVG": _avg,
    "MIN": _arg0,
    "MAX": _arg0,
    "FIRST_VALUE": _arg0,
    "LAST_VALUE": _arg0,
    "LISTAGG": _STRING,
    "COLLECT": lambda args: SqlType("MULTISET", children=(_arg0(args),), nullable=False),
    "ARRAY_AGG": _array_of_arg0,
    "STDDEV_POP": _avg,
    "STDDEV_SAMP": _avg,
    "STDDEV": _avg,
    "VAR_POP": _avg,
    "VAR_SAMP": _avg,
    "VARIANCE": _avg,
    "APPROX_COUNT_DISTINCT": lambda args: BIGINT.with_nullable(False),
    "PERCENTILE": _percentile,
    "JSON_OBJECTAGG": _not_null(t("VARCHAR(2000)")),
    "JSON_ARRAYAGG": _not_null(t("VARCHAR(2000)")),
}

RANKING: dict[str, Rule] = {
    "ROW_NUMBER": lambda args: BIGINT.with_nullable(False),
    "RANK": lambda args: BIGINT.with_nullable(False),
    "DENSE_RANK": lambda args: BIGINT.with_nullable(False),
    "PERCENT_RANK": lambda args: DOUBLE.with_nullable(False),
    "CUME_DIST": lambda args: DOUBLE.with_nullable(False),
    "NTILE": lambda args: BIGINT.with_nullable(False),
    "LAG": _offset,
    "LEAD": _offset,
}

SCALARS: dict[str, Rule] = {
    # conditional
    "COALESCE": _coalesce,
    "IFNULL": _ifnull,
    "NULLIF": _arg0_nullable,
    "GREATEST": _common,
    "LEAST": _common,
    "IF": _if,
    "IS_ALPHA": _not_null(BOOLEAN),
    "IS_DECIMAL": _not_null(BOOLEAN),
    "IS_DIGIT": _not_null(BOOLEAN),
    # arithmetic
    "ABS": _arg0,
    "SIGN": _arg0,
    "CEIL": _floor_ceil,
    "CEILING": _floor_ceil,
    "FLOOR": _floor_ceil,
    "ROUND": _arg0,  # digits given as a literal: see ExprTyper (DECIMAL scale)
    "TRUNCATE": _arg0,  # likewise
    "MOD": _mod,
    **{
        name: _DOUBLE
        for name in (
            "POWER",
            "SQRT",
            "LN",
            "LOG",
            "LOG10",
            "LOG2",
            "EXP",
            "SIN",
            "COS",
            "TAN",
            "COT",
            "ASIN",
            "ACOS",
            "ATAN",
            "ATAN2",
            "SINH",
            "COSH",
            "TANH",
            "DEGREES",
            "RADIANS",
            "PI",
            "E",
            "RAND",
        )
    },
    "RAND_INTEGER": _INT,
    "UUID": _fixed(SqlType("CHAR", (36,), nullable=False)),
    "BIN": _STRING,
    "HEX": _STRING,
    # strings
    **{
        name: _STRING
        for name in (
            "UPPER",
            "LOWER",
            "TRIM",
            "LTRIM",
            "RTRIM",
            "BTRIM",
            "CONCAT",
            "CONCAT_WS",
            "REPLACE",
            "REGEXP_REPLACE",
            "LPAD",
            "RPAD",
            "INITCAP",
            "REPEAT",
            "OVERLAY",
            "FROM_BASE64",
            "TO_BASE64",
            "DECODE",
            "TRANSLATE",
            "JSON_STRING",
            "JSON_QUOTE",
            "JSON_UNQUOTE",
            "JSON",
        )
    },
    "REGEXP_EXTRACT": _nullable(STRING),
    "SPLIT_INDEX": _nullable(STRING),
    "SPLIT": _STRINGS,
    "REGEXP": _BOOLEAN,
    "STARTSWITH": _BOOLEAN,
    "ENDSWITH": _BOOLEAN,
    "ENCODE": _fixed(BYTES_T),
    "MD5": _fixed(SqlType("CHAR", (32,))),
    "SHA1": _fixed(SqlType("CHAR", (40,))),
    "SHA224": _fixed(SqlType("CHAR", (56,))),
    "SHA256": _fixed(SqlType("CHAR", (64,))),
    "SHA384": _fixed(SqlType("CHAR", (96,))),
    "SHA512": _fixed(SqlType("CHAR", (128,))),
    "SHA2": _fixed(t("VARCHAR(128)")),
    **{
        name: _INT
        for name in (
            "CHAR_LENGTH",
            "CHARACTER_LENGTH",
            "LENGTH",
            "POSITION",
            "LOCATE",
            "INSTR",
            "ASCII",
            "HASH_CODE",
            "CARDINALITY",
            "TIMESTAMPDIFF",
        )
    },
    # nullable whatever the arguments (NULL when the input does not parse or match)
    "UNHEX": _nullable(BYTES_T),
    "SUBSTRING": _nullable(STRING),
    "SUBSTR": _nullable(STRING),
    "REGEXP_EXTRACT_ALL": _nullable(t("ARRAY<STRING>")),
    "REGEXP_COUNT": _nullable(INT),
    "REGEXP_INSTR": _nullable(INT),
    "REGEXP_SUBSTR": _nullable(STRING),
    "CHR": _nullable(STRING),
    "LEFT": _nullable(STRING),
    "RIGHT": _nullable(STRING),
    "PARSE_URL": _nullable(STRING),
    "REVERSE": _nullable(STRING),
    "STR_TO_MAP": _nullable(t("MAP<STRING, STRING>")),
    "ELT": _nullable(STRING),
    "PRINTF": _nullable(STRING),
    "URL_DECODE": _nullable(STRING),
    "URL_ENCODE": _nullable(STRING),
    "DATE_FORMAT": _nullable(STRING),
    "FROM_UNIXTIME": _nullable(STRING),
    "CONVERT_TZ": _nullable(STRING),
    "TO_DATE": _nullable(DATE),
    "TO_TIMESTAMP_LTZ": _nullable(TIMESTAMP_LTZ3),
    "TO_TIMESTAMP": _nullable(TIMESTAMP3),
    "TYPEOF": _nullable(STRING),
    "JSON_EXISTS": _nullable(BOOLEAN),
    # JSON
    "JSON_VALUE": _nullable(STRING),
    "JSON_QUERY": _nullable(STRING),
    "JSON_OBJECT": _not_null(STRING),
    "JSON_ARRAY": _not_null(STRING),
    "PARSE_JSON": _fixed(SqlType("VARIANT")),
    "TRY_PARSE_JSON": _nullable(SqlType("VARIANT")),
    # collections
    "ELEMENT": _element,
    **{
        name: _arg0_args_nullable
        for name in (
            "ARRAY_APPEND",
            "ARRAY_PREPEND",
            "ARRAY_CONCAT",
            "ARRAY_DISTINCT",
            "ARRAY_EXCEPT",
            "ARRAY_INTERSECT",
            "ARRAY_REMOVE",
            "ARRAY_REVERSE",
            "ARRAY_SLICE",
            "ARRAY_SORT",
            "ARRAY_UNION",
            "MAP_UNION",
        )
    },
    "ARRAY_CONTAINS": _BOOLEAN,
    "ARRAY_POSITION": _INT,
    "ARRAY_JOIN": _STRING,
    "ARRAY_MAX": _element,
    "ARRAY_MIN": _element,
    "MAP_KEYS": _map_keys,
    "MAP_VALUES": _map_values,
    "MAP_ENTRIES": _map_entries,
    "MAP_FROM_ARRAYS": _map_from_arrays,
    # time
    **{
        name: _BIGINT
        for name in (
            "DAYOFWEEK",
            "DAYOFMONTH",
            "DAYOFYEAR",
            "HOUR",
            "MINUTE",
            "SECOND",
            "YEAR",
            "MONTH",
            "WEEK",
            "QUARTER",
            "EXTRACT",
            "UNIX_TIMESTAMP",
        )
    },
    "TIMESTAMPADD": lambda args: args[-1] if args else TIMESTAMP3,
    "CURRENT_WATERMARK": lambda args: _arg0(args).with_nullable(True),
    "PROCTIME": _not_null(TIMESTAMP_LTZ3),
    "NOW": _not_null(TIMESTAMP_LTZ3),
    "CURRENT_TIMESTAMP": _not_null(TIMESTAMP_LTZ3),
    "CURRENT_ROW_TIMESTAMP": _not_null(TIMESTAMP_LTZ3),
    "LOCALTIMESTAMP": _not_null(TIMESTAMP3),
    "CURRENT_DATE": _not_null(DATE),
    "CURRENT_TIME": _not_null(t("TIME(0)")),
    "LOCALTIME": _not_null(t("TIME(0)")),
    "CURRENT_DATABASE": _not_null(STRING),
}

# Legacy group-window auxiliary functions -> (result type, is it a rowtime attribute).
GROUP_WINDOW_AUX: dict[str, tuple[SqlType, bool]] = {
    f"{w}_{part}": (
        TIMESTAMP_LTZ3 if part == "PROCTIME" else TIMESTAMP3,
        part == "ROWTIME",
    )
    for w in ("TUMBLE", "HOP", "SESSION", "CUMULATE")
    for part in ("START", "END", "ROWTIME", "PROCTIME")
}
GROUP_WINDOWS = frozenset({"TUMBLE", "HOP", "SESSION", "CUMULATE"})
WINDOW_TVFS = frozenset({"TUMBLE", "HOP", "SESSION", "CUMULATE"})
ML_FUNCTIONS = frozenset({"ML_PREDICT", "ML_EVALUATE"})
# MATCH_RECOGNIZE's navigation and match functions (valid only in MEASURES / DEFINE).
MATCH_RECOGNIZE: dict[str, Rule] = {
    "PREV": _arg0_nullable,
    "NEXT": _arg0_nullable,
    "FIRST": _arg0_nullable,
    "LAST": _arg0_nullable,
    "CLASSIFIER": _not_null(STRING),
    "MATCH_ROWTIME": _not_null(TIMESTAMP3),
    "MATCH_PROCTIME": _not_null(TIMESTAMP_LTZ3),
}
# Calls that are SQL syntax rather than catalog functions (typed by the analyser itself).
SYNTAX = frozenset(
    {"CAST", "TRY_CAST", "CASE", "ARRAY", "MAP", "ROW", "UNNEST", "DESCRIPTOR", "TABLE", "GROUPING",
     "GROUPING_ID", "GROUP_ID", "SOURCE_WATERMARK", "EXISTS", "ANY", "ALL", "SOME"}
)  # fmt: skip
BUILTINS = frozenset(
    AGGREGATES.keys()
    | RANKING.keys()
    | SCALARS.keys()
    | MATCH_RECOGNIZE.keys()
    | GROUP_WINDOW_AUX.keys()
    | GROUP_WINDOWS
    | ML_FUNCTIONS
    | SYNTAX
)
