"""Class 8 of issue 10: malformed input that crashed streamt (exit 70) is now a diagnostic with
a code and a location, within a few seconds."""

from __future__ import annotations

import json

import pytest

from streamt.compile.schemas import SchemaProblem, avro_columns, json_schema_columns
from streamt.sql.dialect import MAX_EXACT_DIGITS, MAX_SQL_NESTING
from streamt.sql.types import MAX_TYPE_DEPTH, TypeSyntaxError, parse_type
from tests.unit.security.support import BOUND_S, SOURCE, run, write


def typed(column_type: str) -> dict[str, str]:
    return {
        "stream_project.yml": SOURCE.replace("type: STRING}", f"type: {json.dumps(column_type)}}}")
    }


def model(sql: str) -> dict[str, str]:
    return {"stream_project.yml": SOURCE, "models/m.sql": sql}


# ---------------------------------------------------------------- column types


@pytest.mark.parametrize(
    ("column_type", "message"),
    [
        ("VARCHAR('", "unbalanced quote"),
        ("ROW<`a STRING>", "unbalanced quote"),  # `quoted` field names are read
        ("ARRAY<" * 3000 + "INT" + ">" * 3000, f"deeper than {MAX_TYPE_DEPTH} levels"),
        ("ARRAY<" * 3000, f"deeper than {MAX_TYPE_DEPTH} levels"),
        ("TIMESTAMP(" + "9" * 5000 + ")", "invalid type parameter"),
        ("DECIMAL(1.5, 2)", "invalid type parameter"),
    ],
)
def test_malformed_column_types_are_c041(tmp_path, capsys, column_type, message):
    result = run(capsys, write(tmp_path, typed(column_type)), "validate", "--no-cache")
    assert result.exit_code == 1
    assert result.codes == ["C041"]
    assert message in result.output
    assert '"line": 5' in result.output  # the column's type, in stream_project.yml
    assert result.seconds < BOUND_S


def test_type_depth_limit_is_exact():
    ok = "ARRAY<" * (MAX_TYPE_DEPTH - 1) + "INT" + ">" * (MAX_TYPE_DEPTH - 1)
    assert parse_type(ok).sql().count("ARRAY<") == MAX_TYPE_DEPTH - 1
    with pytest.raises(TypeSyntaxError):
        parse_type("ARRAY<" * MAX_TYPE_DEPTH + "INT" + ">" * MAX_TYPE_DEPTH)


# ---------------------------------------------------------------- SQL


@pytest.mark.parametrize("depth", [MAX_SQL_NESTING + 1, 500, 50_000])
def test_deeply_nested_parentheses_are_s060(tmp_path, capsys, depth):
    sql = "SELECT " + "(" * depth + "a" + ")" * depth + " AS b FROM {{ source('s') }}"
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.codes == ["S060"]
    assert '"file": "models/m.sql"' in result.output
    assert f'"column": {8 + MAX_SQL_NESTING}' in result.output  # the first paren past the limit
    assert result.seconds < BOUND_S


def test_nesting_at_the_limit_is_accepted(tmp_path, capsys):
    depth = MAX_SQL_NESTING
    sql = "SELECT " + "(" * depth + "a" + ")" * depth + " AS b FROM {{ source('s') }}"
    assert run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache").exit_code == 0


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + "NOT " * 5000 + "a = 'x' AS b FROM {{ source('s') }}",
        "SELECT " + "CASE WHEN a = 'x' THEN " * 3000 + "1" + " END" * 3000 + " AS b FROM "
        "{{ source('s') }}",
        "SELECT " + "- " * 3000 + "CHAR_LENGTH(a) AS b FROM {{ source('s') }}",
        "SELECT a" + ".b" * 3000 + " AS b FROM {{ source('s') }}",
        " UNION ALL ".join(["SELECT a FROM {{ source('s') }}"] * 3000),
    ],
    ids=["not", "case", "minus", "dots", "union"],
)
def test_nesting_without_parentheses_is_s060(tmp_path, capsys, sql):
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.codes == ["S060"]
    assert result.seconds < BOUND_S


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a FROM {{ source('s') }} WHERE CHAR_LENGTH(a) = " + "9" * 5000,
        "SELECT " + "9" * 5000 + " AS n, a FROM {{ source('s') }}",
        "SELECT a FROM (SELECT a, ROW_NUMBER() OVER (PARTITION BY a ORDER BY ts) AS rn "
        "FROM {{ source('s') }}) WHERE rn <= " + "9" * 5000,
        "SELECT 1." + "0" * 4400 + " AS n, a FROM {{ source('s') }}",
    ],
)
def test_numbers_past_python_int_limit_are_s061(tmp_path, capsys, sql):
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.codes == ["S061"]
    assert "S061" in result.output
    assert result.seconds < BOUND_S


