"""Every compiled job of the example projects (the golden SQL) is accepted by the real Flink 2.2
planner of the local stack: each job's statements run in a fresh SQL Gateway session and its
INSERT is EXPLAINed (planning only: nothing is submitted, no data needed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.local.endpoints import Endpoints
from streamt.sql import Column, TableDDL, TableSchema, analyze_query, create_table, parse_type
from tests.unit.compile.helpers import EXAMPLES, GOLDEN, compile_dir
from tests.unit.compile.test_goldens import EXAMPLE_NAMES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def flink(local_stack: Endpoints) -> FlinkClient:
    return FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_compiled_job_is_accepted_by_the_planner(example: str, flink: FlinkClient) -> None:
    result, _ = compile_dir(EXAMPLES / example)
    jobs = result.desired.jobs
    assert jobs
    failures = {}
    for job in jobs:
        golden = (GOLDEN / example / "flink" / f"{job.name}.sql").read_text(encoding="utf-8")
        assert golden.endswith(job.script), f"{example}/{job.name}: golden is stale"
        errors = flink.explain(list(job.statements))
        if errors:
            failures[job.name] = errors
    assert not failures, failures


def test_the_planner_check_rejects_a_broken_job(flink: FlinkClient) -> None:
    """Control: the same path reports an error when the INSERT does not type-check."""
    result, _ = compile_dir(EXAMPLES / "payments")
    job = next(j for j in result.desired.jobs if j.name == "payments_validated")
    broken = [*job.statements[:-1], job.statements[-1].replace("`status`", "`no_such_column`", 1)]
    assert flink.explain(broken)


# ------------------------------------------------------------------ types vs Flink's DESCRIBE

TYPED = TableSchema(
    "t",
    (
        Column("s", parse_type("STRING")),
        Column("i", parse_type("INT")),
        Column("b", parse_type("BIGINT")),
        Column("d", parse_type("DOUBLE")),
        Column("f", parse_type("FLOAT")),
        Column("dec", parse_type("DECIMAL(10, 2)")),
        Column("ts", parse_type("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=1000),
        Column("dt", parse_type("DATE")),
        Column("arr", parse_type("ARRAY<STRING>")),
        Column("m", parse_type("MAP<STRING, INT>")),
        Column("r", parse_type("ROW<a INT, b STRING>")),
        Column("nn", parse_type("INT NOT NULL")),
    ),
)
SCALAR_EXPRESSIONS = [
    "s", "i + b", "i * 2", "d / 2", "i / 2", "dec * 2", "dec + d", "i + dec", "b % 3", "-i",
    "CAST(s AS INT)", "TRY_CAST(s AS INT)", "CAST(nn AS STRING)", "COALESCE(s, 'x')",
    "COALESCE(i, b)", "COALESCE(nn, 0)", "NULLIF(i, 0)", "CASE WHEN i > 1 THEN 'a' ELSE 'bb' END",
    "CASE WHEN i > 1 THEN i END", "CASE WHEN i > 1 THEN i ELSE d END", "IF(i > 1, s, 'x')",
    "UPPER(s)", "CHAR_LENGTH(s)", "CONCAT(s, 'x')", "s || 'x'", "SUBSTRING(s, 1, 2)", "TRIM(s)",
    "REPLACE(s, 'a', 'b')", "REGEXP_EXTRACT(s, 'a', 0)", "SPLIT_INDEX(s, ',', 0)", "MD5(s)",
    "LOCATE('a', s)", "DATE_FORMAT(ts, 'yyyy')", "TO_TIMESTAMP(s)", "TO_TIMESTAMP_LTZ(b, 3)",
    "UNIX_TIMESTAMP()", "FROM_UNIXTIME(b)", "EXTRACT(HOUR FROM ts)", "HOUR(ts)", "YEAR(dt)",
    "TIMESTAMPDIFF(SECOND, ts, ts)", "TIMESTAMPADD(HOUR, 1, ts)", "ts + INTERVAL '1' HOUR",
    "CAST(ts AS DATE)", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_DATE", "NOW()",
    "PROCTIME()", "CURRENT_WATERMARK(ts)", "FLOOR(ts TO HOUR)", "CEIL(d)", "ROUND(d, 2)",
    "ROUND(dec, 1)", "ABS(i)", "POWER(i, 2)", "SQRT(d)", "MOD(b, 2)", "RAND()", "UUID()",
    "s IS NULL", "i BETWEEN 1 AND 2", "s LIKE 'a%'", "i IN (1, 2)", "arr[1]", "m['k']", "r.a",
    "CARDINALITY(arr)", "ELEMENT(arr)", "ARRAY[1, 2]", "JSON_VALUE(s, '$.a')", "1", "1.5",
    "'abc'", "TRUE", "HASH_CODE(s)", "GREATEST(i, b)", "LEAST(d, i)", "DAYOFWEEK(dt)",
    "TO_DATE(s)", "STR_TO_MAP(s)", "nn + 1", "LPAD(s, 3, 'x')", "INITCAP(s)", "SHA256(s)", "ts",
]  # fmt: skip
AGGREGATE_EXPRESSIONS = [
    "COUNT(*)", "COUNT(s)", "COUNT(DISTINCT s)", "SUM(i)", "SUM(b)", "SUM(d)", "SUM(dec)",
    "SUM(f)", "AVG(i)", "AVG(d)", "AVG(dec)", "MIN(s)", "MIN(nn)", "LISTAGG(s)",
    "FIRST_VALUE(s)", "LAST_VALUE(i)", "STDDEV_POP(d)", "VAR_SAMP(i)", "COLLECT(s)",
    "APPROX_COUNT_DISTINCT(s)", "SUM(nn)", "MAX(nn)",
]  # fmt: skip


def _describe(flink: FlinkClient, setup: list[str], query: str) -> list[tuple[str, str, bool]]:
    gateway = flink.gateway
    session = gateway.open_session({})
    try:
        for statement in setup:
            gateway.run(session, statement)
        gateway.run(session, f"CREATE TEMPORARY VIEW `__streamt_q` AS {query}")
        rows = gateway.run(session, "DESCRIBE `__streamt_q`").rows
    finally:
        gateway.close_session(session)
    return [(str(r[0]), str(r[1]), bool(r[2])) for r in rows]


def _ours(col: Column) -> tuple[str, str, bool]:
    text = col.type.sql(with_nullability=False)
    text += " *ROWTIME*" if col.rowtime else " *PROCTIME*" if col.proctime else ""
    return (col.name, text, col.type.nullable)


@pytest.mark.parametrize("expr", SCALAR_EXPRESSIONS + [f"agg:{a}" for a in AGGREGATE_EXPRESSIONS])
def test_inferred_type_matches_flink(expr: str, flink: FlinkClient) -> None:
    grouped = expr.startswith("agg:")
    body = expr.removeprefix("agg:")
    query = f"SELECT {body} AS v FROM t" + (" GROUP BY s" if grouped else "")
    result = analyze_query(query, {"t": TYPED})
    assert result.ok, [d.render() for d in result.diagnostics]
    setup = [create_table(TableDDL("t", TYPED.columns, (("connector", "datagen"),)))]
    assert _describe(flink, setup, result.canonical) == [_ours(result.columns[0])]


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_output_types_match_flink(example: str, flink: FlinkClient) -> None:
    result, _ = compile_dir(EXAMPLES / example)
    for job in result.desired.jobs:
        if job.name.endswith("__envelope"):
            # A JDBC sink's Connect-envelope job: its output is a fixed (schema, payload) pair,
            # not the node's columns, and the gateway's DESCRIBE of a view with a constant
            # ARRAY[ROW(...)] fails inside Flink (ArrayIndexOutOfBoundsException), so the
            # planner is asked to plan the whole job instead.
            assert flink.explain(list(job.statements)) == [], job.name
            continue
        theirs = _describe(flink, list(job.statements[:-2]), job.query)
        first = next((i for i, row in enumerate(theirs) if "*ROWTIME*" in row[1]), None)
        theirs = [  # the sink keeps one rowtime; later ones are cast to plain timestamps
            (n, t.replace(" *ROWTIME*", "") if first is not None and i > first else t, nl)
            for i, (n, t, nl) in enumerate(theirs)
        ]
        ours = [_ours(c) for c in result.nodes[job.node].columns]
        assert theirs == ours, job.name


FORMATS_PROJECT = """\
project: {name: fmt}
sources:
  - name: keyed
    topic: keyed.v1
    key: id
    columns: [{name: id, type: STRING}, {name: v, type: INT}]
  - name: keyed2
    topic: keyed2.v1
    key: [a, b]
    columns: [{name: a, type: STRING}, {name: b, type: INT}, {name: v, type: INT}]
  - name: lines
    topic: lines.v1
    format: raw
    columns: [{name: line, type: STRING}]
  - name: csvs
    topic: csvs.v1
    format: csv
    startup_mode: latest
    columns: [{name: a, type: STRING}, {name: n, type: INT}]
  - name: since
    topic: since.v1
    startup_mode: timestamp
    startup_timestamp_ms: 1700000000000
    columns: [{name: a, type: STRING}, {name: p, proctime: true}]
  - name: customers
    topic: pg.customers
    format: debezium-json
    key: id
    columns: [{name: id, type: BIGINT}, {name: name, type: STRING}]
