"""Every Flink 2.2 built-in function has a return-type rule, checked against the planner.

The function list comes from the real catalog (`SHOW FUNCTIONS` on the local SQL Gateway) plus the
SQL-standard functions Calcite provides without listing them there (ROW_NUMBER, LAG, CAST, ...).
For each function, probe queries with representative argument types are analysed by streamt;
their canonical SQL is DESCRIBEd by Flink and the column's type and nullability compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.adapters.protocols import AdapterError
from streamt.local.endpoints import Endpoints
from streamt.sql import Column, TableDDL, TableSchema, analyze_query, create_table, parse_type
from streamt.sql.functions import AGGREGATES, BUILTINS, RANKING, SCALARS

pytestmark = pytest.mark.integration

COLUMNS = {
    "s": "STRING", "ns": "STRING NOT NULL", "i": "INT", "b": "BIGINT", "ti": "TINYINT",
    "d": "DOUBLE", "f": "FLOAT", "dc": "DECIMAL(10, 2)", "ts": "TIMESTAMP(3)", "dt": "DATE",
    "bo": "BOOLEAN", "bs": "BYTES", "arr": "ARRAY<STRING>", "ia": "ARRAY<INT>",
    "m": "MAP<STRING, INT>", "nn": "INT NOT NULL", "nb": "BIGINT NOT NULL",
    "nd": "DOUBLE NOT NULL", "ndc": "DECIMAL(10, 2) NOT NULL", "narr": "ARRAY<STRING> NOT NULL",
    "nia": "ARRAY<INT> NOT NULL", "nm": "MAP<STRING, INT> NOT NULL",
}  # fmt: skip
NOT_NULL_TWIN = {
    "s": "ns",
    "i": "nn",
    "b": "nb",
    "d": "nd",
    "dc": "ndc",
    "arr": "narr",
    "ia": "nia",
    "m": "nm",
}
T = TableSchema(
    "t",
    tuple(
        Column(n, parse_type(ty), rowtime=n == "ts", watermark_delay_ms=1000 if n == "ts" else None)
        for n, ty in COLUMNS.items()
    ),
)

# function -> probe expressions (scalars in a plain SELECT)
SCALAR_PROBES: dict[str, list[str]] = {
    "ABS": ["ABS(i)", "ABS(dc)", "ABS(nn)"], "SIGN": ["SIGN(i)", "SIGN(d)", "SIGN(dc)"],
    "ACOS": ["ACOS(i)"], "ASIN": ["ASIN(d)"], "ATAN": ["ATAN(d)"], "ATAN2": ["ATAN2(d, i)"],
    "COS": ["COS(d)"], "COSH": ["COSH(i)", "COSH(dc)"], "COT": ["COT(d)"], "SIN": ["SIN(nn)"],
    "SINH": ["SINH(d)"], "TAN": ["TAN(f)"], "TANH": ["TANH(d)"],
    "DEGREES": ["DEGREES(i)", "DEGREES(dc)"], "RADIANS": ["RADIANS(d)"], "PI": ["PI()"],
    "E": ["E()"], "RAND": ["RAND()", "RAND(i)"], "RAND_INTEGER": ["RAND_INTEGER(10)", "RAND_INTEGER(i, 10)"],
    "UUID": ["UUID()"], "BIN": ["BIN(b)"], "HEX": ["HEX(b)", "HEX(s)"], "UNHEX": ["UNHEX(s)"],
    "TRUNCATE": ["TRUNCATE(d, 2)", "TRUNCATE(dc, 1)", "TRUNCATE(dc)", "TRUNCATE(i)"],
    "POWER": ["POWER(i, 2)", "POWER(dc, 2)"], "SQRT": ["SQRT(i)"], "LN": ["LN(d)"],
    "LOG10": ["LOG10(i)"], "LOG2": ["LOG2(d)"], "LOG": ["LOG(d)", "LOG(2, d)", "LOG(i, b)"],
    "EXP": ["EXP(d)"], "CEIL": ["CEIL(d)", "CEIL(dc)", "CEIL(i)", "CEIL(ts TO HOUR)"],
    "CEILING": ["CEILING(dc)"], "FLOOR": ["FLOOR(d)", "FLOOR(dc)", "FLOOR(dt TO MONTH)"],
    "ROUND": ["ROUND(d, 2)", "ROUND(dc, 1)", "ROUND(i)", "ROUND(dc)", "ROUND(f, 1)", "ROUND(dc, 3)"],
    "MOD": ["MOD(b, 2)", "MOD(i, b)", "MOD(nn, 3)"],
    "CHAR_LENGTH": ["CHAR_LENGTH(s)"], "CHARACTER_LENGTH": ["CHARACTER_LENGTH(s)"],
    "UPPER": ["UPPER(s)", "UPPER(ns)"], "LOWER": ["LOWER(s)"],
    "POSITION": ["POSITION('a' IN s)"], "TRIM": ["TRIM(s)"], "LTRIM": ["LTRIM(s)", "LTRIM(s, 'x')"],
    "RTRIM": ["RTRIM(s)"], "BTRIM": ["BTRIM(s)", "BTRIM(s, 'x')"], "REPEAT": ["REPEAT(s, 2)"],
    "REGEXP_REPLACE": ["REGEXP_REPLACE(s, 'a', 'b')"],
    "OVERLAY": ["OVERLAY(s PLACING 'x' FROM 2)", "OVERLAY(s PLACING 'x' FROM 2 FOR 1)"],
    "SUBSTRING": ["SUBSTRING(s, 1, 2)", "SUBSTRING(s FROM 2)"], "REPLACE": ["REPLACE(s, 'a', 'b')"],
    "REGEXP_EXTRACT": ["REGEXP_EXTRACT(s, 'a', 0)", "REGEXP_EXTRACT(s, 'a')"],
    "REGEXP_EXTRACT_ALL": ["REGEXP_EXTRACT_ALL(s, 'a')", "REGEXP_EXTRACT_ALL(s, '(a)', 1)"],
    "REGEXP_COUNT": ["REGEXP_COUNT(s, 'a')"], "REGEXP_INSTR": ["REGEXP_INSTR(s, 'a')"],
    "REGEXP_SUBSTR": ["REGEXP_SUBSTR(s, 'a')"], "REGEXP": ["REGEXP(s, 'a')"],
    "INITCAP": ["INITCAP(s)"], "CONCAT": ["CONCAT(s, 'x')", "CONCAT(ns, 'x')"],
    "CONCAT_WS": ["CONCAT_WS(',', s, 'x')"], "LPAD": ["LPAD(s, 3, 'x')"], "RPAD": ["RPAD(s, 3, 'x')"],
    "FROM_BASE64": ["FROM_BASE64(s)"], "TO_BASE64": ["TO_BASE64(s)"], "ASCII": ["ASCII(s)"],
    "CHR": ["CHR(i)"], "DECODE": ["DECODE(bs, 'UTF-8')"], "ENCODE": ["ENCODE(s, 'UTF-8')"],
    "INSTR": ["INSTR(s, 'a')"], "LEFT": ["`LEFT`(s, 2)"], "RIGHT": ["`RIGHT`(s, 2)"],
    "LOCATE": ["LOCATE('a', s)", "LOCATE('a', s, 2)"],
    "PARSE_URL": ["PARSE_URL(s, 'HOST')", "PARSE_URL(s, 'QUERY', 'k')"], "REVERSE": ["REVERSE(s)"],
    "SPLIT_INDEX": ["SPLIT_INDEX(s, ',', 0)"], "SPLIT": ["SPLIT(s, ',')"],
    "STR_TO_MAP": ["STR_TO_MAP(s)", "STR_TO_MAP(s, ',', '=')"], "SUBSTR": ["SUBSTR(s, 2)", "SUBSTR(s, 1, 2)"],
    "TRANSLATE": ["TRANSLATE(s, 'ab', 'cd')"], "ELT": ["ELT(1, s, 'x')"],
    "PRINTF": ["PRINTF('%s-%d', s, i)"], "STARTSWITH": ["STARTSWITH(s, 'a')"],
    "ENDSWITH": ["ENDSWITH(s, 'a')"], "URL_DECODE": ["URL_DECODE(s)"], "URL_ENCODE": ["URL_ENCODE(s)"],
    "MD5": ["MD5(s)"], "SHA1": ["SHA1(s)"], "SHA224": ["SHA224(s)"], "SHA256": ["SHA256(s)"],
    "SHA384": ["SHA384(s)"], "SHA512": ["SHA512(s)"], "SHA2": ["SHA2(s, 256)"],
    "LOCALTIME": ["LOCALTIME"], "LOCALTIMESTAMP": ["LOCALTIMESTAMP"], "CURRENT_TIME": ["CURRENT_TIME"],
    "CURRENT_DATE": ["CURRENT_DATE"], "CURRENT_TIMESTAMP": ["CURRENT_TIMESTAMP"], "NOW": ["NOW()"],
    "CURRENT_ROW_TIMESTAMP": ["CURRENT_ROW_TIMESTAMP()"],
    "EXTRACT": ["EXTRACT(HOUR FROM ts)", "EXTRACT(DAY FROM dt)"], "YEAR": ["YEAR(dt)", "YEAR(ts)"],
    "QUARTER": ["QUARTER(dt)"], "MONTH": ["MONTH(dt)"], "WEEK": ["WEEK(dt)"],
    "DAYOFYEAR": ["DAYOFYEAR(dt)"], "DAYOFMONTH": ["DAYOFMONTH(dt)"], "DAYOFWEEK": ["DAYOFWEEK(dt)"],
    "HOUR": ["HOUR(ts)"], "MINUTE": ["MINUTE(ts)"], "SECOND": ["SECOND(ts)"],
    "DATE_FORMAT": ["DATE_FORMAT(ts, 'yyyy')", "DATE_FORMAT(s, 'yyyy')"],
    "TIMESTAMPADD": ["TIMESTAMPADD(HOUR, 1, ts)", "TIMESTAMPADD(DAY, 1, dt)"],
    "TIMESTAMPDIFF": ["TIMESTAMPDIFF(SECOND, ts, ts)"],
    "CONVERT_TZ": ["CONVERT_TZ(s, 'UTC', 'Europe/Paris')"],
    "FROM_UNIXTIME": ["FROM_UNIXTIME(b)", "FROM_UNIXTIME(b, 'yyyy')"],
    "UNIX_TIMESTAMP": ["UNIX_TIMESTAMP()", "UNIX_TIMESTAMP(s)", "UNIX_TIMESTAMP(s, 'yyyy')"],
    "TO_DATE": ["TO_DATE(s)", "TO_DATE(s, 'yyyy')"],
    "TO_TIMESTAMP_LTZ": ["TO_TIMESTAMP_LTZ(b, 3)", "TO_TIMESTAMP_LTZ(i, 0)", "TO_TIMESTAMP_LTZ(b)", "TO_TIMESTAMP_LTZ(s)"],
    "TO_TIMESTAMP": ["TO_TIMESTAMP(s)", "TO_TIMESTAMP(s, 'yyyy')"],
    "CURRENT_WATERMARK": ["CURRENT_WATERMARK(ts)"], "NULLIF": ["NULLIF(i, 0)"],
    "COALESCE": ["COALESCE(s, 'x')", "COALESCE(i, b)"], "IF": ["IF(i > 1, s, 'x')", "IF(bo, i, b)"],
    "IFNULL": ["IFNULL(i, 5)", "IFNULL(s, s)"], "IS_ALPHA": ["IS_ALPHA(s)"],
    "IS_DECIMAL": ["IS_DECIMAL(s)"], "IS_DIGIT": ["IS_DIGIT(s)"],
    "GREATEST": ["GREATEST(i, b)", "GREATEST(nn, 1)"], "LEAST": ["LEAST(d, i)"],
    "TYPEOF": ["TYPEOF(i)", "TYPEOF(i, TRUE)"], "CARDINALITY": ["CARDINALITY(arr)", "CARDINALITY(m)"],
    "ELEMENT": ["ELEMENT(arr)"], "ARRAY_APPEND": ["ARRAY_APPEND(arr, s)"],
    "ARRAY_PREPEND": ["ARRAY_PREPEND(ia, 1)"], "ARRAY_CONCAT": ["ARRAY_CONCAT(arr, arr)"],
    "ARRAY_CONTAINS": ["ARRAY_CONTAINS(arr, 'a')"], "ARRAY_DISTINCT": ["ARRAY_DISTINCT(arr)"],
    "ARRAY_EXCEPT": ["ARRAY_EXCEPT(arr, arr)"], "ARRAY_INTERSECT": ["ARRAY_INTERSECT(ia, ia)"],
    "ARRAY_JOIN": ["ARRAY_JOIN(arr, ',')", "ARRAY_JOIN(arr, ',', 'n')"], "ARRAY_MAX": ["ARRAY_MAX(ia)"],
    "ARRAY_MIN": ["ARRAY_MIN(arr)"], "ARRAY_POSITION": ["ARRAY_POSITION(arr, 'a')"],
    "ARRAY_REMOVE": ["ARRAY_REMOVE(ia, 1)"], "ARRAY_REVERSE": ["ARRAY_REVERSE(arr)"],
    "ARRAY_SLICE": ["ARRAY_SLICE(arr, 1, 2)", "ARRAY_SLICE(arr, 1)"],
    "ARRAY_SORT": ["ARRAY_SORT(ia)", "ARRAY_SORT(ia, FALSE)"], "ARRAY_UNION": ["ARRAY_UNION(arr, arr)"],
    "MAP_KEYS": ["MAP_KEYS(m)"], "MAP_VALUES": ["MAP_VALUES(m)"], "MAP_ENTRIES": ["MAP_ENTRIES(m)"],
    "MAP_FROM_ARRAYS": ["MAP_FROM_ARRAYS(arr, ia)"], "MAP_UNION": ["MAP_UNION(m, m)"],
    "JSON_EXISTS": ["JSON_EXISTS(s, '$.a')", "JSON_EXISTS(s, 'strict $.b' TRUE ON ERROR)"], "JSON_STRING": ["JSON_STRING(i)", "JSON_STRING(nn)"],
    "JSON_VALUE": [
        "JSON_VALUE(s, '$.a')",
        "JSON_VALUE(s, '$.a' RETURNING INT)",
        "JSON_VALUE(s, '$.a' RETURNING DOUBLE DEFAULT -1.5 ON EMPTY NULL ON ERROR)",
        "JSON_VALUE(s, 'strict $.b' RETURNING BOOLEAN DEFAULT FALSE ON ERROR)",
        "JSON_VALUE(s, '$.a' RETURNING DECIMAL(10, 2))",
    ], "JSON_QUERY": [
        "JSON_QUERY(s, '$.a')",
        "JSON_QUERY(s, '$' WITH CONDITIONAL ARRAY WRAPPER)",
        "JSON_QUERY(s, 'lax $.x' EMPTY OBJECT ON EMPTY EMPTY ARRAY ON ERROR)",
    ],
    "JSON_OBJECT": ["JSON_OBJECT(KEY 'k' VALUE s)", "JSON_OBJECT('k' VALUE i ABSENT ON NULL)", "JSON_OBJECT()"],
    "JSON_ARRAY": ["JSON_ARRAY(s, i)", "JSON_ARRAY(s NULL ON NULL)"], "JSON_QUOTE": ["JSON_QUOTE(s)"],
    "JSON_UNQUOTE": ["JSON_UNQUOTE(s)"], "JSON": ["JSON_OBJECT('k' VALUE JSON(s))"],
    "PARSE_JSON": ["PARSE_JSON(s)"], "TRY_PARSE_JSON": ["TRY_PARSE_JSON(s)"],
    "CURRENT_DATABASE": ["CURRENT_DATABASE()"], "HASH_CODE": ["HASH_CODE(s)"],
    "PROCTIME": ["PROCTIME()"], "LENGTH": ["CHAR_LENGTH(s)"],
}  # fmt: skip
# aggregates: in `SELECT <probe> FROM t GROUP BY s`
AGGREGATE_PROBES: dict[str, list[str]] = {
    "COUNT": ["COUNT(*)", "COUNT(s)"], "SUM": ["SUM(i)", "SUM(dc)", "SUM(nn)", "SUM(ti)"],
    "AVG": ["AVG(i)", "AVG(dc)", "AVG(ti)", "AVG(nn)"], "MIN": ["MIN(s)"], "MAX": ["MAX(nn)"],
    "STDDEV_POP": ["STDDEV_POP(d)", "STDDEV_POP(i)", "STDDEV_POP(dc)"], "STDDEV_SAMP": ["STDDEV_SAMP(i)"],
    "VAR_POP": ["VAR_POP(dc)", "VAR_POP(d)"], "VAR_SAMP": ["VAR_SAMP(i)"], "VARIANCE": ["VARIANCE(d)"],
    "STDDEV": ["STDDEV(i)"], "COLLECT": ["COLLECT(s)"], "FIRST_VALUE": ["FIRST_VALUE(nn)"],
    "LAST_VALUE": ["LAST_VALUE(s)"], "LISTAGG": ["LISTAGG(s)", "LISTAGG(s, ';')", "LISTAGG(ns)"],
    "ARRAY_AGG": ["ARRAY_AGG(s)", "ARRAY_AGG(nn)"],
    "JSON_OBJECTAGG": ["JSON_OBJECTAGG(KEY ns VALUE i)", "JSON_OBJECTAGG(KEY ns VALUE i ABSENT ON NULL)"],
    "JSON_ARRAYAGG": ["JSON_ARRAYAGG(s)", "JSON_ARRAYAGG(s NULL ON NULL)"],
    "PERCENTILE": ["PERCENTILE(i, 0.5)", "PERCENTILE(d, ARRAY[0.5, 0.9])"],
    "APPROX_COUNT_DISTINCT": ["APPROX_COUNT_DISTINCT(s)"],
}  # fmt: skip
# window functions: in `SELECT <probe> OVER (PARTITION BY s ORDER BY ts) FROM t`
OVER_PROBES: dict[str, list[str]] = {
    "ROW_NUMBER": ["ROW_NUMBER()"], "RANK": ["RANK()"], "DENSE_RANK": ["DENSE_RANK()"],
    "CUME_DIST": ["CUME_DIST()"], "PERCENT_RANK": ["PERCENT_RANK()"], "NTILE": ["NTILE(4)"],
    "LAG": ["LAG(i)", "LAG(nn, 1, 0)", "LAG(s, 2)"], "LEAD": ["LEAD(nn)", "LEAD(i, 1, 0)"],
    "FIRST_VALUE": ["FIRST_VALUE(i)"], "LAST_VALUE": ["LAST_VALUE(nn)"],
}  # fmt: skip
STREAM_REFUSED = {"RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE"}
# Typed by the table, probed elsewhere: SUM0 is a Table-API aggregate with no SQL spelling.
NOT_PROBED = {"SUM0"}
# Catalog names that are operators, SQL syntax, internal helpers or Table-API-only calls:
# they never appear as `NAME(...)` in a model's SQL.
NOT_SQL_CALLS = {
    "AGG_DECIMAL_MINUS", "AGG_DECIMAL_PLUS", "HIVE_AGG_DECIMAL_PLUS", "ASSIGNMENT", "DEFAULT",
    "IS_JSON", "LIKE", "AND", "OR", "NOT", "AS", "ASC", "DESC", "AT", "BETWEEN", "NOT_BETWEEN",
    "DISTINCT", "DIVIDE", "EQUALS", "NOT_EQUALS", "GREATER_THAN", "GREATER_THAN_OR_EQUAL",
    "LESS_THAN", "LESS_THAN_OR_EQUAL", "IN", "IS_FALSE", "IS_NOT_FALSE", "IS_NOT_NULL",
    "IS_NOT_TRUE", "IS_NULL", "IS_TRUE", "MINUS", "MINUS_PREFIX", "PLUS", "TIMES", "OVER",
    "ROWTIME", "RANGE_TO", "REINTERPRET_CAST", "SIMILAR", "START", "END", "FLATTEN", "GET",
    "STREAM_RECORD_TIMESTAMP", "TEMPORAL_OVERLAPS", "WITH_COLUMNS", "WITHOUT_COLUMNS",
}  # fmt: skip
# Callable in SQL but not typed: their results are structured types streamt does not model.
UNTYPED = {"OBJECT_OF", "OBJECT_UPDATE"}
CATALOG_SPELLING = {
    "INIT_CAP": "INITCAP", "LIST_AGG": "LISTAGG", "LOWER_CASE": "LOWER", "UPPER_CASE": "UPPER",
    "TIMESTAMP_DIFF": "TIMESTAMPDIFF", "LOCAL_TIME": "LOCALTIME", "LOCAL_TIMESTAMP": "LOCALTIMESTAMP",
    "TRANSLATE3": "TRANSLATE", "IF_THEN_ELSE": "IF",
    "JSON_ARRAYAGG_ABSENT_ON_NULL": "JSON_ARRAYAGG", "JSON_ARRAYAGG_NULL_ON_NULL": "JSON_ARRAYAGG",
    "JSON_OBJECTAGG_ABSENT_ON_NULL": "JSON_OBJECTAGG", "JSON_OBJECTAGG_NULL_ON_NULL": "JSON_OBJECTAGG",
}  # fmt: skip


def _sql_name(catalog_name: str) -> str:
    """`charLength` -> CHAR_LENGTH (the catalog lists Table-API spellings next to SQL ones)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", catalog_name).upper()
    return CATALOG_SPELLING.get(snake, snake)


