"""Idleness without silent loss (issue 9, point 5), on the local stack.

- An interval join whose second input starts producing 30 s after the first gets every match
  with the default (no idle timeout); the same join with a 5 s idle timeout on its inputs loses
  them (the trade-off the README describes), measured side by side in one deployment.
- A window over a two-partition topic whose second partition stays empty fires once an idle
  timeout is configured on the source, and does not fire without one.
"""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer

from streamt.compile import CompileResult
from streamt.context import Context
from streamt.local.endpoints import Endpoints
from tests.kafka_helpers import create_topic, unique

from .test_apply_support import cleanup, deploy, destroy, read_all

pytestmark = pytest.mark.integration


def _produce(
    bootstrap: str, topic: str, rows: Sequence[Mapping[str, Any]], partition: int = 0
) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for row in rows:
        producer.produce(topic, value=json.dumps(row).encode(), partition=partition)
    assert producer.flush(15) == 0


def _compiled(root: Path, text: str) -> CompileResult:
    root.mkdir()
    (root / "stream_project.yml").write_text(textwrap.dedent(text).lstrip())
    report = Context(root).validate(use_cache=False)
    assert not [d for d in report.diagnostics if d.is_error], [
        d.render() for d in report.diagnostics
    ]
    return Context(root).compile()


@pytest.fixture
def deployed() -> Iterator[Callable[[CompileResult], None]]:
    done: list[CompileResult] = []

    def run(result: CompileResult) -> None:
        done.append(result)
        _, report = deploy(result.desired)
        assert report.ok, [(r.change.address, r.message) for r in report.failed]

    yield run
    for result in done:
        cleanup([result.desired])
        destroy(result.desired.project)


JOIN_PROJECT = """
project: {name: NAME}
runtime:
  kafka: {bootstrap_servers: "KAFKA"}
sources:
  - name: orders
    topic: ORDERS
    columns: [{name: order_id, type: STRING}, {name: order_ts, type: TIMESTAMP(3)}]
    event_time: {column: order_ts, watermark: {max_out_of_orderness_ms: 0IDLE}}
  - name: shipments
    topic: SHIPMENTS
    columns: [{name: order_id, type: STRING}, {name: ship_ts, type: TIMESTAMP(3)}]
    event_time: {column: ship_ts, watermark: {max_out_of_orderness_ms: 0IDLE}}
models:
  - name: shipped
    advanced: {flink: {parallelism: 1}, topic: {name: OUT}}
    sql: |
      SELECT o.order_id, o.order_ts, s.ship_ts
      FROM {{ source("orders") }} o JOIN {{ source("shipments") }} s
        ON o.order_id = s.order_id
       AND s.ship_ts BETWEEN o.order_ts AND o.order_ts + INTERVAL '1' HOUR
"""


def _fill(text: str, names: Mapping[str, str]) -> str:
    for placeholder, value in names.items():
        text = text.replace(placeholder, value)
    return text