models:
  - {name: m_keyed, sql: "SELECT id, v FROM {{ source('keyed') }}"}
  - {name: m_keyed2, key: [a, b], sql: "SELECT a, b, v FROM {{ source('keyed2') }}"}
  - {name: m_keyed2_down, sql: "SELECT a, b FROM {{ ref('m_keyed2') }}"}
  - {name: m_lines, sql: "SELECT UPPER(line) AS line FROM {{ source('lines') }}"}
  - {name: m_csv, sql: "SELECT a, n * 2 AS n2 FROM {{ source('csvs') }}"}
  - {name: m_since, sql: "SELECT a, p FROM {{ source('since') }}"}
  - {name: m_cdc, sql: "SELECT id, UPPER(name) AS name FROM {{ source('customers') }}"}
  - {name: m_cdc_down, sql: "SELECT name, COUNT(*) AS n FROM {{ ref('m_cdc') }} GROUP BY name"}
  - name: m_masked
    sql: "SELECT id, v, CAST(v AS STRING) AS s, 'x' AS r FROM {{ source('keyed') }}"
    security:
      policies:
        - {mask: {column: id, method: hash}}
        - {mask: {column: v, method: "null"}}
        - {mask: {column: s, method: partial}}
        - {mask: {column: r, method: redact}}
