"""`--vars` and `env_var()` through the CLI: each value one SQL literal, the result caches keyed
on the values the SQL read and no others."""

import json
from pathlib import Path

import pytest

from tests.unit.cli.test_commands import run
from tests.unit.load.helpers import write

PROJECT = """
project: {name: shop}
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: id, type: STRING}
      - {name: region, type: STRING}
models:
  - name: regional
    sql: |
      SELECT id FROM {{ source("orders") }}
      WHERE region = {{ var('region') }} AND id <> {{ env_var('STREAMT_T_ZONE', 'z1') }}
  - name: plain
    sql: SELECT id FROM {{ source("orders") }}
"""


def _compile(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, object], str]:
    out = root / "out"
    code, stdout, err = run(
        ["compile", "-p", str(root), "-o", str(out), "--format", "json", *args], capsys
    )
    sql = "\n".join(p.read_text() for p in sorted(out.rglob("*.sql")) if "regional" in p.name)
    return code, json.loads(stdout), sql + err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STREAMT_T_ZONE", raising=False)
    monkeypatch.delenv("STREAMT_NO_CACHE", raising=False)
    write(tmp_path, {"stream_project.yml": PROJECT})
    return tmp_path


def test_a_var_and_an_env_var_default_become_literals_in_the_job_sql(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, sql = _compile(project, capsys, "--vars", "{region: eu}")
    assert code == 0
    assert "`region` = 'eu' AND `id` <> 'z1'" in sql


def test_a_hostile_value_stays_one_string_literal(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "x'); DROP TABLE t; --"
    code, _, sql = _compile(project, capsys, "--vars", json.dumps({"region": hostile}))
    assert code == 0
    assert "`region` = 'x''); DROP TABLE t; --' AND `id` <> 'z1'" in sql
    assert sql.count("DROP TABLE") == 1


def test_a_var_without_value_is_l150_with_did_you_mean(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["validate", "-p", str(project), "--vars", "{regoin: eu}"], capsys)
    assert code == 1
    assert "error L150: var('region') has no value and no default" in err
    assert "regoin" in err  # did you mean
    # the cached failure is not served once the value is given
    code, out, err = run(["validate", "-p", str(project), "--vars", "{region: eu}"], capsys)
    assert code == 0 and "is valid" in out, err


@pytest.mark.parametrize("given", ["[1, 2]", "{a: ", "7"])
def test_vars_that_are_not_a_mapping_are_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    code, _, err = run(["validate", "-p", str(project), "--vars", given], capsys)
    assert code == 2 and "--vars" in err


def test_the_cache_misses_when_a_value_read_changes_and_hits_when_another_does(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, first, sql = _compile(project, capsys, "--vars", "{region: eu}")
    assert code == 0 and not first["up_to_date"] and "'eu'" in sql
    code, again, sql = _compile(project, capsys, "--vars", "{region: eu, unread: 1}")
    assert again["up_to_date"] and "'eu'" in sql  # a var no model reads: still a hit
    code, changed, sql = _compile(project, capsys, "--vars", "{region: us, unread: 1}")
    assert not changed["up_to_date"] and "'us'" in sql and "'eu'" not in sql
    monkeypatch.setenv("STREAMT_T_ZONE", "z9")  # an env_var() value read changes: a miss
    code, env, sql = _compile(project, capsys, "--vars", "{region: us}")
    assert not env["up_to_date"] and "'z9'" in sql and "'z1'" not in sql
    monkeypatch.setenv("STREAMT_T_OTHER", "y")  # one no model reads: a hit
    code, env, sql = _compile(project, capsys, "--vars", "{region: us}")
    assert env["up_to_date"] and "'z9'" in sql


def test_the_python_api_takes_variables(project: Path) -> None:
    from streamt.context import Context

    ctx = Context.load(project, environ={"STREAMT_T_ZONE": "z2"}, variables={"region": "eu"})
    jobs = ctx.compile().desired.jobs
    query = next(j.query for j in jobs if j.pipeline_name.endswith(".regional"))
    assert query == "SELECT `id` FROM `orders` WHERE `region` = 'eu' AND `id` <> 'z2'"
