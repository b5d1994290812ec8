"""The state-compatibility rule on stream graphs the real Flink 2.2 planner printed
(`EXPLAIN JSON_EXECUTION_PLAN` on the SQL Gateway, kept in tests/fixtures/stream_graphs/, the
queries of tests/integration/test_state_compat.py, whose matrix shows what Flink does with
each), and the plan and apply decisions that follow from it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from streamt.apply.executor import preflight
from streamt.apply.step import ApplyOptions
from streamt.diagnostics import StreamtError
from streamt.plan import PlanOptions, build_plan
from streamt.plan.state_compat import (
    LayoutError,
    StateCheck,
    compare,
    describe,
    layout,
)
from streamt.resources import Action

from .factories import ENV, applied_job_entry, desired, job, ledger, live, running

GRAPHS = Path(__file__).parents[2] / "fixtures" / "stream_graphs"


def graph(name: str):  # type: ignore[no-untyped-def]
    return layout((GRAPHS / f"{name}.txt").read_text())


def test_a_filter_merged_into_the_existing_calc_keeps_every_operator_id():
    check = compare(graph("v1"), graph("add_a_filter"))
    assert check == StateCheck(compatible=True, kept=4)  # source, aggregate, writer, committer


def _lost(check: StateCheck) -> list[str]:
    return sorted(line.split(" dropped")[0].split(" would be")[0] for line in check.lost)


def test_an_aggregate_that_changes_the_graph_loses_the_state_after_the_source():
    check = compare(graph("v1"), graph("distinct_count"))
    assert check.compatible is False and check.kept == 1  # the source's read positions
    assert _lost(check) == [
        "state of Committer of counts",
        "state of GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c])",
        "state of Writer of counts",
    ]


def test_a_column_computed_after_the_aggregation_moves_the_sink_operators():
    check = compare(graph("v1"), graph("add_an_output_column"))
    assert check.compatible is False and check.kept == 2  # source and aggregate keep theirs
    assert _lost(check) == ["state of Committer of counts", "state of Writer of counts"]


def test_a_group_key_taken_from_another_column_is_other_state():
    check = compare(graph("v1"), graph("change_the_group_key"))
    assert check.compatible is False and check.kept == 3
    assert check.lost == (
        "state of GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c]) would be restored "
        "into an operator fed by Calc(select=[k2]), which keeps other state",
    )


def test_another_aggregate_at_the_same_place_is_other_state():
    check = compare(graph("v1"), graph("change_the_aggregate"))
    assert check.compatible is False and check.kept == 3
    assert check.lost == (
        "state of GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c]) would be restored "
        "into GroupAggregate(groupBy=[k], select=[k, SUM(n) AS c]), which keeps other state",
    )


def test_a_window_of_another_size_is_other_state():
    check = compare(graph("window_10s"), graph("window_20s"))
    assert check.compatible is False
    assert [line.split(" would")[0] for line in check.lost] == [
        "state of GlobalWindowAggregate(groupBy=[k], window=[TUMBLE(slice_end=[$slice_end], "
        "size=[10 s])], select=[k, COUNT(count1$0) AS c, start('w$) AS window_start, "
        "end('w$) AS window_end])"
    ]
    assert compare(graph("window_10s"), graph("window_10s")).compatible is True


def test_operator_ids_follow_the_graph_not_flinks_node_numbers():
    text = (GRAPHS / "v1.txt").read_text()
    body = json.loads(text[text.index("{") :])
    for node in body["nodes"]:  # the same graph as planned later: every number shifted
        node["id"] += 100
        for pred in node.get("predecessors", []):
            pred["id"] += 100
    shifted = layout("== Physical Execution Plan ==\n" + json.dumps(body))
    assert [op.uid for op in shifted.operators] == [op.uid for op in graph("v1").operators]


def test_descriptions_ignore_node_numbers_and_output_names():
    assert describe("[4]:GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c])") == (
        "GroupAggregate",
        "GroupAggregate(groupBy=[k], select=[k, COUNT(*)])",
    )
    assert describe("counts[15]: Writer") == ("Writer", "Writer of counts")
    scan = "[1]:TableSourceScan(table=[[default_catalog, default_database, events]], fields=[id])"
    assert describe(scan) == (
        "TableSourceScan",
        "TableSourceScan(default_catalog.default_database.events)",
    )


def test_text_without_a_stream_graph_is_a_layout_error():
    with pytest.raises(LayoutError):
        layout("== Abstract Syntax Tree ==\nLogicalSink(...)")
    with pytest.raises(LayoutError):
        layout('== Physical Execution Plan ==\n{"nodes": 3}')
    with pytest.raises(LayoutError):
        layout('== Physical Execution Plan ==\n{"nodes": [{"contents": "[1]:Calc(select=[k])"}]}')


# --- plan and apply ----------------------------------------------------------------------


def _upgrade(check: StateCheck | None):  # type: ignore[no-untyped-def]
    deployed = job("counts", "SELECT k, COUNT(*) FROM orders GROUP BY k")
    now = job("counts", "SELECT k2, COUNT(*) FROM orders GROUP BY k2")
    state = live(jobs=(running(deployed, "j1"),))
    if check is not None:
        state = dataclasses.replace(state, state_checks={"counts": check})
    plan = build_plan(
        desired(jobs=(now,)),
        state,
        ledger(applied_job_entry(deployed, "j1")),
        PlanOptions(environment=ENV),
    )
    (change,) = plan.changes
    assert change.action is Action.UPGRADE and change.live_job_id == "j1"
    return plan, change


def test_a_compatible_upgrade_restores_from_the_savepoint():
    plan, change = _upgrade(StateCheck(compatible=True, kept=4))
    assert not change.state_breaking and change.restore_from is None
    assert change.reason.endswith("the state of its 4 stateful operator(s) restores")
    preflight(plan, ApplyOptions())


def test_an_incompatible_upgrade_says_what_is_lost_and_needs_allow_state_loss():
    lost = "state of GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c]) would be restored..."
    plan, change = _upgrade(StateCheck(compatible=False, lost=(lost,), kept=3))
    assert change.state_breaking and not change.destructive
    assert lost in change.reason and "--allow-state-loss" in change.hint
    with pytest.raises(StreamtError) as refused:
        preflight(plan, ApplyOptions(allow_destructive=True))
    (diag,) = refused.value.diagnostics
    assert diag.code == "A140" and lost in diag.message and "nothing was applied" in diag.hint
    preflight(plan, ApplyOptions(allow_state_loss=True))


def test_an_unchecked_upgrade_says_so_and_keeps_todays_savepoint_upgrade():
    plan, change = _upgrade(StateCheck(compatible=None, unknown="SQL Gateway: 503"))
    preflight(plan, ApplyOptions())  # no --allow-state-loss needed
    assert not change.state_breaking
    assert "could not be checked: SQL Gateway: 503" in change.reason
    _, plain = _upgrade(None)
    assert plain.reason == "SQL or job config changed: stop with savepoint, resubmit from it"


def test_a_verdict_that_changed_since_the_plan_makes_the_plan_stale():
    ok, bad = _upgrade(StateCheck(True, kept=1))[0], _upgrade(StateCheck(False, ("x",)))[0]
    assert ok.fingerprint.live != bad.fingerprint.live


def test_a_savepoint_is_never_resumed_into_sql_that_cannot_take_it():
    """A job stopped with a savepoint (`local down`, an interrupted upgrade) whose SQL changed
    meanwhile: the resume is state-breaking and starts without the savepoint."""
    deployed = job("counts", "SELECT k, COUNT(*) FROM orders GROUP BY k")
    now = job("counts", "SELECT k2, COUNT(*) FROM orders GROUP BY k2")
    entry = applied_job_entry(deployed, "j1", savepoint="file:/sp/1")
    lost = ("state of GroupAggregate(...) would be restored into ...",)

    def resume(check: StateCheck | None):  # type: ignore[no-untyped-def]
        state = live(jobs=(running(deployed, "j1", "FINISHED"),))
        if check is not None:
            state = dataclasses.replace(state, state_checks={"counts": check})
        (change,) = build_plan(
            desired(jobs=(now,)), state, ledger(entry), PlanOptions(environment=ENV)
        ).changes
        return change

    breaking = resume(StateCheck(False, lost))
    assert breaking.action is Action.CREATE and breaking.restore_from is None
    assert (
        breaking.state_breaking and lost[0] in breaking.reason and "file:/sp/1" in breaking.reason
    )
    assert resume(StateCheck(True, kept=2)).restore_from == "file:/sp/1"
    assert resume(None).restore_from == "file:/sp/1"  # not checked: resumed as before
