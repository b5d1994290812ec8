"""`environments/<env>.yml` overlays any project key, with the overlay's positions kept."""

from __future__ import annotations

from pathlib import Path

from streamt.diagnostics import Location
from streamt.load import load_project
from tests.unit.load.helpers import write

PROJECT = """
project: {name: shop}
runtime:
  kafka: {bootstrap_servers: "k0:9092"}
  flink: {clusters: {main: {rest_url: "http://flink:8081"}}}
defaults:
  topic: {partitions: 1, replication_factor: 1}
sources:
  - {name: orders, topic: orders.raw}
models:
  - name: clean
    sql: SELECT * FROM {{ source("orders") }}
    advanced:
      topic: {partitions: 2, config: {retention.ms: "1000"}}
"""


def _load(tmp_path: Path, overlay: str, env: str | None = "prod", sql_models: bool = False):  # type: ignore[no-untyped-def]
    files = {"stream_project.yml": PROJECT, "environments/prod.yml": overlay}
    if sql_models:
        files["models/big.sql"] = 'SELECT * FROM {{ ref("clean") }}\n'
    write(tmp_path, files)
    return load_project(tmp_path, env=env)


def test_an_overlay_merges_runtime_defaults_and_a_models_advanced_settings(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        """
        environment: {prefix: "prod-"}
        runtime:
          kafka: {bootstrap_servers: "k1:9092,k2:9092"}
        defaults:
          topic: {replication_factor: 3}
        models:
          - name: clean
            advanced:
              topic: {partitions: 12}
              flink: {parallelism: 4}
          - name: big
            advanced: {flink: {parallelism: 2}}
        """,
        sql_models=True,
    )
    assert result.ok, [d.render() for d in result.diagnostics]
    project = result.project
    assert project is not None
    assert project.runtime.kafka is not None and project.runtime.flink is not None
    assert project.runtime.kafka.bootstrap_servers == "k1:9092,k2:9092"
    assert project.runtime.flink.clusters["main"].rest_url == "http://flink:8081"  # kept
    assert (project.defaults.topic.partitions, project.defaults.topic.replication_factor) == (1, 3)
    models = {m.name: m for m in project.models}
    clean = models["clean"]
    assert clean.advanced.topic.partitions == 12
    assert dict(clean.advanced.topic.config) == {"retention.ms": "1000"}  # merged, not replaced
    assert clean.advanced.flink.parallelism == 4
    assert models["big"].advanced.flink.parallelism == 2  # a model from a .sql file too
    # positions: overlaid keys point at the overlay, the rest at the project file
    assert clean.where("advanced.topic.partitions") == Location("environments/prod.yml", 9, 15)
    assert clean.where("advanced.topic.config").file == "stream_project.yml"
    assert project.where("runtime.kafka.bootstrap_servers").file == "environments/prod.yml"
    assert project.where("runtime.flink.clusters.main.rest_url").file == "stream_project.yml"


def test_without_the_env_the_project_is_unchanged(tmp_path: Path) -> None:
    _load(tmp_path, "models:\n  - {name: clean, advanced: {topic: {partitions: 12}}}\n")
    (tmp_path / "environments" / "dev.yml").write_text("environment: {}\n")
    result = load_project(tmp_path, env="dev")
    assert result.ok and result.project is not None
    assert result.project.models[0].advanced.topic.partitions == 2


def test_a_bad_overlay_value_points_at_the_overlay_line(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        """
        environment: {}
        models:
          - name: clean
            advanced:
              flink: {parallelism: 0}
        defaults:
          topic: {partitions: many}
        """,
    )
    found = {(d.location.file, d.location.line) for d in result.diagnostics if d.is_error}
    assert found == {("environments/prod.yml", 5), ("environments/prod.yml", 7)}
    assert not result.ok


def test_patches_that_name_nothing_or_change_identity_are_refused(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        """
        project: {name: other}
        models:
          - name: clen
            advanced: {flink: {parallelism: 2}}
          - name: clean
            sql: SELECT 1
          - {advanced: {}}
        """,
    )
    got = sorted((d.code, d.location.line) for d in result.diagnostics)
    assert got == [("L101", 3), ("L102", 1), ("L102", 6), ("L103", 7)]
    messages = " ".join(d.message for d in result.diagnostics)
    assert "model 'clen', which the project does not declare" in messages
    assert result.project is not None and result.project.name == "shop"


def test_an_environments_folder_without_a_selected_environment_is_an_error(tmp_path: Path) -> None:
    result = _load(tmp_path, "environment: {}\n", env=None)
    (diag,) = result.diagnostics
    assert diag.code == "L100" and diag.is_error
    assert (
        "prod" in diag.message
        and diag.hint
        == "pass --env NAME, set STREAMT_ENV, or set project.default_environment, e.g. --env prod"
    )
    (tmp_path / "environments" / "prod.yml").unlink()  # an empty folder selects nothing
    assert load_project(tmp_path).ok


def test_project_default_environment_selects_one_when_neither_flag_nor_variable_does(
    tmp_path: Path,
) -> None:
    from streamt.context import Context

    with_default = PROJECT.replace(
        "project: {name: shop}", "project: {name: shop, default_environment: prod}"
    )
    write(
        tmp_path,
        {
            "stream_project.yml": with_default,
            "environments/prod.yml": 'environment: {prefix: "prod-"}\n',
            "environments/dev.yml": 'environment: {prefix: "dev-"}\n',
        },
    )
    assert Context(tmp_path, environ={}, dotenv=False).env == "prod"
    assert Context(tmp_path, environ={"STREAMT_ENV": "dev"}, dotenv=False).env == "dev"
    assert Context(tmp_path, env="dev", environ={"STREAMT_ENV": "prod"}, dotenv=False).env == "dev"
    project = Context(tmp_path, environ={}, dotenv=False).load_result().project
    assert project is not None and project.name_prefix.startswith("prod-")


def test_load_project_alone_honours_the_default_environment(tmp_path: Path) -> None:
    with_default = PROJECT.replace(
        "project: {name: shop}", "project: {name: shop, default_environment: prod}"
    )
    write(
        tmp_path,
        {
            "stream_project.yml": with_default,
            "environments/prod.yml": 'environment: {prefix: "p-"}\n',
        },
    )
    result = load_project(tmp_path)
    assert result.ok and result.project is not None
    assert result.project.name_prefix == "p-"