def _not_null_variant(expr: str) -> str:
    """The same call over NOT NULL arguments (nullability of the result is part of the rule)."""
    return re.sub(r"(?<![%'\w])(\w+)\b(?!')", lambda m: NOT_NULL_TWIN.get(m[1], m[1]), expr)


def _probes() -> Iterator[tuple[str, str]]:
    for name, exprs in SCALAR_PROBES.items():
        variants = dict.fromkeys([*exprs, *(_not_null_variant(e) for e in exprs)])
        yield from ((name, f"SELECT {e} AS v FROM t") for e in variants)
    for name, exprs in AGGREGATE_PROBES.items():
        yield from ((name, f"SELECT {e} AS v FROM t GROUP BY s") for e in exprs)
    for name, exprs in OVER_PROBES.items():
        over = "OVER (PARTITION BY s ORDER BY ts)"
        yield from ((name, f"SELECT {e} {over} AS v FROM t") for e in exprs)


PROBES = list(_probes())


@pytest.fixture(scope="module")
def session(local_stack: Endpoints) -> Iterator[tuple[FlinkClient, str]]:
    flink = FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )
    handle = flink.gateway.open_session({})
    flink.gateway.run(handle, create_table(TableDDL("t", T.columns, (("connector", "datagen"),))))
    yield flink, handle
    flink.gateway.close_session(handle)


