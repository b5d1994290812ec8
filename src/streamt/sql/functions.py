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
from dataclasses import dataclass

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
_COUNT = _not_null(BIGINT)


@dataclass(frozen=True)
class Builtin:
    """One built-in: its return-type rule (called like a `Rule`) and its documented signature,
    from which the argument counts of a plain call `NAME(a, b, ...)` follow.

    `signature` is Flink's documented form, alternatives separated by ` | `, optional arguments
    in brackets, `...` for "and more of the same": `LOCATE(string1, string2[, integer])`,
    `LOG(numeric) | LOG(base, numeric)`, `CONCAT(string1, ...)`. A bare name (`POSITION`) says
    the function is written with its own syntax (or only where a count cannot be told from the
    call): its arguments are not counted.
    """

    name: str
    rule: Rule
    signature: str
    counts: frozenset[int]  # accepted argument counts; none when not checked
    more: bool  # and any count above the largest of `counts`

    def __call__(self, args: Sequence[SqlType]) -> SqlType:
        return self.rule(args)

    @property
    def checked(self) -> bool:
        return bool(self.counts)

    def accepts(self, count: int) -> bool:
        return count in self.counts or (self.more and count > max(self.counts))


def _counts(form: str) -> tuple[set[int], bool]:
    """The argument counts of one documented form: each word outside brackets is one argument;
    a bracketed group adds its counts or nothing; `...` allows more."""
    inner = form[form.index("(") + 1 : form.rindex(")")]
    stack: list[set[int]] = [{0}]
    more = "..." in inner
    for piece in inner.replace("[", " [ ").replace("]", " ] ").replace(",", " ").split():
        if piece == "[":
            stack.append({0})
        elif piece == "]":
            group = stack.pop()
            stack[-1] = {a + b for a in stack[-1] for b in group | {0}}
        elif piece != "...":
            stack[-1] = {a + 1 for a in stack[-1]}
    return stack[0], more


def _fn(signature: str, rule: Rule) -> Builtin:
    name = signature.partition("(")[0].strip()
    if "(" not in signature:
        return Builtin(name, rule, signature, frozenset(), False)
    counts: set[int] = set()
    more = False
    for form in signature.split(" | "):
        form_counts, form_more = _counts(form)
        counts |= form_counts
        more = more or form_more
    return Builtin(name, rule, signature, frozenset(counts), more)


def _each(rule: Rule, *signatures: str) -> list[Builtin]:
    return [_fn(signature, rule) for signature in signatures]


def _table(*entries: Builtin | list[Builtin]) -> dict[str, Builtin]:
    table: dict[str, Builtin] = {}
    for entry in entries:
        for builtin in entry if isinstance(entry, list) else [entry]:
            table[builtin.name] = builtin
    return table


AGGREGATES: dict[str, Builtin] = _table(
    # COUNT([ALL] expression | DISTINCT expression1 [, expression2]*); COUNT(a, b) passes
    # Flink's validation and fails its optimizer in one context and not in another
    _fn("COUNT", _COUNT),
    _fn("SUM(expression)", _sum),
    _fn("SUM0", _sum),  # Table API only
    _fn("AVG(expression)", _avg),
    _fn("MIN(expression)", _arg0),
    _fn("MAX(expression)", _arg0),
    _fn("FIRST_VALUE(expression)", _arg0),
    _fn("LAST_VALUE(expression)", _arg0),
    _fn("LISTAGG(expression[, separator])", _STRING),
    _fn("COLLECT(expression)", lambda a: SqlType("MULTISET", children=(_arg0(a),), nullable=False)),
    _fn("ARRAY_AGG(expression)", _array_of_arg0),
    *_each(_avg, "STDDEV_POP(expression)", "STDDEV_SAMP(expression)", "STDDEV(expression)",
           "VAR_POP(expression)", "VAR_SAMP(expression)", "VARIANCE(expression)"),
    _fn("APPROX_COUNT_DISTINCT(expression)", _COUNT),
    _fn("PERCENTILE(expression, percentage[, frequency])", _percentile),
    _fn("JSON_OBJECTAGG", _not_null(t("VARCHAR(2000)"))),  # KEY k VALUE v
    _fn("JSON_ARRAYAGG(items)", _not_null(t("VARCHAR(2000)"))),
)  # fmt: skip

RANKING: dict[str, Builtin] = _table(
    *_each(_COUNT, "ROW_NUMBER()", "RANK()", "DENSE_RANK()", "NTILE(n)"),
    *_each(_not_null(DOUBLE), "PERCENT_RANK()", "CUME_DIST()"),
    *_each(_offset, "LAG(expression[, offset[, default]])",
           "LEAD(expression[, offset[, default]])"),
)  # fmt: skip

