import json
from pathlib import Path

from streamt.diagnostics import Location
from streamt.graph import Graph, build_graph, select
from streamt.graph.lineage import focus, render
from streamt.load.model import Project
from tests.unit.load.helpers import load

PIPELINE = """
project: {name: shop}
sources:
  - {name: orders, topic: orders.v1, tags: [raw]}
  - {name: clean, topic: clean.src}
models:
  - name: clean
    tags: [finance]
    sql: SELECT * FROM {{ source("orders") }}
  - name: hourly
    sql: SELECT * FROM {{ ref("clean") }}
  - name: export
    from: hourly
    advanced: {connector: {type: jdbc-sink}}
tests:
  - {name: t1, model: hourly, type: schema}
exposures:
  - name: app
    type: application
    consumes: [{ref: hourly}]
    produces: [{source: orders}]
"""


def _project(tmp_path: Path, text: str) -> Project:
    result = load(tmp_path, text)
    assert result.ok, result.diagnostics
    assert result.project is not None
    return result.project


def _graph(tmp_path: Path, text: str = PIPELINE) -> Graph:
    graph, diags = build_graph(_project(tmp_path, text))
    assert diags == []
    return graph


def test_ids_are_typed_so_a_source_and_a_model_may_share_a_name(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    assert "source.shop.clean" in graph.nodes and "model.shop.clean" in graph.nodes
    assert graph.parents["model.shop.clean"] == ("source.shop.orders",)
    assert graph.parents["model.shop.export"] == ("model.shop.hourly",)
    assert graph.parents["test.shop.t1"] == ("model.shop.hourly",)
    assert graph.parents["exposure.shop.app"] == ("model.shop.hourly",)
    # produces: is lineage, not a dependency (an app may produce a source and consume its models)
    assert graph.parents["source.shop.orders"] == ()
    assert graph.produced_by["source.shop.orders"] == ("exposure.shop.app",)
    order = graph.order
    assert order.index("model.shop.clean") < order.index("model.shop.hourly")


def test_unknown_ref_has_did_you_mean_and_location(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - name: clean
            sql: SELECT 1
          - name: b
            sql: |
              SELECT * FROM {{ ref("clen") }}
        """,
    )
    _, diags = build_graph(project)
    (diag,) = diags
    assert (diag.code, diag.message) == ("G001", "ref(\"clen\") refers to unknown model 'clen'")
    assert diag.location == Location("stream_project.yml", 6, 5)
    assert diag.hint == "did you mean 'clean'?"
    assert diag.node == "model.shop.b"


def test_unknown_source_that_is_a_model_says_so(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - {name: clean, sql: SELECT 1}
          - {name: b, sql: 'SELECT * FROM {{ source("clean") }}'}
        """,
    )
    (diag,) = build_graph(project)[1]
    assert diag.code == "G002"
    assert diag.hint == "'clean' is a model: use {{ ref(\"clean\") }}"


def test_cycle_prints_the_path(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - {name: a, sql: 'SELECT * FROM {{ ref("c") }}'}
          - {name: b, sql: 'SELECT * FROM {{ ref("a") }}'}
          - {name: c, sql: 'SELECT * FROM {{ ref("b") }}'}
        """,
    )
    (diag,) = build_graph(project)[1]
    assert diag.code == "G003"
    assert diag.message == "dependency cycle: a -> b -> c -> a"
    assert diag.location == Location("stream_project.yml", 3, 5)


def test_duplicate_names_within_a_kind(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - {name: a, sql: SELECT 1}
          - {name: a, sql: SELECT 2}
        """,
    )
    (diag,) = build_graph(project)[1]
    assert (diag.code, diag.location) == ("G004", Location("stream_project.yml", 4, 5))
    assert diag.hint == "first defined at stream_project.yml:3:5; model names must be unique"


def test_unknown_test_target_and_exposure_reference(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - {name: orders, sql: SELECT 1}
        tests:
          - {name: t, model: order, type: schema}
        exposures:
          - name: app
            type: dashboard
            depends_on: [{ref: ordrs}]
        """,
    )
    diags = build_graph(project)[1]
    assert [(d.code, d.location.line, d.hint) for d in diags] == [
        ("G001", 5, "did you mean 'orders'?"),
        ("G001", 9, "did you mean 'orders'?"),
    ]
    assert diags[1].message == "exposure depends_on refers to unknown model 'ordrs'"


def test_selectors(tmp_path: Path) -> None:
    graph = _graph(tmp_path)

    def names(expr: str) -> set[str]:
        chosen, diags = select(graph, expr)
        assert diags == []
        return set(chosen)

    assert names("hourly") == {"model.shop.hourly"}
    assert names("clean") == {"model.shop.clean", "source.shop.clean"}
    assert names("model:clean") == {"model.shop.clean"}
    assert names("+hourly") == {"model.shop.hourly", "model.shop.clean", "source.shop.orders"}
    assert names("clean+") - {"source.shop.clean"} == {
        "model.shop.clean",
        "model.shop.hourly",
        "model.shop.export",
        "test.shop.t1",
        "exposure.shop.app",
    }
    assert names("+model:hourly+") >= {"model.shop.export", "source.shop.orders"}
    assert names("tag:finance tag:raw") == {"model.shop.clean", "source.shop.orders"}
    assert names("path:stream_project.yml,tag:finance") == {"model.shop.clean"}
    assert names("kind:test") == {"test.shop.t1"}


def test_selector_matching_nothing_is_a_diagnostic(tmp_path: Path) -> None:
    chosen, diags = select(_graph(tmp_path), "hourli")
    (diag,) = diags
    assert chosen == frozenset()
    assert (diag.code, diag.hint) == ("G010", "did you mean 'hourly'?")


def test_path_selector_matches_folders(tmp_path: Path) -> None:
    load_result = load(
        tmp_path,
        "project: {name: p}\n",
        {"models/staging/a.sql": "SELECT 1", "models/marts/b.sql": "SELECT 2"},
    )
    assert load_result.project is not None
    graph, _ = build_graph(load_result.project)
    assert select(graph, "path:models/staging")[0] == {"model.p.a"}
    assert select(graph, "path:models")[0] == {"model.p.a", "model.p.b"}


def test_path_selector_is_a_folder_not_a_name_prefix(tmp_path: Path) -> None:
    load_result = load(
        tmp_path,
        "project: {name: p}\n",
        {"models/stag/a.sql": "SELECT 1", "models/staging/b.sql": "SELECT 2"},
    )
    assert load_result.project is not None
    graph, _ = build_graph(load_result.project)
    assert select(graph, "path:models/stag")[0] == {"model.p.a"}
    assert select(graph, "path:models/stag/")[0] == {"model.p.a"}
    assert select(graph, "path:models/stag/a.sql")[0] == {"model.p.a"}
    assert select(graph, "path:models/sta")[0] == frozenset()


def test_lineage_ascii(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        """
        project: {name: shop}
        sources: [{name: orders, topic: o}]
        models:
          - {name: clean, sql: 'SELECT * FROM {{ source("orders") }}'}
          - {name: a, sql: 'SELECT * FROM {{ ref("clean") }}'}
          - {name: b, sql: 'SELECT * FROM {{ ref("clean") }}'}
        """,
    )
    assert render(graph, focus(graph, None, False, False), "ascii") == (
        "orders [source]\n└── clean [model]\n    ├── a [model]\n    └── b [model]\n"
    )


def test_lineage_json_and_mermaid_focused_upstream(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    keep = focus(graph, "model.shop.hourly", upstream=True, downstream=False)
    data = json.loads(render(graph, keep, "json"))
    assert [n["id"] for n in data["nodes"]] == [
        "source.shop.orders",
        "model.shop.clean",
        "model.shop.hourly",
    ]
    assert data["edges"] == [
        {"from": "source.shop.orders", "to": "model.shop.clean", "kind": "depends_on"},
        {"from": "model.shop.clean", "to": "model.shop.hourly", "kind": "depends_on"},
    ]
    everything = json.loads(render(graph, focus(graph, None, False, False), "json"))
    assert {"from": "exposure.shop.app", "to": "source.shop.orders", "kind": "produces"} in (
        everything["edges"]
    )
    mermaid = render(graph, focus(graph, "model.shop.clean", False, False), "mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert '[("source: orders")]' in mermaid and '["model: hourly"]' in mermaid
    assert "-->" in mermaid and "t1" not in mermaid
    assert "-.->" in render(graph, focus(graph, None, False, False), "mermaid")


def test_jinja_problem_is_placed_in_the_file(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - name: a
            sql: |
              SELECT 1
              FROM {{ nope("x") }}
        """,
    )
    (diag,) = build_graph(project)[1]
    assert diag.code == "L011" and "'nope' is undefined" in diag.message
    assert diag.location == Location("stream_project.yml", 6, 7)
    assert diag.node == "model.shop.a"


def test_cycle_diagnostic_names_its_first_node(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        models:
          - {name: a, sql: 'SELECT * FROM {{ ref("b") }}'}
          - {name: b, sql: 'SELECT * FROM {{ ref("a") }}'}
        """,
    )
    (diag,) = build_graph(project)[1]
    assert (diag.code, diag.node) == ("G003", "model.shop.a")


def test_exposure_references_follow_their_declared_kind(tmp_path: Path) -> None:
    """`source:` and `ref:` pick the kind even when a source and a model share the name."""
    graph = _graph(
        tmp_path,
        """
        project: {name: shop}
        sources:
          - {name: orders, topic: orders.v1}
        models:
          - {name: orders, sql: 'SELECT * FROM {{ source("orders") }}'}
        exposures:
          - name: reader
            type: application
            consumes: [{source: orders}]
          - name: board
            type: dashboard
            depends_on: [{ref: orders}]
          - name: writer
            type: application
            produces: [{ref: orders}]
        """,
    )
    assert graph.parents["exposure.shop.reader"] == ("source.shop.orders",)
    assert graph.parents["exposure.shop.board"] == ("model.shop.orders",)
    assert graph.produced_by["model.shop.orders"] == ("exposure.shop.writer",)


def test_unknown_exposure_references_say_which_list(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        project: {name: shop}
        exposures:
          - name: app
            type: application
            consumes: [{source: nowhere}]
            produces: [{ref: nothing}]
        """,
    )
    diags = build_graph(project)[1]
    assert [(d.code, d.message, d.node) for d in diags] == [
        ("G002", "exposure consumes refers to unknown source 'nowhere'", "exposure.shop.app"),
        ("G001", "exposure produces refers to unknown model 'nothing'", "exposure.shop.app"),
    ]


def test_lineage_json_names_each_node_file(tmp_path: Path) -> None:
    from streamt.graph.lineage import to_json

    graph = _graph(tmp_path)
    data = json.loads(to_json(graph, set(graph.nodes)))
    files = {n["id"]: n["file"] for n in data["nodes"]}
    assert files["model.shop.hourly"] == "stream_project.yml"
    assert {"from": "exposure.shop.app", "to": "source.shop.orders", "kind": "produces"} in data[
        "edges"
    ]


def test_selectors_given_as_a_list_are_a_union(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    chosen, diags = select(graph, ["hourly export", "tag:raw"])
    assert diags == []
    assert chosen == {"model.shop.hourly", "model.shop.export", "source.shop.orders"}