def _describe(session: tuple[FlinkClient, str], view: str, query: str) -> tuple[str, bool]:
    flink, handle = session
    flink.gateway.run(handle, f"CREATE TEMPORARY VIEW `{view}` AS {query}")
    (row,) = flink.gateway.run(handle, f"DESCRIBE `{view}`").rows
    return str(row[1]), bool(row[2])


def _ours(col: Column) -> tuple[str, bool]:
    text = col.type.sql(with_nullability=False)
    text += " *ROWTIME*" if col.rowtime else " *PROCTIME*" if col.proctime else ""
    return text, col.type.nullable


def test_every_typed_function_has_a_probe() -> None:
    typed = AGGREGATES.keys() | RANKING.keys() | SCALARS.keys()
    probed = SCALAR_PROBES.keys() | AGGREGATE_PROBES.keys() | OVER_PROBES.keys()
    assert typed - probed - NOT_PROBED == set()
    assert probed - typed == set()


def test_every_catalog_function_is_known(session: tuple[FlinkClient, str]) -> None:
    """`SHOW FUNCTIONS`: each name is typed by streamt or is no SQL call (operator, Table API)."""
    flink, handle = session
    catalog = {_sql_name(str(row[0])) for row in flink.gateway.run(handle, "SHOW FUNCTIONS").rows}
    assert len(catalog) > 150
    assert catalog - BUILTINS - NOT_SQL_CALLS - UNTYPED == set()
    assert UNTYPED - BUILTINS == UNTYPED  # untyped ones are reported as unknown (S030)


