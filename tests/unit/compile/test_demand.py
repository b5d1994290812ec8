"""Column demand inference (issue 9, point 1): every column a query touches, and every column
a downstream model or data test reads through `SELECT *` / `alias.*`, reaches the source that
declares no columns; a table is never emitted without columns (S020 / S021)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streamt.compile import CompileResult
from streamt.context import Context
from streamt.diagnostics import Diagnostic
from tests.unit.compile.helpers import REPO, compile_yaml

CORPUS = REPO / "tests" / "corpus" / "schemaless"


def _source_columns(result: CompileResult, project: str, source: str) -> dict[str, str]:
    node = result.nodes[f"source.{project}.{source}"]
    return {c.name: c.type.sql() for c in node.columns}


def _table(result: CompileResult, job: str, table: str) -> str:
    """The CREATE TABLE statement of `table` in `job`'s script."""
    spec = next(j for j in result.desired.jobs if j.name == job)
    return next(s for s in spec.statements if s.startswith(f"CREATE TEMPORARY TABLE `{table}`"))


def _corpus(tmp_path: Path, name: str) -> tuple[CompileResult, list[Diagnostic]]:
    """Compile a corpus project the way the CLI does (data tests included), in a copy."""
    shutil.copytree(CORPUS / name, tmp_path / name)
    ctx = Context(tmp_path / name)
    report = ctx.validate(use_cache=False)
    return ctx.compile(), list(report.diagnostics)


def test_a_column_only_in_join_on_reaches_both_sources(tmp_path: Path) -> None:
    result, diags = _corpus(tmp_path, "join_on")
    assert not [d for d in diags if d.is_error]
    assert _source_columns(result, "join-on", "orders") == {
        "order_id": "STRING",
        "product_id": "STRING",
    }
    assert "product_id" in _source_columns(result, "join-on", "products")
    assert "`product_id` STRING" in _table(result, "order_products", "orders")


def test_columns_a_reader_and_a_data_test_name_through_star_models_reach_the_source(
    tmp_path: Path,
) -> None:
    result, diags = _corpus(tmp_path, "star_chain")
    assert not [d for d in diags if d.is_error], [d.render() for d in diags]
    columns = _source_columns(result, "star-chain", "events")
    # purchases names event_id, user_id, amount (arithmetic: DOUBLE), event_type two models
    # downstream; the data test on events_copy names session_id
    assert columns == {
        "event_id": "STRING",
        "session_id": "STRING",
        "user_id": "STRING",
        "amount": "DOUBLE",
        "event_type": "STRING",
    }
    for job in ("events_copy", "events_valid"):
        out = result.nodes[f"model.star-chain.{job}"].columns
        assert [c.name for c in out] == list(columns)
    assert "`session_id` STRING" in _table(result, "events_copy", "events_copy")


def test_alias_star_of_a_join_side_passes_demand_to_that_side(tmp_path: Path) -> None:
    result, diags = _corpus(tmp_path, "alias_star")
    assert not [d for d in diags if d.is_error]
    assert _source_columns(result, "alias-star", "orders") == {
        "customer_id": "STRING",
        "order_id": "STRING",
        "amount": "DOUBLE",
    }


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("cte_star", "events", {"user_id": "STRING", "amount": "DOUBLE"}),
        (
            "group_having",
            "payments",
            {"customer_id": "STRING", "currency": "STRING", "amount": "DOUBLE", "status": "STRING"},
        ),
        (
            "over_window",
            "readings",
            {
                "reading_ts": "TIMESTAMP(3)",
                "reading_id": "STRING",
                "temperature": "DOUBLE",
                "device_id": "STRING",
            },
        ),
        ("unnest", "orders", {"items": "ARRAY<STRING>", "order_id": "STRING"}),
        # SELECT * over the ROW_NUMBER dedup idiom passes the reader's email back
        (
            "dedup_star",
            "users",
            {"user_id": "STRING", "updated_at": "STRING", "email": "STRING"},
        ),
        ("union_star", "web_orders", {"order_id": "STRING", "amount": "STRING"}),
        (
            "window_tvf",
            "clicks",
            {"click_ts": "TIMESTAMP(3)", "page": "STRING", "user_id": "STRING"},
        ),
    ],
)
def test_every_clause_of_a_query_is_demand(
    tmp_path: Path, name: str, source: str, expected: dict[str, str]
) -> None:
    result, diags = _corpus(tmp_path, name)
    assert not [d for d in diags if d.is_error], [d.render() for d in diags]
    project = next(iter(result.nodes)).split(".")[1]
    assert _source_columns(result, project, source) == expected