SCALARS: dict[str, Builtin] = _table(
    # conditional
    _fn("COALESCE(value1, ...)", _coalesce),
    _fn("IFNULL(input, null_replacement)", _ifnull),
    _fn("NULLIF(value1, value2)", _arg0_nullable),
    *_each(_common, "GREATEST(value1, ...)", "LEAST(value1, ...)"),
    _fn("IF(condition, true_value, false_value)", _if),
    *_each(_not_null(BOOLEAN), "IS_ALPHA(string)", "IS_DECIMAL(string)", "IS_DIGIT(string)"),
    # arithmetic
    *_each(_arg0, "ABS(numeric)", "SIGN(numeric)"),
    # CEIL / FLOOR(timepoint TO unit): their own syntax, not counted
    *_each(_floor_ceil, "CEIL(numeric)", "CEILING(numeric)", "FLOOR(numeric)"),
    # digits given as a literal: see ExprTyper (DECIMAL scale)
    *_each(_arg0, "ROUND(numeric[, integer])", "TRUNCATE(numeric[, integer])"),
    _fn("MOD(numeric1, numeric2)", _mod),
    *_each(_DOUBLE, "POWER(numeric1, numeric2)", "SQRT(numeric)", "LN(numeric)",
           "LOG(numeric) | LOG(base, numeric)", "LOG10(numeric)", "LOG2(numeric)",
           "EXP(numeric)", "SIN(numeric)", "COS(numeric)", "TAN(numeric)", "COT(numeric)",
           "ASIN(numeric)", "ACOS(numeric)", "ATAN(numeric)", "ATAN2(numeric1, numeric2)",
           "SINH(numeric)", "COSH(numeric)", "TANH(numeric)", "DEGREES(numeric)",
           "RADIANS(numeric)", "PI()", "E()", "RAND([seed])"),
    _fn("RAND_INTEGER(bound) | RAND_INTEGER(seed, bound)", _INT),
    _fn("UUID()", _fixed(SqlType("CHAR", (36,), nullable=False))),
    *_each(_STRING, "BIN(integer)", "HEX(numeric_or_string)"),
    # strings
    *_each(_STRING, "UPPER(string)", "LOWER(string)",
           # TRIM([BOTH | LEADING | TRAILING] [chars] FROM string); TRIM(s, chars) is written
           # back as TRIM(BOTH chars FROM s), which Flink accepts: not counted
           "TRIM",
           "LTRIM(string[, chars])", "RTRIM(string[, chars])", "BTRIM(string[, chars])",
           "CONCAT(string1, ...)", "CONCAT_WS(separator[, string1, ...])",
           "REPLACE(string1, string2, string3)", "REGEXP_REPLACE(string1, regex, replacement)",
           "LPAD(string1, length, string2)", "RPAD(string1, length, string2)",
           "INITCAP(string)", "REPEAT(string, times)",
           "OVERLAY",  # OVERLAY(string1 PLACING string2 FROM position [FOR length])
           "FROM_BASE64(string)", "TO_BASE64(string)", "DECODE(binary, charset)",
           "TRANSLATE(expr, fromString, toString)", "JSON_STRING(value)", "JSON_QUOTE(string)",
           "JSON_UNQUOTE(string)", "JSON(value)"),
    _fn("REGEXP_EXTRACT(string, regex[, group])", _nullable(STRING)),
    _fn("SPLIT_INDEX(string, delimiter, index)", _nullable(STRING)),
    _fn("SPLIT(string, delimiter)", _STRINGS),
    *_each(_BOOLEAN, "REGEXP(string, regex)", "STARTSWITH(expr, startExpr)",
           "ENDSWITH(expr, endExpr)"),
    _fn("ENCODE(string, charset)", _fixed(BYTES_T)),
    _fn("MD5(string)", _fixed(SqlType("CHAR", (32,)))),
    _fn("SHA1(string)", _fixed(SqlType("CHAR", (40,)))),
    _fn("SHA224(string)", _fixed(SqlType("CHAR", (56,)))),
    _fn("SHA256(string)", _fixed(SqlType("CHAR", (64,)))),
    _fn("SHA384(string)", _fixed(SqlType("CHAR", (96,)))),
    _fn("SHA512(string)", _fixed(SqlType("CHAR", (128,)))),
    _fn("SHA2(string, hashLength)", _fixed(t("VARCHAR(128)"))),
    *_each(_INT, "CHAR_LENGTH(string)", "CHARACTER_LENGTH(string)", "LENGTH(string)",
           "POSITION",  # POSITION(string1 IN string2)
           "LOCATE(string1, string2[, integer])",
           "INSTR(string1, string2[, position[, occurrence]])", "ASCII(string)",
           "HASH_CODE(value)", "CARDINALITY(array_or_map)",
           "TIMESTAMPDIFF(unit, timepoint1, timepoint2)"),
    # nullable whatever the arguments (NULL when the input does not parse or match)
    _fn("UNHEX(string)", _nullable(BYTES_T)),
    # SUBSTRING(string FROM start [FOR length]): its own syntax, not counted
    _fn("SUBSTRING(string, start[, length])", _nullable(STRING)),
    _fn("SUBSTR(string, start[, length])", _nullable(STRING)),
    _fn("REGEXP_EXTRACT_ALL(string, regex[, group])", _nullable(t("ARRAY<STRING>"))),
    _fn("REGEXP_COUNT(string, regex)", _nullable(INT)),
    _fn("REGEXP_INSTR(string, regex)", _nullable(INT)),
    *_each(_nullable(STRING), "REGEXP_SUBSTR(string, regex)", "CHR(integer)",
           "LEFT(string, length)", "RIGHT(string, length)",
           "PARSE_URL(url, part[, key])", "REVERSE(string)"),
    _fn("STR_TO_MAP(string[, pairDelimiter, keyValueDelimiter])",
        _nullable(t("MAP<STRING, STRING>"))),
    *_each(_nullable(STRING), "ELT(index, expr, ...)", "PRINTF(format, ...)",
           "URL_DECODE(string)", "URL_ENCODE(string)", "DATE_FORMAT(timestamp, format)",
           "FROM_UNIXTIME(numeric[, format])", "CONVERT_TZ(string, fromZone, toZone)"),
    _fn("TO_DATE(string[, format])", _nullable(DATE)),
    _fn("TO_TIMESTAMP_LTZ(value[, precision_or_format[, timezone]])",
        _nullable(TIMESTAMP_LTZ3)),
    _fn("TO_TIMESTAMP(string[, format])", _nullable(TIMESTAMP3)),
    _fn("TYPEOF(input[, force_serializable])", _nullable(STRING)),
    _fn("JSON_EXISTS(jsonValue, path)", _nullable(BOOLEAN)),
    # JSON (their ON EMPTY / ON ERROR / RETURNING clauses are not arguments)
    _fn("JSON_VALUE(jsonValue, path)", _nullable(STRING)),
    _fn("JSON_QUERY(jsonValue, path)", _nullable(STRING)),
    _fn("JSON_OBJECT", _not_null(STRING)),  # JSON_OBJECT(KEY k VALUE v, ...)
    _fn("JSON_ARRAY([value, ...])", _not_null(STRING)),
    _fn("PARSE_JSON(string[, allowDuplicateKeys])", _fixed(SqlType("VARIANT"))),
    _fn("TRY_PARSE_JSON(string[, allowDuplicateKeys])", _nullable(SqlType("VARIANT"))),
    # collections
    _fn("ELEMENT(array)", _element),
    *_each(_arg0_args_nullable, "ARRAY_APPEND(array, element)",
           "ARRAY_PREPEND(array, element)", "ARRAY_CONCAT(array1, ...)",
           "ARRAY_DISTINCT(array)", "ARRAY_EXCEPT(array1, array2)",
           "ARRAY_INTERSECT(array1, array2)", "ARRAY_REMOVE(array, element)",
           "ARRAY_REVERSE(array)", "ARRAY_SLICE(array, start[, end])",
           "ARRAY_SORT(array[, ascending[, nullFirst]])", "ARRAY_UNION(array1, array2)",
           "MAP_UNION(map1, ...)"),
    _fn("ARRAY_CONTAINS(array, element)", _BOOLEAN),
    _fn("ARRAY_POSITION(array, element)", _INT),
    _fn("ARRAY_JOIN(array, delimiter[, nullReplacement])", _STRING),
    *_each(_element, "ARRAY_MAX(array)", "ARRAY_MIN(array)"),
    _fn("MAP_KEYS(map)", _map_keys),
    _fn("MAP_VALUES(map)", _map_values),
    _fn("MAP_ENTRIES(map)", _map_entries),
    _fn("MAP_FROM_ARRAYS(keys, values)", _map_from_arrays),
    # time
    *_each(_BIGINT, "DAYOFWEEK(date)", "DAYOFMONTH(date)", "DAYOFYEAR(date)",
           "HOUR(timestamp)", "MINUTE(timestamp)", "SECOND(timestamp)", "YEAR(date)",
           "MONTH(date)", "WEEK(date)", "QUARTER(date)",
           "EXTRACT",  # EXTRACT(unit FROM temporal)
           "UNIX_TIMESTAMP([string[, format]])"),
    _fn("TIMESTAMPADD(unit, interval, timepoint)", lambda a: a[-1] if a else TIMESTAMP3),
    _fn("CURRENT_WATERMARK(rowtime)", lambda a: _arg0(a).with_nullable(True)),
    *_each(_not_null(TIMESTAMP_LTZ3), "PROCTIME()", "NOW()", "CURRENT_TIMESTAMP()",
           "CURRENT_ROW_TIMESTAMP()"),
    _fn("LOCALTIMESTAMP()", _not_null(TIMESTAMP3)),
    _fn("CURRENT_DATE()", _not_null(DATE)),
    *_each(_not_null(t("TIME(0)")), "CURRENT_TIME()", "LOCALTIME()"),
    _fn("CURRENT_DATABASE()", _not_null(STRING)),
)  # fmt: skip

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
MATCH_RECOGNIZE: dict[str, Builtin] = _table(
    # their arguments are pattern variables' columns: not counted
    *_each(_arg0_nullable, "PREV", "NEXT", "FIRST", "LAST"),
    _fn("CLASSIFIER", _not_null(STRING)),
    _fn("MATCH_ROWTIME", _not_null(TIMESTAMP3)),
    _fn("MATCH_PROCTIME", _not_null(TIMESTAMP_LTZ3)),
)
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
