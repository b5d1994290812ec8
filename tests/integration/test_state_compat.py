"""State-compatible upgrades on the real stack: for each SQL edit of a running count, what the
plan predicts (the new SQL restores the savepoint, or the upgrade is state-breaking) against
what Flink really does when the new SQL is started from the running job's savepoint.

Compatible: apply upgrades through the savepoint and the counts continue exactly.
Incompatible: apply refuses (A140) without --allow-state-loss; forced by hand (stop with
savepoint, submit the new SQL from it, as an upgrade would), Flink either refuses the savepoint
or restores the old state into an operator that means something else, so the rows are wrong;
with --allow-state-loss the new SQL starts without state, reads its input again from the
earliest offset, and its rows are exactly right."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from streamt.apply.jobs import await_running, cancel_and_explain, submit_job
from streamt.apply.step import ApplyOptions, StepError
from streamt.compile.specs import ChangelogMode, DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import Action, Change, ResourceKind, TopicSpec
from tests.kafka_helpers import produce_json
from tests.stack import endpoints

from .test_apply_support import (
    cleanup,
    deploy,
    flink_job,
    read_all,
    session,
    systems,
    table_ddl,
    unique,
    wait_for_slots,
)

pytestmark = pytest.mark.integration
KEYS = [f"k{i}" for i in range(5)]
V1 = "SELECT `k`, COUNT(*) AS `c` FROM `events` GROUP BY `k`"
Row = dict[str, object]


@dataclass(frozen=True)
class Edit:
    query: str
    compatible: bool  # what Flink really does (the prediction must say the same)
    # the counts a correct run of the new SQL gives over all rows
    expected: Callable[[list[Row]], dict[str, int]]
    columns: tuple[tuple[str, str], ...] = (("k", "STRING"), ("c", "BIGINT"))


def _count(field: str, weight: str | None = None) -> Callable[[list[Row]], dict[str, int]]:
    def counts(rows: list[Row]) -> dict[str, int]:
        out: Counter[str] = Counter()
        for r in rows:
            out[str(r[field])] += int(str(r[weight])) if weight else 1
        return dict(out)

    return counts


EDITS = {
    # the query already has a Calc (it drops columns): the filter joins it, the graph keeps its shape
    "add a filter": Edit(
        "SELECT `k`, COUNT(*) AS `c` FROM `events` WHERE `k` <> '' GROUP BY `k`",
        True,
        _count("k"),
    ),
    # a Calc after the aggregation: the sink's operators move one place in Flink's walk
    "add an output column": Edit(
        "SELECT `k`, COUNT(*) AS `c`, UPPER(`k`) AS `u` FROM `events` GROUP BY `k`",
        False,
        _count("k"),
        (("k", "STRING"), ("c", "BIGINT"), ("u", "STRING")),
    ),
    # same graph, same key type: Flink restores the counts per k as counts per k2
    "change the group key": Edit(
        "SELECT `k2` AS `k`, COUNT(*) AS `c` FROM `events` GROUP BY `k2`", False, _count("k2")
    ),
    # same graph: COUNT's accumulator would be read as SUM's
    "change the aggregate": Edit(
        "SELECT `k`, SUM(`n`) AS `c` FROM `events` GROUP BY `k`", False, _count("k", "n")
    ),
}


def project(
    name: str, query: str, columns: tuple[tuple[str, str], ...], **config: str
) -> DesiredState:
    events, counts = f"{name}.events", f"{name}.counts"
    src = table_ddl(
        "events",
        events,
        [("id", "STRING"), ("k", "STRING"), ("k2", "STRING"), ("n", "BIGINT")],
        group=f"streamt.{name}.counts",
    )
    dst = table_ddl("counts", counts, list(columns), key="k")
    job = flink_job(
        name,
        "counts",
        src,
        dst,
        query,
        "counts",
        config={"execution.checkpointing.interval": "2s", **config},
        changelog=ChangelogMode.UPSERT,
    )
    return DesiredState(
        project=name,
        topics=(
            TopicSpec(events, 1, 1, {}, node=f"source.{name}.events"),
            TopicSpec(counts, 1, 1, {"cleanup.policy": "compact"}, node=f"model.{name}.counts"),
        ),
        jobs=(job,),
    )


class Events:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic, self.rows = bootstrap, topic, list[Row]()

    def send(self, n: int) -> None:
        start = len(self.rows)
        rows: list[Row] = [
            {"id": f"e{i}", "k": KEYS[i % 5], "k2": KEYS[i % 2], "n": 2}
            for i in range(start, start + n)
        ]
        produce_json(self.bootstrap, self.topic, rows, key="k")
        self.rows.extend(rows)


def counts_now(bootstrap: str, topic: str, expected: dict[str, int]) -> dict[str, int]:
    """The latest count per key in the output, read until it equals `expected` (or 90 s)."""
    import time

    deadline, latest = time.monotonic() + 90, dict[str, int]()
    while time.monotonic() < deadline:
        for _key, value in read_all(bootstrap, topic, expect=1, timeout=15, settle=1.0):
            if isinstance(value, dict):
                latest[str(value["k"])] = int(value["c"])
        if latest == expected:
            break
        time.sleep(2)
    return latest


def start_counting(old: DesiredState, events: Events) -> dict[str, int]:
    """Deploy the first version, send 50 rows, wait for their exact counts per k."""
    _, report = deploy(old)
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    events.send(50)
    first = _count("k")(events.rows)
    counts = f"{old.project}.counts"
    assert counts_now(events.bootstrap, counts, first) == first
    return first


def job_change(desired: DesiredState) -> Change:
    (change,) = [c for c in session(desired).plan().pending if c.kind is ResourceKind.JOB]
    return change


def force_restore(desired: DesiredState, job_id: str) -> tuple[str, str, str]:
    """What Flink does with the new SQL started from the running job's savepoint, done by hand
    as an upgrade would: (new job id or "", the savepoint, Flink's error or "")."""
    flink = systems().flink
    assert flink is not None
    savepoint = flink.stop_with_savepoint(job_id)
    ctx = session(desired).step_context(ApplyOptions(job_stable_s=8.0, job_start_timeout_s=90.0))
    (spec,) = desired.jobs
    try:
        new_job = submit_job(ctx, spec, savepoint)
    except StepError as exc:  # refused at submission
        return "", savepoint, str(exc)
    try:
        await_running(ctx, new_job)
    except StepError as exc:
        return "", savepoint, cancel_and_explain(ctx, new_job, str(exc), spec)
    return new_job, savepoint, ""


def refused_then_forced(new: DesiredState, change: Change) -> tuple[str, str, str]:
    """Apply refuses the state-breaking upgrade (A140); then `force_restore` does it anyway."""
    with pytest.raises(StreamtError) as refused:
        deploy(new)
    assert [d.code for d in refused.value.diagnostics] == ["A140"]
    assert change.live_job_id
    wait_for_slots(1)
    return force_restore(new, change.live_job_id)


@pytest.mark.parametrize("edit_name", list(EDITS))
def test_prediction_matches_what_flink_does_on_restore(edit_name, local_stack):  # type: ignore[no-untyped-def]
    edit = EDITS[edit_name]
    name = unique("it-statecompat")
    old, new = (
        project(name, V1, EDITS["add a filter"].columns),
        project(name, edit.query, edit.columns),
    )
    bootstrap = local_stack.kafka_bootstrap
    events = Events(bootstrap, f"{name}.events")
    try:
        start_counting(old, events)

        change = job_change(new)
        assert change.action is Action.UPGRADE
        assert change.state_breaking is (not edit.compatible), change.reason
        if edit.compatible:
            assert "stateful operator(s) restores" in change.reason
            _, report = deploy(new)
            assert report.ok, [(r.change.address, r.message) for r in report.failed]
            events.send(50)
            expected = edit.expected(events.rows)
            assert counts_now(bootstrap, f"{name}.counts", expected) == expected
            return

        assert "cannot be restored" in change.reason and "state of " in change.reason
        # apply refuses it; what Flink itself does when the savepoint is restored anyway
        new_job, savepoint, error = refused_then_forced(new, change)
        if new_job:  # Flink took the savepoint: the old state now means something else
            flink = systems().flink
            assert flink is not None
            stats = flink.checkpoint_stats(new_job)  # type: ignore[attr-defined]
            assert stats.restored_path.rstrip("/") == savepoint.rstrip("/")
            events.send(50)
            expected = edit.expected(events.rows)
            assert counts_now(bootstrap, f"{name}.counts", expected) != expected
        else:
            assert "Failed to rollback to checkpoint/savepoint" in error, error
    finally:
        cleanup([old, new])


def test_allow_state_loss_starts_the_new_sql_from_the_earliest_offset(local_stack):  # type: ignore[no-untyped-def]
    edit = EDITS["change the group key"]
    name = unique("it-stateloss")
    old, new = project(name, V1, edit.columns), project(name, edit.query, edit.columns)
    bootstrap = local_stack.kafka_bootstrap
    events = Events(bootstrap, f"{name}.events")
    try:
        first = start_counting(old, events)
        before = session(old).ledger.get(ResourceKind.JOB, "counts")
        assert before is not None

        _, report = deploy(new, allow_state_loss=True)
        assert report.ok, [(r.change.address, r.message) for r in report.failed]
        assert "without state" in report.results[-1].message
        events.send(50)
        # every row counted once by the new key; the old SQL's rows of keys the new one never
        # writes (k2..k4) stay in the output topic as they were
        expected = {**first, **edit.expected(events.rows)}
        assert counts_now(bootstrap, f"{name}.counts", expected) == expected

        entry = session(new).ledger.get(ResourceKind.JOB, "counts")
        assert entry is not None and entry.job_id != before.job_id
        assert entry.previous[-1].savepoint  # the old state, kept for `streamt rollback`
        assert not session(new).plan().has_changes
    finally:
        cleanup([old, new])


def test_rescaling_through_a_savepoint_keeps_the_pinned_max_parallelism(local_stack):  # type: ignore[no-untyped-def]
    columns = EDITS["add a filter"].columns
    name = unique("it-rescale")
    old = project(name, V1, columns)
    wider = project(name, V1, columns, **{"parallelism.default": "2"})
    bootstrap = local_stack.kafka_bootstrap
    events = Events(bootstrap, f"{name}.events")
    try:
        start_counting(old, events)
        entry = session(old).ledger.get(ResourceKind.JOB, "counts")
        assert entry is not None and entry.max_parallelism == 128  # Flink's default, read back

        pinned_elsewhere = project(name, V1, columns, **{"pipeline.max-parallelism": "64"})
        change = job_change(pinned_elsewhere)
        assert change.state_breaking and "cannot be restored with pipeline.max-parallelism 64" in (
            change.reason
        )

        change = job_change(wider)
        assert change.action is Action.UPGRADE and not change.state_breaking, change.reason
        wait_for_slots(2)
        _, report = deploy(wider)
        assert report.ok, [(r.change.address, r.message) for r in report.failed]
        events.send(50)
        expected = _count("k")(events.rows)
        assert counts_now(bootstrap, f"{name}.counts", expected) == expected  # state restored
        entry = session(wider).ledger.get(ResourceKind.JOB, "counts")
        assert entry is not None and entry.max_parallelism == 128
        flink = systems().flink
        assert flink is not None
        assert flink.job_parallelism(entry.job_id) == 2  # type: ignore[attr-defined]
        assert flink.max_parallelism(entry.job_id) == 128  # type: ignore[attr-defined]
    finally:
        cleanup([old, wider])


WINDOW = (
    "SELECT `k`, `window_start`, `window_end`, COUNT(*) AS `c` FROM TABLE(TUMBLE(TABLE `events`, "
    "DESCRIPTOR(`ts`), INTERVAL '{size}' SECOND)) GROUP BY `k`, `window_start`, `window_end`"
)


def window_project(name: str, size: int) -> DesiredState:
    events, windows = f"{name}.events", f"{name}.windows"
    servers = endpoints().kafka_bootstrap
    src = (
        "CREATE TABLE `events` (`k` STRING, `ts` TIMESTAMP(3), "
        "WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND) WITH ('connector' = 'kafka', "
        f"'topic' = '{events}', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset', "
        f"'properties.bootstrap.servers' = '{servers}', "
        f"'properties.group.id' = 'streamt.{name}.windows')"
    )
    dst = table_ddl(
        "windows",
        windows,
        [
            ("k", "STRING"),
            ("window_start", "TIMESTAMP(3)"),
            ("window_end", "TIMESTAMP(3)"),
            ("c", "BIGINT"),
        ],
    )
    job = flink_job(
        name,
        "windows",
        src,
        dst,
        WINDOW.format(size=size),
        "windows",
        config={"execution.checkpointing.interval": "2s"},
    )
    return DesiredState(
        project=name,
        topics=(
            TopicSpec(events, 1, 1, {}, node=f"source.{name}.events"),
            TopicSpec(windows, 1, 1, {}, node=f"model.{name}.windows"),
        ),
        jobs=(job,),
    )


def _window_row(value: object) -> tuple[str, str, str, int]:
    assert isinstance(value, dict)
    start, end = (str(value[f"window_{x}"])[11:19] for x in ("start", "end"))
    return str(value["k"]), start, end, int(value["c"])


def _at(second: int) -> str:
    return f"2026-01-01 00:{second // 60:02d}:{second % 60:02d}"


def test_a_window_of_another_size_is_predicted_state_breaking_and_flink_proves_it(local_stack):  # type: ignore[no-untyped-def]
    name = unique("it-statewin")
    old, new = window_project(name, 10), window_project(name, 20)
    bootstrap = local_stack.kafka_bootstrap
    sent: list[Row] = []

    def send(seconds: list[int]) -> None:
        rows: list[Row] = [{"k": k, "ts": _at(t)} for t in seconds for k in ("a", "b")]
        produce_json(bootstrap, f"{name}.events", rows, key="k")
        sent.extend(rows)

    try:
        _, report = deploy(old)
        assert report.ok, [(r.change.address, r.message) for r in report.failed]
        send([1, 2, 3, 11, 12])  # window [0, 10) fires; [10, 20) stays open in the state
        first = read_all(bootstrap, f"{name}.windows", expect=2, timeout=60)
        assert sorted(_window_row(v) for _, v in first) == [
            ("a", "00:00:00", "00:00:10", 3),
            ("b", "00:00:00", "00:00:10", 3),
        ]

        change = job_change(new)
        assert change.state_breaking and "size=[10 s]" in change.reason, change.reason
        new_job, savepoint, error = refused_then_forced(new, change)
        if not new_job:
            assert "Failed to rollback to checkpoint/savepoint" in error, error
            return
        flink = systems().flink
        assert flink is not None
        assert flink.checkpoint_stats(new_job).restored_path.rstrip("/") == savepoint.rstrip("/")  # type: ignore[attr-defined]
        send([15, 45])  # the watermark passes 40 s
        got = read_all(bootstrap, f"{name}.windows", expect=4, timeout=60, settle=5.0)
        rows = [_window_row(v) for _, v in got[2:]]  # what the restored job wrote
        # the new SQL over every row sent: [0 s, 20 s) holds 1, 2, 3, 11, 12 and 15 per key
        right = [("a", "00:00:00", "00:00:20", 6), ("b", "00:00:00", "00:00:20", 6)]
        assert rows and sorted(rows) != right, rows
    finally:
        cleanup([old, new])