"""


def test_source_formats_keys_and_startup_modes_pass_the_planner(
    tmp_path: Path, flink: FlinkClient
) -> None:
    """Kafka options (key fields, raw/csv/debezium-json, startup modes, upsert reads) are
    validated by the real connector factories during EXPLAIN; masked outputs type-check."""
    (tmp_path / "stream_project.yml").write_text(FORMATS_PROJECT)
    result, _ = compile_dir(tmp_path)
    assert not [d.render() for d in result.diagnostics if d.is_error]
    failures = {j.name: flink.explain(list(j.statements)) for j in result.desired.jobs}
    assert len(failures) == 9
    assert not {k: v for k, v in failures.items() if v}


def test_compiled_connectors_pass_connect_validation(local_stack: Endpoints) -> None:
    """Kafka Connect's own config validation accepts the compiled sink connector (with the
    MaskField transform streamt adds for mask policies); placeholders get test values."""
    from streamt.adapters.connect import ConnectClient

    connect = ConnectClient(http_client(local_stack.connect_url))
    result, _ = compile_dir(EXAMPLES / "clickstream")
    (conn,) = result.desired.connectors
    config = {
        k: v.replace("${PG_USER}", "u").replace("${PG_PASSWORD}", "p")
        for k, v in conn.config.items()
    }
    assert connect.validate_connector(conn.name, config) == []
    masked = {
        **config,
        "transforms": "streamt_mask",
        "transforms.streamt_mask.type": "org.apache.kafka.connect.transforms.MaskField$Value",
        "transforms.streamt_mask.fields": "page",
    }
    assert connect.validate_connector(conn.name, masked) == []


FULL_QUERIES = [
    "SELECT s, x FROM t CROSS JOIN UNNEST(arr) AS u(x)",
    "SELECT s, k, n FROM t CROSS JOIN UNNEST(m) AS u(k, n)",
    "SELECT window_start, window_end, window_time, s, SUM(dec) AS total "
    "FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)) "
    "GROUP BY window_start, window_end, window_time, s",
    "SELECT * FROM t WHERE i > 1",
    "SELECT a.s, b.i, a.ts FROM t AS a JOIN t AS b ON a.s = b.s "
    "AND a.ts BETWEEN b.ts - INTERVAL '1' MINUTE AND b.ts",
    "SELECT s, i, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY s ORDER BY ts DESC) AS rn "
    "FROM t) WHERE rn = 1",
]


@pytest.mark.parametrize("query", FULL_QUERIES)
def test_inferred_query_schema_matches_flink(query: str, flink: FlinkClient) -> None:
    result = analyze_query(query, {"t": TYPED})
    assert result.ok, [d.render() for d in result.diagnostics]
    setup = [create_table(TableDDL("t", TYPED.columns, (("connector", "datagen"),)))]
    assert _describe(flink, setup, result.canonical) == [_ours(c) for c in result.columns]


def test_seed_readme_snippet_jobs_pass_the_planner(tmp_path: Path, flink: FlinkClient) -> None:
    """Every Flink job compiled from the seed README's snippets (completed as in
    tests/unit/test_seed_readme.py) is accepted, except ML_PREDICT, which open-source Flink
    does not have (compile reports it as needing Confluent Cloud Flink)."""
    import yaml

    from streamt.context import Context
    from tests.unit.test_seed_readme import README_COPY, complete, yaml_snippets

    accepted, ml_rejected = 0, 0
    for index, snippet in enumerate(yaml_snippets(README_COPY.read_text(encoding="utf-8"))):
        root = tmp_path / f"snippet{index}"
        root.mkdir()
        (root / "stream_project.yml").write_text(yaml.safe_dump(complete(snippet, index)))
        result = Context(root, environ={}).compile()
        for job in result.desired.jobs:
            errors = flink.explain(list(job.statements))
            if "ML_PREDICT" in job.query:
                assert errors, job.name
                ml_rejected += 1
            else:
                assert not errors, (index, job.name, errors)
                accepted += 1
    assert (accepted, ml_rejected) == (10, 1)
