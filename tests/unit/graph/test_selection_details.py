"""Selectors and lineage renderings, each stated on the small shop pipeline of test_graph."""

import json
from pathlib import Path

from streamt.graph import select
from streamt.graph.lineage import to_json, to_mermaid
from streamt.graph.state import modified_nodes

from .test_graph import _graph, _project


def test_state_modified_keeps_only_nodes_still_in_the_graph(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    modified = frozenset({"model.shop.hourly", "model.shop.dropped_since"})
    assert select(graph, "state:modified", modified) == (frozenset({"model.shop.hourly"}), [])


def test_nothing_modified_selects_nothing_without_a_diagnostic(tmp_path: Path) -> None:
    assert select(_graph(tmp_path), "state:modified", frozenset()) == (frozenset(), [])


def test_state_modified_without_a_previous_compile_says_how_to_give_one(tmp_path: Path) -> None:
    chosen, (diag,) = select(_graph(tmp_path), "state:modified")
    assert chosen == frozenset()
    assert diag.code == "G012"
    assert diag.hint == "pass --state DIR (the target directory of an earlier streamt compile)"


def test_comma_joined_selectors_intersect_every_part(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    # +hourly is hourly, clean and the orders source; tag:finance only clean
    assert select(graph, "+hourly,tag:finance") == (frozenset({"model.shop.clean"}), [])
    assert select(graph, "tag:finance,+hourly") == (frozenset({"model.shop.clean"}), [])


def test_a_typed_selector_suggests_by_the_name_after_its_colon(tmp_path: Path) -> None:
    _, (diag,) = select(_graph(tmp_path), "source:ordrs")
    assert (diag.code, diag.message, diag.hint) == (
        "G010",
        "selector 'source:ordrs' matches no node",
        "did you mean 'orders'?",
    )


def test_walking_from_an_unknown_node_finds_nothing(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    assert graph.upstream("model.shop.nope") == set()
    assert graph.downstream("model.shop.nope") == set()


def test_duplicate_name_message_names_the_kind_and_the_name(tmp_path: Path) -> None:
    from streamt.graph import build_graph

    project = _project(
        tmp_path,
        "project: {name: shop}\nsources:\n  - {name: a, topic: t1}\n  - {name: a, topic: t2}\n",
    )
    (diag,) = build_graph(project)[1]
    assert (diag.code, diag.message) == ("G004", "duplicate source name 'a'")


def test_lineage_json_names_its_project(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    assert json.loads(to_json(graph, {"model.shop.clean"})) == {
        "project": "shop",
        "nodes": [
            {
                "id": "model.shop.clean",
                "kind": "model",
                "name": "clean",
                "file": "stream_project.yml",
                "tags": ["finance"],
            }
        ],
        "edges": [],
    }


def test_mermaid_labels_are_kind_and_name(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    text = to_mermaid(graph, {"source.shop.orders", "model.shop.clean"})
    assert text.splitlines()[1:] == [
        '  n0[("source: orders")]',
        '  n1["model: clean"]',
        "  n0 --> n1",
    ]


def test_key_order_inside_a_manifest_entry_is_no_modification() -> None:
    # the same two topics of one node, each written with its keys in another order
    before = {
        "nodes": [{"id": "model.m"}],
        "topics": [
            {"node": "model.m", "name": "b", "a": 1},
            {"name": "a", "node": "model.m"},
        ],
    }
    after = {
        "nodes": [{"id": "model.m"}],
        "topics": [
            {"a": 1, "name": "b", "node": "model.m"},
            {"node": "model.m", "name": "a"},
        ],
    }
    assert modified_nodes(before, after) == frozenset()
    after["topics"][1]["name"] = "c"  # type: ignore[index]
    assert modified_nodes(before, after) == frozenset({"model.m"})


def test_from_entries_resolve_bare_names_model_first_and_typed_names_as_typed(
    tmp_path: Path,
) -> None:
    graph = _graph(
        tmp_path,
        """
project: {name: shop}
sources:
  - {name: orders, topic: orders.v1}
  - {name: clean, topic: clean.src}
models:
  - name: clean
    sql: SELECT * FROM {{ source("orders") }}
  - name: copy_orders
    from: orders
    advanced: {connector: {type: jdbc-sink}}
  - name: copy_clean
    from: clean
    advanced: {connector: {type: jdbc-sink}}
  - name: raw_copy
    from: [{source: clean}]
    advanced: {connector: {type: jdbc-sink}}
""",
    )
    assert graph.parents["model.shop.copy_orders"] == ("source.shop.orders",)
    assert graph.parents["model.shop.copy_clean"] == ("model.shop.clean",)
    # a typed entry is what it says, even where a model shares the name
    assert graph.parents["model.shop.raw_copy"] == ("source.shop.clean",)