def test_an_interval_join_whose_second_input_starts_30s_later_gets_every_match(
    tmp_path: Path, local_stack: Endpoints, deployed: Callable[[CompileResult], None]
) -> None:
    kafka = local_stack.kafka_bootstrap
    base = unique("it-idle-join")
    topics = {"ORDERS": f"{base}.orders", "SHIPMENTS": f"{base}.shipments"}
    for topic in topics.values():
        create_topic(kafka, topic)
    outs = {}
    for variant, idle in (("default", ""), ("idle5s", ", idle_timeout_ms: 5000")):
        values = {"NAME": f"{base}-{variant}", "KAFKA": kafka, "IDLE": idle, **topics}
        outs[variant] = values["OUT"] = f"{base}.{variant}.out"
        result = _compiled(tmp_path / variant, _fill(JOIN_PROJECT, values))
        script = result.desired.jobs[0].script
        assert ("idle-timeout" in script) == bool(idle)  # by default no input ever goes idle
        deployed(result)
    orders = [
        {"order_id": f"o{i}", "order_ts": f"2026-01-01 10:{i * 5:02d}:00.000"} for i in range(9)
    ]
    # a late-day order without a shipment: the first input's watermark runs far ahead
    orders.append({"order_id": "o-late", "order_ts": "2026-01-01 18:00:00.000"})
    started = time.monotonic()
    _produce(kafka, topics["ORDERS"], orders)
    time.sleep(30)  # the second input is quiet for 30 s
    shipments = [
        {"order_id": f"o{i}", "ship_ts": f"2026-01-01 10:{i * 5 + 3:02d}:00.000"} for i in range(9)
    ]
    _produce(kafka, topics["SHIPMENTS"], shipments)
    rows = read_all(kafka, outs["default"], expect=9, timeout=120, settle=5)
    got = sorted((v for _, v in rows), key=lambda r: r["order_id"])  # type: ignore[index]
    elapsed = round(time.monotonic() - started, 1)
    assert got == [
        {
            "order_id": f"o{i}",
            "order_ts": f"2026-01-01 10:{i * 5:02d}:00",
            "ship_ts": f"2026-01-01 10:{i * 5 + 3:02d}:00",
        }
        for i in range(9)
    ]
    # the same join with a 5 s idle timeout: the quiet input went idle, the watermark followed
    # the orders to 18:00, and the shipments arrived late
    idle = read_all(kafka, outs["idle5s"], expect=9, timeout=15, settle=0)
    print(f"interval join: expected 9, default {len(got)} ({elapsed} s), idle 5 s {len(idle)}")
    assert len(idle) < 9


WINDOW_PROJECT = """
project: {name: NAME}
runtime:
  kafka: {bootstrap_servers: "KAFKA"}
sources:
  - name: ticks
    topic: TICKS
    columns: [{name: k, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
    event_time: {column: ts, watermark: {max_out_of_orderness_ms: 0, idle_timeout_ms: IDLE}}
models:
  - name: per_minute
    advanced: {flink: {parallelism: 1}, topic: {name: OUT}}
    sql: |
      SELECT window_start, COUNT(*) AS ticks
      FROM TABLE(TUMBLE(TABLE {{ source("ticks") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
"""


def test_a_window_over_a_topic_with_an_empty_partition_fires_only_with_idleness(
    tmp_path: Path, local_stack: Endpoints, deployed: Callable[[CompileResult], None]
) -> None:
    kafka = local_stack.kafka_bootstrap
    base = unique("it-idle-window")
    ticks = f"{base}.ticks"
    create_topic(kafka, ticks, partitions=2)
    outs = {}
    for variant, idle in (("strict", "0"), ("idle2s", "2000")):
        values = {"NAME": f"{base}-{variant}", "KAFKA": kafka, "IDLE": idle, "TICKS": ticks}
        outs[variant] = values["OUT"] = f"{base}.{variant}.out"
        deployed(_compiled(tmp_path / variant, _fill(WINDOW_PROJECT, values)))
    rows = [
        {"k": "a", "ts": "2026-01-01 10:00:05.000"},
        {"k": "b", "ts": "2026-01-01 10:00:40.000"},
    ]
    rows += [{"k": "c", "ts": "2026-01-01 10:01:10.000"}]
    rows += [{"k": "d", "ts": "2026-01-01 10:05:00.000"}]  # advances the watermark
    started = time.monotonic()
    _produce(kafka, ticks, rows, partition=0)  # partition 1 stays empty
    fired = read_all(kafka, outs["idle2s"], expect=2, timeout=120, settle=3)
    elapsed = round(time.monotonic() - started, 1)
    assert [v for _, v in fired] == [
        {"window_start": "2026-01-01 10:00:00", "ticks": 2},
        {"window_start": "2026-01-01 10:01:00", "ticks": 1},
    ]
    # the same window without idleness: the empty partition holds the watermark back (the
    # idle job above has already fired, so this one had every chance to)
    held = read_all(kafka, outs["strict"], expect=1, timeout=20, settle=0)
    print(f"window, one empty partition: idle 2 s fired in {elapsed} s; strict {len(held)} rows")
    assert held == []