def test_documentation_only_entries_annotate_and_typed_ones_are_the_schema(
    tmp_path: Path,
) -> None:
    result, diags = _corpus(tmp_path, "documented_only")
    assert not [d for d in diags if d.is_error]
    # amount is inferred from SUM (DOUBLE); the documented email joins as STRING; events_all's
    # SELECT * writes them all
    columns = _source_columns(result, "documented-only", "events")
    assert columns == {"user_id": "STRING", "amount": "DOUBLE", "email": "STRING"}
    typed = """\
project: {name: typed}
sources:
  - name: events
    topic: events
    columns:
      - {name: user_id, type: STRING}
      - {name: email, description: only documented}
models:
  - name: spend
    sql: SELECT user_id, SUM(amount) AS total FROM {{ source("events") }} GROUP BY user_id
"""
    (tmp_path / "typed").mkdir()
    (tmp_path / "typed" / "stream_project.yml").write_text(typed)
    report = Context(tmp_path / "typed").validate(use_cache=False)
    # one typed entry: the columns are the complete schema, amount is unknown
    assert [d.code for d in report.diagnostics if d.is_error] == ["S003"]


def test_join_using_reads_the_column_of_both_sides(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        """\
project: {name: using}
sources:
  - {name: a, topic: a}
  - {name: b, topic: b}
models:
  - name: m
    sql: SELECT x.v AS left_v, y.w FROM {{ source("a") }} x JOIN {{ source("b") }} y USING (k)
""",
    )
    assert not [d for d in result.diagnostics if d.is_error]
    assert _source_columns(result, "using", "a") == {"v": "STRING", "k": "STRING"}
    assert _source_columns(result, "using", "b") == {"w": "STRING", "k": "STRING"}


def _errors(tmp_path: Path, text: str) -> list[Diagnostic]:
    (tmp_path / "stream_project.yml").write_text(text)
    return [d for d in Context(tmp_path).validate(use_cache=False).diagnostics if d.is_error]


def test_a_table_is_never_emitted_without_columns(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path,
        """\
project: {name: unknown}
sources:
  - {name: events, topic: events}
  - {name: counted, topic: counted}
models:
  - name: all_events
    sql: SELECT * FROM {{ source("events") }}
  - name: n
    sql: SELECT COUNT(*) AS n FROM {{ source("counted") }}
""",
    )
    assert [(d.code, d.location.line, d.node) for d in errors] == [
        ("S020", 7, "model.unknown.all_events"),
        ("S020", 9, "model.unknown.n"),
    ]
    assert "source 'events', whose columns cannot be known" in errors[0].message
    for fix in ("columns:", "schema:", "streamt schemas pull"):
        assert fix in errors[0].hint


def test_star_over_a_source_with_only_its_event_time_column_is_refused(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path,
        """\
project: {name: timed}
sources:
  - {name: clicks, topic: clicks, event_time: {column: ts}}
models:
  - name: all_clicks
    sql: SELECT * FROM {{ source("clicks") }}
  - name: per_minute
    sql: |
      SELECT window_start, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE {{ source("clicks") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
""",
    )
    # the window only needs ts, which is known; SELECT * would write ts alone
    assert [(d.code, d.location.line) for d in errors] == [("S021", 6)]
    assert "or list the columns you select" in errors[0].hint


def test_custom_sql_and_foreign_key_tests_demand_their_columns(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(
        """\
project: {name: tested}
sources:
  - {name: events, topic: events}
  - {name: users, topic: users}
models:
  - name: events_all
    sql: SELECT * FROM {{ source("events") }}
tests:
  - name: sane
    model: events_all
    type: sample
    assertions:
      - custom_sql: {where: "score >= 0 AND region <> ''"}
      - foreign_key: {column: user_id, ref: users, ref_column: id, window: 1m}
"""
    )
    ctx = Context(tmp_path)
    report = ctx.validate(use_cache=False)
    assert not [d for d in report.diagnostics if d.is_error], [
        d.render() for d in report.diagnostics
    ]
    result = ctx.compile()
    assert set(_source_columns(result, "tested", "events")) == {"score", "region", "user_id"}
    assert set(_source_columns(result, "tested", "users")) == {"id"}
