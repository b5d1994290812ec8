from pathlib import Path

from streamt.context import Context
from streamt.diagnostics import Location
from tests.unit.load.helpers import write

PROJECT = """
project: {name: f}
runtime:
  kafka: {bootstrap_servers: localhost:9092}
  flink:
    default: x
    clusters:
      x: {rest_url: "http://127.0.0.1:1", GATEWAY}
sources:
  - {name: orders, topic: orders.v1, columns: [{name: id, type: STRING}]}
models:
  - {name: m, sql: 'SELECT id FROM {{ source("orders") }}'}
"""


def test_flink_check_needs_a_sql_gateway_url(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT.replace(", GATEWAY", "")})
    report = Context(tmp_path, environ={}).validate(flink=True)
    (diag,) = [d for d in report.diagnostics if d.is_error]
    assert (diag.code, diag.location) == ("V090", Location("stream_project.yml", 4, 3))


def test_flink_check_reports_an_unset_variable_where_it_is_used(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT.replace("GATEWAY", 'sql_gateway_url: "${GW}"')})
    report = Context(tmp_path, environ={}).validate(flink=True)
    (diag,) = [d for d in report.diagnostics if d.is_error]
    assert (diag.code, diag.message) == ("L030", "environment variable GW is not set")
    assert diag.location == Location("stream_project.yml", 7, 43)
