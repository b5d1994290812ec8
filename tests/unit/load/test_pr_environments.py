"""An environment per pull request: `--env pr-123` derived from `environments/pr.yml` with
`environment.template: true`; its names are prefixed with the template's prefix + `pr-123-`, so
two pull requests and dev never share a topic, job name or consumer group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.compile import compile_project
from streamt.graph import build_graph
from streamt.load import load_project
from tests.unit.cli.test_commands import run

from .helpers import write

PROJECT = """
project: {name: shop, default_environment: dev}
sources:
  - {name: orders, topic: orders.raw, columns: [{name: id, type: STRING}, {name: amount, type: DOUBLE}]}
models:
  - name: big
    sql: SELECT id, amount FROM {{ source("orders") }} WHERE amount > 10
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "stream_project.yml": PROJECT,
            "environments/dev.yml": "environment: {prefix: 'dev-'}\n",
            "environments/pr.yml": "environment: {template: true, description: per PR}\n",
            "environments/pr-ci.yml": "environment: {template: true, prefix: 'ci-'}\n",
        },
    )


def test_a_derived_environment_prefixes_every_name_with_its_own_name(project: Path) -> None:
    result = load_project(project, "pr-123")
    assert result.ok, result.diagnostics
    assert result.project is not None
    env = result.project.environment_config
    assert env is not None and env.environment.name == "pr-123" and not env.environment.template
    assert env.environment.description == "per PR"
    assert result.project.name_prefix == "pr-123-"
    desired = compile_project(result.project, build_graph(result.project)[0]).desired
    assert [t.name for t in desired.topics] == ["pr-123-big"]
    (job,) = desired.jobs
    assert job.pipeline_name == "streamt.pr-123-shop.big"


def test_two_pull_requests_and_dev_share_no_name(project: Path) -> None:
    names = {}
    for env in ("dev", "pr-1", "pr-12"):
        result = load_project(project, env)
        assert result.ok and result.project is not None
        desired = compile_project(result.project, build_graph(result.project)[0]).desired
        names[env] = {t.name for t in desired.topics} | {j.pipeline_name for j in desired.jobs}
    assert not names["dev"] & names["pr-1"] and not names["pr-1"] & names["pr-12"]
    assert not names["dev"] & names["pr-12"]


def test_the_longest_template_name_wins_and_its_prefix_comes_first(project: Path) -> None:
    result = load_project(project, "pr-ci-9")
    assert result.ok and result.project is not None
    assert result.project.name_prefix == "ci-pr-ci-9-"


def test_a_template_is_never_selected_itself(project: Path) -> None:
    result = load_project(project, "pr")
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "L115" and "--env pr-123" in (error.hint or "")
    assert error.location is not None and error.location.file == "environments/pr.yml"


def test_a_name_after_an_environment_that_is_no_template_is_not_found(project: Path) -> None:
    result = load_project(project, "dev-5")
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "L012" and "not found" in error.message


def test_envs_list_marks_templates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["envs", "list", "-p", str(project), "--format", "json"], capsys)
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)["environments"]}
    assert (rows["pr"]["template"], rows["pr"]["prefix"], rows["pr"]["errors"]) == (
        True,
        "pr-<id>-",
        0,
    )
    assert not rows["dev"]["template"]
