"""Name prefixes: `project.prefix` and an environment's `environment.prefix` go before every
topic streamt creates (model topics, bad-record side topics) and every job / consumer-group
name, so two projects or environments on one cluster never share them; sources (external) and
the default (no prefix: the model's name) are unchanged."""

from __future__ import annotations

from pathlib import Path

from streamt.compile import compile_project
from streamt.graph import build_graph
from streamt.load import load_project

PROJECT = """\
project: {name: shop PREFIX}
defaults:
  sources: {on_bad_record: skip}
sources:
  - name: raw
    topic: orders.raw
    columns: [{name: id, type: STRING}, {name: amount, type: INT}]
models:
  - name: clean
    sql: SELECT id, amount FROM {{ source("raw") }} WHERE amount > 0
  - name: big
    sql: SELECT id FROM {{ ref("clean") }} WHERE amount > 10
    advanced:
      topic: {name: orders.big}
"""


def compiled(
    tmp_path: Path, prefix: str = "", env: str | None = None, env_prefix: str = "", extra: str = ""
):  # type: ignore[no-untyped-def]
    tmp_path.mkdir(exist_ok=True)
    text = PROJECT.replace(" PREFIX", f", prefix: '{prefix}'" if prefix else "") + extra
    (tmp_path / "stream_project.yml").write_text(text)
    if env is not None:
        (tmp_path / "environments").mkdir(exist_ok=True)
        (tmp_path / "environments" / f"{env}.yml").write_text(
            f"environment: {{prefix: '{env_prefix}'}}\n"
        )
    loaded = load_project(tmp_path, env=env)
    assert loaded.project is not None, [d.render() for d in loaded.diagnostics]
    graph, _ = build_graph(loaded.project)
    result = compile_project(loaded.project, graph)
    assert not any(d.is_error for d in result.diagnostics)
    return result.desired


def test_without_a_prefix_names_are_the_models(tmp_path: Path) -> None:
    desired = compiled(tmp_path)
    assert [t.name for t in desired.topics] == ["clean", "clean.skipped", "orders.big"]
    assert [j.pipeline_name for j in desired.jobs] == ["streamt.shop.big", "streamt.shop.clean"]


def test_a_project_prefix_goes_before_every_topic_and_job_name(tmp_path: Path) -> None:
    desired = compiled(tmp_path, prefix="team_a.")
    assert [t.name for t in desired.topics] == [
        "team_a.clean",
        "team_a.clean.skipped",
        "team_a.orders.big",
    ]
    big, clean = desired.jobs
    assert (big.pipeline_name, clean.pipeline_name) == (
        "streamt.team_a.shop.big",
        "streamt.team_a.shop.clean",
    )
    assert clean.source_topics == ("orders.raw",)  # sources are external: never prefixed
    assert big.source_topics == ("team_a.clean",)  # the downstream job reads the prefixed topic
    assert clean.sink_topic == "team_a.clean" and big.sink_topic == "team_a.orders.big"
    text = "\n".join(clean.statements)
    assert "'properties.group.id'='streamt.team_a.shop.clean'" in text
    assert "'topic'='team_a.clean.skipped'" in text


def test_an_environment_prefix_comes_first(tmp_path: Path) -> None:
    desired = compiled(tmp_path, prefix="team_a.", env="dev", env_prefix="dev-")
    assert desired.topics[0].name == "dev-team_a.clean"
    assert desired.jobs[1].pipeline_name == "streamt.dev-team_a.shop.clean"


def test_a_prefix_kafka_cannot_name_a_topic_with_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(PROJECT.replace(" PREFIX", ", prefix: 'a b/'"))
    loaded = load_project(tmp_path)
    assert loaded.project is None or any(d.is_error for d in loaded.diagnostics)
    (diag,) = [d for d in loaded.diagnostics if d.is_error]
    assert diag.location.line == 1 and "prefix" in diag.message


SINKS = """
  - name: to_pg
    from: clean
    advanced:
      connector:
        type: jdbc-sink
        config: {connection.url: "jdbc:postgresql://localhost:5432/shop"}
  - name: to_file
    from: clean
    advanced:
      connector: {type: file-sink, config: {file: /tmp/out.txt}}
"""


def test_connector_names_and_sink_tables_carry_the_prefix(tmp_path: Path) -> None:
    """Connector names are global on a Connect cluster and a JDBC sink's table on its database:
    two environments must not share them."""
    bare = compiled(tmp_path / "a", extra=SINKS)
    dev = compiled(tmp_path / "b", prefix="team_a.", env="dev", env_prefix="dev-", extra=SINKS)
    assert sorted(c.name for c in bare.connectors) == ["to_file", "to_pg"]
    assert sorted(c.name for c in dev.connectors) == ["dev-team_a.to_file", "dev-team_a.to_pg"]
    to_pg = next(c for c in dev.connectors if c.name.endswith("to_pg"))
    assert to_pg.config["table.name.format"] == "dev_team_a_to_pg"
    assert to_pg.topics == ("dev-team_a.to_pg.connect",)
    bare_pg = next(c for c in bare.connectors if c.name == "to_pg")
    assert bare_pg.config["table.name.format"] == "to_pg"