def test_a_top_n_bound_that_is_not_an_integer_is_no_crash(tmp_path, capsys):
    sql = (
        "SELECT a FROM (SELECT a, ROW_NUMBER() OVER (PARTITION BY a ORDER BY ts) AS rn "
        "FROM {{ source('s') }}) WHERE rn <= 1.5"
    )
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.exit_code in (0, 1)  # whatever Flink makes of it; never exit 70


# ---------------------------------------------------------------- Avro / JSON Schema


def nested_avro(depth: int) -> str:
    inner = '"string"'
    for i in range(depth):
        inner = f'{{"type":"record","name":"r{i}","fields":[{{"name":"f","type":{inner}}}]}}'
    return f'{{"type":"record","name":"top","fields":[{{"name":"x","type":{inner}}}]}}'


def nested_json_schema(depth: int) -> str:
    inner = '{"type":"string"}'
    for _ in range(depth):
        inner = f'{{"type":"object","properties":{{"f":{inner}}}}}'
    return f'{{"type":"object","properties":{{"x":{inner}}}}}'


def with_schema(fmt: str, definition: str) -> dict[str, str]:
    declared = (
        "    columns: [{name: a, type: STRING}, {name: ts, type: TIMESTAMP(3)}]\n"
        "    event_time: {column: ts}\n"
    )
    schema = f"    schema:\n      format: {fmt}\n      definition: {json.dumps(definition)}\n"
    return {"stream_project.yml": SOURCE.replace(declared, schema)}


@pytest.mark.parametrize(
    ("fmt", "definition", "message"),
    [
        ("avro", nested_avro(3000), "nested too deeply"),  # past the JSON decoder
        ("avro", nested_avro(100), f"deeper than {MAX_TYPE_DEPTH} levels"),
        ("json", nested_json_schema(3000), "nested too deeply"),
        ("json", nested_json_schema(100), f"deeper than {MAX_TYPE_DEPTH} levels"),
        (
            "avro",
            '{"type":"record","name":"t","fields":[{"name":"x","type":'
            + '{"type":"array","items":' * 3000
            + '"int"'
            + "}" * 3000
            + "}]}",
            "nested too deeply",
        ),
        (
            "avro",
            '{"type":"record","name":"t","fields":[{"name":"x","type":{"type":"bytes",'
            '"logicalType":"decimal","precision":' + "9" * 5000 + "}}]}",
            "invalid",
        ),
        (
            "avro",
            '{"type":"record","name":"t","fields":[{"name":"x","type":{"type":"bytes",'
            '"logicalType":"decimal","precision":"x"}}]}',
            "precision must be a non-negative integer",
        ),
        ("avro", '{"type":"record","name":"t","fields":7}', ""),
    ],
)
def test_malformed_schemas_are_c040(tmp_path, capsys, fmt, definition, message):
    result = run(capsys, write(tmp_path, with_schema(fmt, definition)), "validate", "--no-cache")
    if message:
        assert "C040" in result.codes
        assert message in result.output
        assert '"line": 7' in result.output  # schema.definition
    assert result.seconds < BOUND_S


def test_schema_depth_limit_is_exact():
    assert len(avro_columns(nested_avro(MAX_TYPE_DEPTH - 2))) == 1
    with pytest.raises(SchemaProblem):
        avro_columns(nested_avro(MAX_TYPE_DEPTH))
    assert len(json_schema_columns(nested_json_schema(MAX_TYPE_DEPTH - 2))) == 1
    with pytest.raises(SchemaProblem):
        json_schema_columns(nested_json_schema(MAX_TYPE_DEPTH))


