"""One id scheme: data tests are named by the graph's `test.<project>.<name>` everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.unit.load.helpers import write

from streamt.cli import main
from streamt.diagnostics import Diagnostic
from streamt.graph import build_graph
from streamt.load.ids import NodeId, NodeKind, node_id
from streamt.load.model import Project
from streamt.testing.check import check_tests
from streamt.testing.env import TestEnv
from streamt.testing.junit import to_junit_xml
from streamt.testing.results import Status, TestResult, blocking_failures
from streamt.testing.runner import RunOptions, run_tests
from streamt.testing.spec import ParsedTest

Make = Callable[[str], Project]

PROJECT = """
project: {name: shop}
sources:
  - name: orders
    topic: orders.v1
    columns: [{name: id, type: STRING}]
models:
  - name: big
    sql: SELECT id FROM {{ source("orders") }}
tests:
  - name: t1
    model: big
    type: sample
    assertions:
      - not_nul: {columns: [id]}
"""


def test_node_id_text_and_parse_round_trip() -> None:
    node = NodeId(NodeKind.TEST, "shop.eu", "t.v2")
    assert str(node) == "test.shop.eu.t.v2" == node_id(NodeKind.TEST, "shop.eu", "t.v2")
    assert NodeId.parse(str(node), "shop.eu") == node
    assert NodeId.parse(str(node), "shop") == NodeId(NodeKind.TEST, "shop", "eu.t.v2")
    assert NodeId.parse(str(node), "other") is None
    assert NodeId.parse("job.shop.x", "shop") is None  # not a node kind
    assert NodeId.parse("model.shop.", "shop") is None  # no name


def test_validate_json_names_a_test_by_its_graph_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT})
    code = main(["validate", "-p", str(tmp_path), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    (diag,) = [d for d in payload["diagnostics"] if d["code"] == "T001"]
    assert diag["node"] == "test.shop.t1"  # was `test.t1`: not an id the graph knows


def test_the_diagnostics_node_is_a_node_of_the_graph(make_project: Make) -> None:
    project = make_project(
        "- {name: t, model: nope, type: sample, assertions: [{not_null: {columns: [id]}}]}"
    )
    graph, _ = build_graph(project)
    diags = check_tests(project)
    assert [d.code for d in diags] == ["T008"]  # unknown target
    assert {d.node for d in diags} == {"test.shop.t"}
    assert {d.node for d in diags} <= set(graph.nodes)


def test_an_entry_that_fails_to_load_is_named_by_its_node_id(
    load_problems: Callable[[str], list[Diagnostic]],
) -> None:
    diags = load_problems(
        """
        - {name: t, model: orders_clean, type: sample, assertions: [{bogus: {}}]}
        - {name: u, model: orders_clean, type: sampel}
        """
    )
    assert [(d.code, d.node) for d in diags] == [("T001", "test.shop.t"), ("L006", "test.shop.u")]


def test_results_carry_the_node_into_json_and_blocking_diagnostics(make_project: Make) -> None:
    project = make_project(
        """
        - name: u
          model: orders_clean
          type: unit
          given: [{orders_raw: [{order_id: a}]}]
          expect: {rows: [{order_id: a}]}
          on_failure: [block_deploy]
        """
    )

    def failing_unit(spec: ParsedTest, env: TestEnv) -> TestResult:
        return TestResult(spec.name, "unit", spec.target, Status.FAIL, "rows differ")

    env = TestEnv(project="shop", bootstrap="")
    (result,) = run_tests(project, None, env, RunOptions(), unit_runner=failing_unit)
    assert result.node == "test.shop.u"
    assert result.to_dict()["node"] == "test.shop.u"
    assert result.blocking  # on_failure: block_deploy
    blocked = blocking_failures([result])
    assert [(d.code, d.node) for d in blocked] == [("T101", "test.shop.u")]
    xml = to_junit_xml([result], "shop")
    assert '<testcase name="u" classname="shop.unit.orders_clean"' in xml
