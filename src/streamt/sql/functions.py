"""Function return types as data: Flink built-ins -> a rule computing the result type.

A rule is either a fixed `SqlType` or one of the named strategies below applied to the argument
types. Aggregates and window functions are listed separately (they make a query stateful).
No I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from streamt.sql.types import (
    BIGINT,
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
    def rule(args: Sequence[SqlType]) -> SqlType:
        return result.with_nullable(any(a.nullable for a in args) if args else False)

    return rule


def _nullable(result: SqlType) -> Rule:
    def rule(args: Sequence[SqlType]) -> SqlType:
        return result.with_nullable(True)

    return rule


def _arg0(args: Sequence[SqlType]) -> SqlType:
    return args[0] if args else STRING


def _arg0_nullable(args: Sequence[SqlType]) -> SqlType:
    return _arg0(args).with_nullable(True)


def _common(args: Sequence[SqlType]) -> SqlType:
    return common_type(list(args))


def _coalesce(args: Sequence[SqlType]) -> SqlType:
    merged = common_type(list(args))
    return merged.with_nullable(all(a.nullable for a in args))


def _sum(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    if arg.name == "DECIMAL":
        return SqlType(
            "DECIMAL", (38, arg.params[1] if len(arg.params) > 1 else 0), nullable=arg.nullable
        )
    return arg if arg.is_numeric else DOUBLE


def _avg(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    if arg.name == "DECIMAL":
        scale = arg.params[1] if len(arg.params) > 1 else 0
        return SqlType("DECIMAL", (38, max(6, scale)), nullable=arg.nullable)
    return arg if arg.is_numeric else DOUBLE


def _numeric_arg0(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    return arg.with_nullable(True) if arg.is_numeric else DOUBLE


def _array_of_arg0(args: Sequence[SqlType]) -> SqlType:
    return SqlType("ARRAY", children=(_arg0(args),), nullable=False)


def _element(args: Sequence[SqlType]) -> SqlType:
    arg = _arg0(args)
    return arg.children[0].with_nullable(True) if arg.children else STRING


AGGREGATES: dict[str, Rule] = {
    "COUNT": lambda args: BIGINT.with_nullable(False),
    "SUM": _sum,
    "SUM0": _sum,
    "AVG": _avg,
    "MIN": _arg0,
    "MAX": _arg0,
    "FIRST_VALUE": _arg0_nullable,
    "LAST_VALUE": _arg0_nullable,
    "LISTAGG": lambda args: STRING,
    "COLLECT": lambda args: SqlType("MULTISET", children=(_arg0(args),), nullable=False),
    "ARRAY_AGG": _array_of_arg0,
    "STDDEV_POP": _numeric_arg0,
    "STDDEV_SAMP": _numeric_arg0,
    "STDDEV": _numeric_arg0,
    "VAR_POP": _numeric_arg0,
    "VAR_SAMP": _numeric_arg0,
    "VARIANCE": _numeric_arg0,
    "APPROX_COUNT_DISTINCT": lambda args: BIGINT.with_nullable(False),
}

RANKING: dict[str, Rule] = {
    "ROW_NUMBER": lambda args: BIGINT.with_nullable(False),
    "RANK": lambda args: BIGINT.with_nullable(False),
    "DENSE_RANK": lambda args: BIGINT.with_nullable(False),
    "PERCENT_RANK": lambda args: DOUBLE.with_nullable(False),
    "CUME_DIST": lambda args: DOUBLE.with_nullable(False),
    "NTILE": lambda args: BIGINT.with_nullable(False),
    "LAG": _arg0_nullable,
    "LEAD": _arg0_nullable,
}

SCALARS: dict[str, Rule] = {
    "COALESCE": _coalesce,
    "IFNULL": _coalesce,
    "NULLIF": _arg0_nullable,
    "GREATEST": _common,
    "LEAST": _common,
    "IF": lambda args: common_type(list(args[1:])) if len(args) > 1 else STRING,
    "ABS": _arg0,
    "CEIL": _arg0,
    "CEILING": _arg0,
    "FLOOR": _arg0,
    "ROUND": _arg0,
    "TRUNCATE": _arg0,
    "MOD": lambda args: args[-1].with_nullable(any(a.nullable for a in args)) if args else INT,
    "POWER": _fixed(DOUBLE),
    "SQRT": _fixed(DOUBLE),
    "LN": _fixed(DOUBLE),
    "LOG10": _fixed(DOUBLE),
    "LOG2": _fixed(DOUBLE),
    "EXP": _fixed(DOUBLE),
    "RAND": _fixed(DOUBLE.with_nullable(False)),
    "UPPER": _fixed(STRING),
    "LOWER": _fixed(STRING),
    "TRIM": _fixed(STRING),
    "LTRIM": _fixed(STRING),
    "RTRIM": _fixed(STRING),
    "CONCAT": _fixed(STRING),
    "CONCAT_WS": _fixed(STRING),
    "SUBSTRING": _fixed(STRING),
    "SUBSTR": _fixed(STRING),
    "REPLACE": _fixed(STRING),
    "REGEXP_REPLACE": _fixed(STRING),
    "REGEXP_EXTRACT": _nullable(STRING),
    "LPAD": _fixed(STRING),
    "RPAD": _fixed(STRING),
    "INITCAP": _fixed(STRING),
    "MD5": _fixed(SqlType("CHAR", (32,))),
    "SHA1": _fixed(SqlType("CHAR", (40,))),
    "SHA256": _fixed(SqlType("CHAR", (64,))),
    "SPLIT_INDEX": _nullable(STRING),
    "DATE_FORMAT": _fixed(STRING),
    "JSON_VALUE": _nullable(STRING),
    "JSON_QUERY": _nullable(STRING),
    "UUID": _fixed(SqlType("CHAR", (36,), nullable=False)),
    "CHAR_LENGTH": _fixed(INT),
    "CHARACTER_LENGTH": _fixed(INT),
    "LENGTH": _fixed(INT),
    "POSITION": _fixed(INT),
    "LOCATE": _fixed(INT),
    "HASH_CODE": _fixed(INT),
    "CARDINALITY": _fixed(INT),
    "ELEMENT": _element,
    "DAYOFWEEK": _fixed(BIGINT),
    "DAYOFMONTH": _fixed(BIGINT),
    "DAYOFYEAR": _fixed(BIGINT),
    "HOUR": _fixed(BIGINT),
    "MINUTE": _fixed(BIGINT),
    "SECOND": _fixed(BIGINT),
    "YEAR": _fixed(BIGINT),
    "MONTH": _fixed(BIGINT),
    "WEEK": _fixed(BIGINT),
    "QUARTER": _fixed(BIGINT),
    "EXTRACT": _fixed(BIGINT),
    "TIMESTAMPDIFF": _fixed(INT),
    "TIMESTAMPADD": lambda args: args[-1] if args else TIMESTAMP3,
    "UNIX_TIMESTAMP": _fixed(BIGINT),
    "FROM_UNIXTIME": _fixed(STRING),
    "TO_TIMESTAMP": _nullable(TIMESTAMP3),
    "TO_TIMESTAMP_LTZ": _nullable(TIMESTAMP_LTZ3),
    "TO_DATE": _nullable(DATE),
    "CURRENT_WATERMARK": lambda args: _arg0(args).with_nullable(True),
    "PROCTIME": _fixed(TIMESTAMP_LTZ3.with_nullable(False)),
    "NOW": _fixed(TIMESTAMP_LTZ3.with_nullable(False)),
    "CURRENT_TIMESTAMP": _fixed(TIMESTAMP_LTZ3.with_nullable(False)),
    "CURRENT_ROW_TIMESTAMP": _fixed(TIMESTAMP_LTZ3.with_nullable(False)),
    "LOCALTIMESTAMP": _fixed(TIMESTAMP3.with_nullable(False)),
    "CURRENT_DATE": _fixed(DATE.with_nullable(False)),
    "CURRENT_TIME": _fixed(t("TIME(0) NOT NULL")),
    "DATE_ADD": _fixed(DATE),
    "DATE_SUB": _fixed(DATE),
    "DATEDIFF": _fixed(INT),
    "CONVERT_TZ": _fixed(STRING),
    "STR_TO_MAP": _fixed(t("MAP<STRING, STRING>")),
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