@pytest.mark.parametrize(
    "lock",
    [
        {"version": 1, "sources": {"s": {"columns": [{"name": "a", "type": "ARRAY<" * 3000}]}}},
        {"version": 1, "sources": ["s"]},
        "[" * 100_000,
    ],
)
def test_malformed_schemas_lock_is_l020(tmp_path, capsys, lock):
    text = lock if isinstance(lock, str) else json.dumps(lock)
    write(tmp_path, {"stream_project.yml": SOURCE, "schemas.lock": text})
    result = run(capsys, tmp_path, "validate", "--no-cache")
    assert result.codes == ["L020"]
    assert result.seconds < BOUND_S


# ---------------------------------------------------------------- commands


def test_compile_into_an_existing_file_is_l061(tmp_path, capsys):
    write(tmp_path, model("SELECT a FROM {{ source('s') }}"))
    (tmp_path / "existing").write_text("keep me")
    result = run(
        capsys,
        tmp_path,
        "compile",
        "--no-cache",
        "-o",
        str(tmp_path / "existing"),
        json_output=False,
    )
    assert result.exit_code == 1
    assert result.codes == ["L061"]
    assert (tmp_path / "existing").read_text() == "keep me"


UNSET = SOURCE.replace(
    "project: {name: shop}",
    "project: {name: shop}\nruntime:\n  kafka: {bootstrap_servers: '${STREAMT_TEST_UNSET_VAR}'}",
)


@pytest.mark.parametrize("command", [["plan"], ["test"], ["apply", "--auto-approve"], ["status"]])
def test_an_unset_variable_is_l030_at_its_key(tmp_path, capsys, monkeypatch, command):
    monkeypatch.delenv("STREAMT_TEST_UNSET_VAR", raising=False)
    write(tmp_path, {"stream_project.yml": UNSET})
    result = run(capsys, tmp_path, *command, json_output=False)
    assert result.exit_code == 1
    assert result.codes == ["L030"]
    assert "stream_project.yml:3:" in result.output  # runtime.kafka.bootstrap_servers
    assert "STREAMT_TEST_UNSET_VAR" in result.output


@pytest.mark.parametrize(
    ("literal", "refused"),
    [  # verdicts of the Flink 2.2 planner (flink_explain) on `SELECT <literal> AS n FROM t`
        ("9223372036854775807", False),
        ("9223372036854775809", True),
        ("1." + "1" * (MAX_EXACT_DIGITS - 1), False),
        ("1." + "1" * MAX_EXACT_DIGITS, True),
        ("1" * MAX_EXACT_DIGITS + ".5", True),
        ("1e300", False),
        ("1e400", True),
    ],
)
def test_numeric_literals_follow_flinks_range(tmp_path, capsys, literal, refused):
    sql = f"SELECT {literal} AS n, a FROM {{{{ source('s') }}}}"
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.codes == (["S061"] if refused else [])


BAD_URL = SOURCE.replace(
    "project: {name: shop}",
    "project: {name: shop}\nruntime:\n  schema_registry: {url: 'http://svc:${STREAMT_TEST_PW}@localhost:1'}",
)


@pytest.mark.parametrize("password", ["Qz7\nXk9", "Qz7/Xk9@Vb3", "Qz7:Xk9#Vb3"])
def test_a_resolved_url_httpx_refuses_is_an_error_not_a_crash_and_not_echoed(
    tmp_path, capsys, monkeypatch, password
):
    monkeypatch.setenv("STREAMT_TEST_PW", password)
    write(tmp_path, {"stream_project.yml": BAD_URL})
    result = run(capsys, tmp_path, "status", json_output=False)
    assert result.exit_code == 1  # was 70: httpx.InvalidURL surfaced as an internal error
    assert "internal error" not in result.output and "percent-encoded" in result.output
    for piece in ("Qz7", "Xk9", "Vb3"):  # no piece of the password is echoed
        assert piece not in result.output
