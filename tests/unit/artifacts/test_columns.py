"""Project column lineage: node ids, sinks, the per-shape memo, paths and their renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.artifacts.columns import (
    ColumnSource,
    column_path,
    project_column_lineage,
    render_column_path,
)
from streamt.sql.column_lineage import LineageMemo, column_lineage
from tests.unit.compile.helpers import EXAMPLES, REPO, compile_dir

PROJECTS = sorted(p.parent for p in (REPO / "examples").glob("*/stream_project.yml")) + sorted(
    p.parent for p in (REPO / "tests" / "corpus").rglob("stream_project.yml")
)


def _inputs(nodes: dict, nid: str) -> dict[str, list[str]]:  # type: ignore[type-arg]
    node = nodes[nid]
    return {nodes[i].name: [c.name for c in nodes[i].columns] for i in node.inputs if i in nodes}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: str(p.relative_to(REPO)))
def test_the_memo_gives_what_the_walk_gives(project: Path) -> None:
    result, _ = compile_dir(project)
    memo = LineageMemo()
    queries = [(n.query, _inputs(result.nodes, nid)) for nid, n in result.nodes.items() if n.query]
    for query, inputs in [*queries, *queries]:  # the second round answers from the memo
        assert memo.lineage(query, inputs) == column_lineage(query, inputs), query


def test_stamped_queries_share_one_walk() -> None:
    memo = LineageMemo()
    inputs = {f"t{i}": ["id", "v"] for i in range(3)}
    got = [
        memo.lineage(f"SELECT `id`, `v` * 2 AS `w` FROM `t{i}` WHERE `v` > {i}", inputs)
        for i in range(3)
    ]
    assert memo.hits == 2
    assert got[2][1].sources == (("t2", "v"),)
    # a table name used twice (qualified column) is walked as written, never memoised
    joined = "SELECT `t0`.`id` FROM `t0` JOIN `t1` ON `t0`.`id` = `t1`.`id`"
    assert memo.lineage(joined, inputs)[0].sources == (("t0", "id"),)
    assert memo.hits == 2


def test_project_lineage_uses_node_ids() -> None:
    result, _ = compile_dir(EXAMPLES / "clickstream")
    lineage = project_column_lineage(result.nodes)
    view = lineage["model.clickstream.view_clicks"]
    assert view["element"].sources == (ColumnSource("source.clickstream.clicks", "element"),)
    assert view["user_id"].sources == (ColumnSource("source.clickstream.page_views", "user_id"),)
    sink = lineage["model.clickstream.clicks_per_page_pg"]
    assert sink["users"].sources == (ColumnSource("model.clickstream.clicks_per_page", "users"),)


def test_column_path_and_its_renderings() -> None:
    result, _ = compile_dir(EXAMPLES / "payments")
    lineage = project_column_lineage(result.nodes)
    start = ColumnSource("model.payments.payments_eur", "amount")
    path = column_path(lineage, start)
    assert [(e.source.node, e.target.node) for e in path.upstream] == [
        ("model.payments.payments_validated", "model.payments.payments_eur"),
        ("source.payments.payments_raw", "model.payments.payments_validated"),
    ]
    assert {(e.target.node, e.target.column, e.derivation.value) for e in path.downstream} == {
        ("model.payments.hourly_revenue", "revenue", "aggregate"),
        ("model.payments.revenue_per_minute", "revenue", "aggregate"),
    }
    text = render_column_path(path, "ascii")
    assert text.splitlines()[0] == "payments_eur.amount [model]"
    assert "payments_raw.amount [source] -> payments_validated.amount [model] (copy)" in text
    doc = json.loads(render_column_path(path, "json"))
    assert doc["column"] == {"node": "model.payments.payments_eur", "column": "amount"}
    assert len(doc["upstream"]) == 2 and len(doc["downstream"]) == 2
    mermaid = render_column_path(path, "mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert mermaid.count("-->|") == 4
    alone = column_path(lineage, ColumnSource("source.payments.payments_raw", "currency"))
    assert alone.upstream == ()
    assert [e.target.node for e in alone.downstream] == ["model.payments.payments_validated"]
