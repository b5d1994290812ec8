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


def test_dotenv_files_feed_variables_and_the_real_environment_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": PROJECT,
            ".env": "GW=http://from-dotenv:1\nOTHER=base\n",
            ".env.prod": "OTHER=prod\n",
            "environments/prod.yml": "environment: {description: p}\n",
        },
    )
    ctx = Context(tmp_path, env="prod", environ={"GW": "http://real:1"})
    assert ctx.environ["GW"] == "http://real:1" and ctx.environ["OTHER"] == "prod"
    assert Context(tmp_path, environ={}, dotenv=False).environ == {}


def test_unreachable_sql_gateway_is_a_placed_error(tmp_path: Path) -> None:
    gateway = 'sql_gateway_url: "http://127.0.0.1:1"'
    write(tmp_path, {"stream_project.yml": PROJECT.replace("GATEWAY", gateway)})
    report = Context(tmp_path, environ={}).validate(flink=True)
    (diag,) = [d for d in report.diagnostics if d.is_error]
    assert diag.code == "V091"
    assert diag.message.startswith(
        "cannot check jobs on the Flink SQL Gateway at http://127.0.0.1:1"
    )
    assert diag.location == Location("stream_project.yml", 7, 43)
    assert diag.hint == "start it (streamt local up) or drop --flink"