@pytest.mark.parametrize(("function", "query"), PROBES, ids=[q for _, q in PROBES])
def test_builtin_type_matches_flink(
    function: str, query: str, session: tuple[FlinkClient, str]
) -> None:
    result = analyze_query(query, {"t": T})
    # RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE: Flink types them (a view's DESCRIBE) but
    # refuses to run them on a stream, which streamt says (S051); their types are still checked
    expected = ["S051"] if function in STREAM_REFUSED else []
    assert [d.code for d in result.diagnostics] == expected, [
        d.render() for d in result.diagnostics
    ]
    view = f"v{PROBES.index((function, query))}"
    assert _describe(session, view, result.canonical) == _ours(result.columns[0])


@pytest.mark.parametrize(
    "call", ["NTH_VALUE(s, 2) OVER (PARTITION BY s ORDER BY ts)", "DATE_ADD(dt, 1)", "BIT_AND(i)"]
)
def test_functions_flink_lacks_are_unknown_to_both(
    call: str, session: tuple[FlinkClient, str]
) -> None:
    """Names other SQL engines have: Flink's planner rejects them, and streamt says S030."""
    query = f"SELECT {call} AS v FROM t" + (" GROUP BY s" if "BIT_AND" in call else "")
    result = analyze_query(query, {"t": T})
    assert [d.code for d in result.diagnostics] == ["S030"]
    with pytest.raises(AdapterError, match="No match found for function signature"):
        _describe(session, f"bad_{call[:3]}", result.canonical)
