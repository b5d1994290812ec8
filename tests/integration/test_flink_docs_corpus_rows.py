"""The Flink docs corpus on the local stack: one example per streaming pattern runs with real
records and writes exactly the rows expected.

Each case takes models of tests/corpus/flink_docs/stream_project.yml as they are (only topic,
project and parallelism are made unique to the run), compiles them, submits the compiled jobs,
produces the records (the docs' own example data where the page gives it, else a small set whose
result is worked out by hand in the comment) and reads the output topic. Append outputs are
compared row for row (in any order, and no extra row may follow); upsert outputs are reduced by
key (the latest value, a tombstone deletes) and compared as a table. A late "sentinel" record
moves the watermark past the last window; it lies in a window (or time) that never fires.
Also: `validate --flink` accepts the whole corpus on the SQL Gateway.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from confluent_kafka import Consumer, KafkaError, Producer

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.compile.specs import ChangelogMode
from streamt.context import Context
from streamt.local.endpoints import Endpoints
from tests.flink_helpers import cancel_job, wait_job_running_tasks
from tests.integration.test_apply_support import wait_for_slots
from tests.kafka_helpers import create_topic, unique
from tests.stack import runtime_overlay
from tests.unit.compile.helpers import REPO, compile_dir

pytestmark = pytest.mark.integration

CORPUS = REPO / "tests" / "corpus" / "flink_docs"
PROJECT: dict[str, Any] = yaml.safe_load((CORPUS / "stream_project.yml").read_text())

Row = dict[str, Any]


@dataclass(frozen=True)
class Case:
    models: tuple[str, ...]  # in dependency order; the last one's topic is read
    records: Mapping[str, Sequence[Row]]  # source -> rows, produced in this order
    expected: Sequence[Row]
    keys: Mapping[str, str] = field(default_factory=dict)  # source -> key column (raw key)


def _bid(t: str, price: float, item: str, supplier: str) -> Row:
    return {"bidtime": f"2020-04-15 {t}:00", "price": price, "item": item, "supplier_id": supplier}


# window-tvf.md / window-agg.md Bid table
BID = [
    _bid("08:05", 4.00, "C", "supplier1"),
    _bid("08:07", 2.00, "A", "supplier1"),
    _bid("08:09", 5.00, "D", "supplier2"),
    _bid("08:11", 3.00, "B", "supplier2"),
    _bid("08:13", 1.00, "E", "supplier1"),
    _bid("08:17", 6.00, "F", "supplier2"),
]
# window-topn.md / window-deduplication.md Bid table
BID_TOPN = [
    _bid("08:05", 4.00, "A", "supplier1"),
    _bid("08:06", 4.00, "C", "supplier2"),
    _bid("08:07", 2.00, "G", "supplier1"),
    _bid("08:08", 2.00, "B", "supplier3"),
    _bid("08:09", 5.00, "D", "supplier4"),
    _bid("08:11", 2.00, "B", "supplier3"),
    _bid("08:13", 1.00, "E", "supplier1"),
    _bid("08:15", 3.00, "H", "supplier2"),
    _bid("08:17", 6.00, "F", "supplier5"),
]
# in windows that never fire: it only moves the watermark on
BID_SENTINELS = [_bid("09:00", 0.0, "Z", "sentinel")]


def _w(start: str, end: str) -> Row:
    return {"window_start": f"2020-04-15 {start}:00", "window_end": f"2020-04-15 {end}:00"}


_NO_WINDOW: Row = {"window_start": None, "window_end": None}


def _lr(t: str, num: int, rid: str) -> Row:
    return {"row_time": f"2020-04-15 {t}:00", "num": num, "id": rid}


def _tick(second: int, price: int, tax: int, symbol: str = "ACME") -> Row:
    return {
        "symbol": symbol,
        "rowtime": f"2011-04-01 10:{second // 60:02d}:{second % 60:02d}",
        "price": price,
        "tax": tax,
    }


def _order(oid: str, t: str, amount: int, product: str, **more: Any) -> Row:
    row = {"order_id": oid, "order_time": f"2026-01-01 {t}", "amount": amount, "product": product}
    return row | more


CASES: dict[str, Case] = {
    # window-tvf.md: TUMBLE aggregation, the docs' result
    "window aggregation (TUMBLE)": Case(
        ("tvf_tumble",),
        {"bid": BID + BID_SENTINELS},
        [_w("08:00", "08:10") | {"price": 11.0}, _w("08:10", "08:20") | {"price": 10.0}],
    ),
    # window-tvf.md: HOP aggregation, the docs' result
    "window aggregation (HOP)": Case(
        ("tvf_hop",),
        {"bid": BID + BID_SENTINELS},
        [
            _w("08:00", "08:10") | {"price": 11.0},
            _w("08:05", "08:15") | {"price": 15.0},
            _w("08:10", "08:20") | {"price": 10.0},
            _w("08:15", "08:25") | {"price": 6.0},
        ],
    ),
    # window-tvf.md: SESSION with PARTITION BY item; gap 5 minutes: each item's bids are one
    # session [first, last + 5 min) (the docs' items are all distinct: one bid per session)
    "window aggregation (SESSION PARTITION BY)": Case(
        ("tvf_session_partitioned",),
        {"bid": BID + BID_SENTINELS},
        [
            _w("08:05", "08:10") | {"item": "C", "total_price": 4.0},
            _w("08:07", "08:12") | {"item": "A", "total_price": 2.0},
            _w("08:09", "08:14") | {"item": "D", "total_price": 5.0},
            _w("08:11", "08:16") | {"item": "B", "total_price": 3.0},
            _w("08:13", "08:18") | {"item": "E", "total_price": 1.0},
            _w("08:17", "08:22") | {"item": "F", "total_price": 6.0},
        ],
    ),
    # window-agg.md cascading, across two models: window1 (5 minutes per supplier) ends at
    # 08:10 (6, 5), 08:15 (3, 1), 08:20 (6); the reader windows 1 hour over first_end (a plain
    # column upstream, its event time here): [08:00, 09:00) = 21. The 09:10 bid fires window1's
    # [09:00, 09:05) (the 09:00 bid, price 0), whose first_end 09:05 fires the hour
    "cascaded window over a model's plain TIMESTAMP column": Case(
        ("wagg_cascade_window1", "wagg_cascade_on_window_end"),
        {"bid": [*BID, *BID_SENTINELS, _bid("09:10", 0.0, "Z", "sentinel")]},
        [_w("08:00", "09:00") | {"total_price": 21.0}],
    ),
    # window-topn.md: Top 3 suppliers per 10 minutes after a window aggregation, the docs' result
    "window Top-N": Case(
        ("wtopn_after_agg",),
        {"bid": BID_TOPN + BID_SENTINELS},
        [
            _w("08:00", "08:10") | {"supplier_id": s, "price": p, "cnt": c, "rownum": n}
            for s, p, c, n in (
                ("supplier1", 6.0, 2, 1),
                ("supplier4", 5.0, 1, 2),
                ("supplier2", 4.0, 1, 3),
            )
        ]
        + [
            _w("08:10", "08:20") | {"supplier_id": s, "price": p, "cnt": c, "rownum": n}
            for s, p, c, n in (
                ("supplier5", 6.0, 1, 1),
                ("supplier2", 3.0, 1, 2),
                ("supplier3", 2.0, 1, 3),
            )
        ],
    ),
    # window-deduplication.md: the last row of every 10 minutes, the docs' result
    "window deduplication": Case(
        ("wdedup_last",),
        {"bid": BID_TOPN + BID_SENTINELS},
        [
            _bid("08:09", 5.0, "D", "supplier4") | _w("08:00", "08:10") | {"rownum": 1},
            _bid("08:17", 6.0, "F", "supplier5") | _w("08:10", "08:20") | {"rownum": 1},
        ],
    ),
    # window-join.md: FULL OUTER window join, the docs' data and rows, except that the query
    # selects L.window_start / L.window_end, which are NULL in the right-only rows (the docs'
    # table prints the window there; a FULL JOIN fills the missing side with NULLs)
    "window join": Case(
        ("wjoin_full",),
        {
            "left_table": [
                _lr("12:02", 1, "L1"),
                _lr("12:06", 2, "L2"),
                _lr("12:03", 3, "L3"),
                _lr("12:30", 9, "L9"),
            ],
            "right_table": [
                _lr("12:01", 2, "R2"),
                _lr("12:04", 3, "R3"),
                _lr("12:05", 4, "R4"),
                _lr("12:30", 9, "R9"),
            ],
        },
        [
            {"L_Num": 1, "L_Id": "L1", "R_Num": None, "R_Id": None} | _w("12:00", "12:05"),
            {"L_Num": None, "L_Id": None, "R_Num": 2, "R_Id": "R2"} | _NO_WINDOW,
            {"L_Num": 3, "L_Id": "L3", "R_Num": 3, "R_Id": "R3"} | _w("12:00", "12:05"),
            {"L_Num": 2, "L_Id": "L2", "R_Num": None, "R_Id": None} | _w("12:05", "12:10"),
            {"L_Num": None, "L_Id": None, "R_Num": 4, "R_Id": "R4"} | _NO_WINDOW,
        ],
    ),
    # group-agg.md GROUPING SETS over the docs' Products values (NULL subtotals COALESCEd)
    "group aggregation (GROUPING SETS, upsert)": Case(
        ("gagg_grouping_sets",),
        {
            "products": [
                {"supplier_id": "supplier1", "product_id": "product1", "rating": 4},
                {"supplier_id": "supplier1", "product_id": "product2", "rating": 3},
                {"supplier_id": "supplier2", "product_id": "product3", "rating": 3},
                {"supplier_id": "supplier2", "product_id": "product4", "rating": 4},
            ]
        },
        [
            {"supplier_id": "supplier1", "rating": 4, "total": 1},
            {"supplier_id": "supplier1", "rating": -1, "total": 2},
            {"supplier_id": "(all)", "rating": -1, "total": 4},
            {"supplier_id": "supplier1", "rating": 3, "total": 1},
            {"supplier_id": "supplier2", "rating": 3, "total": 1},
            {"supplier_id": "supplier2", "rating": -1, "total": 2},
            {"supplier_id": "supplier2", "rating": 4, "total": 1},
        ],
    ),
    # over-agg.md RANGE 1 hour per product (no docs data): p1 at 10:00 (1), 10:30 (2), 11:45
    # (4: 10:30 is more than an hour before), p2 at 10:40 (8); the 13:00 row moves the watermark
    # (it is emitted only once a later watermark passes it: never here)
    "OVER aggregation": Case(
        ("over_range",),
        {
            "orders": [
                _order("o1", "10:00:00", 1, "p1"),
                _order("o2", "10:30:00", 2, "p1"),
                _order("o3", "10:40:00", 8, "p2"),
                _order("o4", "11:45:00", 4, "p1"),
                _order("sentinel", "13:00:00", 0, "p9"),
            ]
        },
        [
            {
                "order_id": "o1",
                "order_time": "2026-01-01 10:00:00",
                "amount": 1,
                "one_hour_prod_amount_sum": 1,
            },
            {
                "order_id": "o2",
                "order_time": "2026-01-01 10:30:00",
                "amount": 2,
                "one_hour_prod_amount_sum": 3,
            },
            {
                "order_id": "o3",
                "order_time": "2026-01-01 10:40:00",
                "amount": 8,
                "one_hour_prod_amount_sum": 8,
            },
            {
                "order_id": "o4",
                "order_time": "2026-01-01 11:45:00",
                "amount": 4,
                "one_hour_prod_amount_sum": 4,
            },
        ],
    ),
    # joins.md LEFT JOIN (no docs data): o1's product arrives after it (its unmatched row is
    # retracted: the tombstone of key (o1, '')), o2's never does
    "regular join (LEFT, upsert)": Case(
        ("join_left",),
        {
            "orders": [
                _order("o1", "10:00:00", 3, "x", product_id="p1"),
                _order("o2", "10:01:00", 5, "y", product_id="p9"),
            ],
            "product": [{"id": "p1", "name": "apple"}],
        },
        [
            {"order_id": "o1", "product_id": "p1", "amount": 3, "id": "p1", "name": "apple"},
            {"order_id": "o2", "product_id": "p9", "amount": 5, "id": "", "name": None},
        ],
    ),
    # joins.md interval join (no docs data): shipped within 4 hours of the order
    "interval join": Case(
        ("join_interval",),
        {
            "interval_orders": [
                {"id": "a", "order_time": "2026-01-01 10:00:00"},
                {"id": "b", "order_time": "2026-01-01 10:00:00"},
            ],
            "shipments": [
                {"order_id": "a", "ship_time": "2026-01-01 12:00:00"},
                {"order_id": "b", "ship_time": "2026-01-01 15:00:00"},  # too late
            ],
        },
        [
            {
                "id": "a",
                "order_time": "2026-01-01 10:00:00",
                "order_id": "a",
                "ship_time": "2026-01-01 12:00:00",
            },
        ],
    ),
    # joins.md event-time temporal join, the docs' result: EUR is 1.14 from 11:00, 1.10 from
    # 12:05; o_001 at 12:00 and o_002 at 12:06. The XXX rows move the watermarks: a probe row
    # is joined once both pass it, so the 13:00 order is not (the rates' watermark is 12:30)
    "temporal join (versioned source read as upsert-kafka)": Case(
        ("join_temporal",),
        {
            "currency_rates": [
                {"currency": "EUR", "conversion_rate": 1.14, "update_time": "2026-01-01 11:00:00"},
                {"currency": "EUR", "conversion_rate": 1.10, "update_time": "2026-01-01 12:05:00"},
                {"currency": "XXX", "conversion_rate": 1.0, "update_time": "2026-01-01 12:30:00"},
            ],
            "rate_orders": [
                {
                    "order_id": "o_001",
                    "price": 11.11,
                    "currency": "EUR",
                    "order_time": "2026-01-01 12:00:00",
                },
                {
                    "order_id": "o_002",
                    "price": 12.51,
                    "currency": "EUR",
                    "order_time": "2026-01-01 12:06:00",
                },
                {
                    "order_id": "sentinel",
                    "price": 0,
                    "currency": "XXX",
                    "order_time": "2026-01-01 13:00:00",
                },
            ],
        },
        [
            {
                "order_id": "o_001",
                "price": 11.11,
                "currency": "EUR",
                "conversion_rate": 1.14,
                "order_time": "2026-01-01 12:00:00",
            },
            {
                "order_id": "o_002",
                "price": 12.51,
                "currency": "EUR",
                "conversion_rate": 1.10,
                "order_time": "2026-01-01 12:06:00",
            },
        ],
        keys={"currency_rates": "currency"},
    ),
    # topn.md top 5 per category (no docs data): 6 products of c1, 1 of c2; upsert by
    # (category, row_num)
    "Top-N (upsert)": Case(
        ("topn_sales",),
        {
            "shop_sales": [
                {"product_id": f"p{i}", "category": "c1", "product_name": f"n{i}", "sales": s}
                for i, s in enumerate([5, 50, 20, 70, 10, 30])
            ]
            + [{"product_id": "q", "category": "c2", "product_name": "nq", "sales": 1}]
        },
        [
            {
                "product_id": p,
                "category": "c1",
                "product_name": f"n{p[1:]}",
                "sales": s,
                "row_num": n,
            }
            for p, s, n in (
                ("p3", 70, 1),
                ("p1", 50, 2),
                ("p5", 30, 3),
                ("p2", 20, 4),
                ("p4", 10, 5),
            )
        ]
        + [{"product_id": "q", "category": "c2", "product_name": "nq", "sales": 1, "row_num": 1}],
    ),
    # deduplication.md: the first row per order_id (processing time: the topic's order)
    "deduplication": Case(
        ("dedup_first",),
        {
            "orders": [
                _order("o1", "10:00:00", 1, "p1", user="u1", num=1),
                _order("o2", "10:01:00", 1, "p2", user="u2", num=2),
                _order("o1", "10:02:00", 1, "p3", user="u3", num=3),
            ]
        },
        [
            {"order_id": "o1", "user": "u1", "product": "p1", "num": 1},
            {"order_id": "o2", "user": "u2", "product": "p2", "num": 2},
        ],
    ),
    # match_recognize.md: a period of falling prices, the docs' result (a row of another symbol
    # moves the watermark)
    "MATCH_RECOGNIZE": Case(
        ("mr_price_down",),
        {
            "ticker": [
                _tick(s, p, t)
                for s, (p, t) in enumerate(
                    [
                        (12, 1),
                        (17, 2),
                        (19, 1),
                        (21, 3),
                        (25, 2),
                        (18, 1),
                        (15, 1),
                        (14, 2),
                        (24, 2),
                        (25, 2),
                        (19, 1),
                    ]
                )
            ]
            + [_tick(120, 1, 1, "SENTINEL")]  # 10:02
        },
        [
            {
                "symbol": "ACME",
                "start_tstamp": "2011-04-01 10:00:04",
                "bottom_tstamp": "2011-04-01 10:00:07",
                "end_tstamp": "2011-04-01 10:00:08",
            },
        ],
    ),
    # set-ops.md UNION ALL and UNION (upsert), the docs' t1 and t2
    "set operation (UNION ALL)": Case(
        ("set_union_all",),
        {
            "t1": [{"s": s} for s in "cabbc"],
            "t2": [{"s": s} for s in "deabb"],
        },
        [{"s": s} for s in "cabbcdeabb"],
    ),
    "set operation (UNION, upsert)": Case(
        ("set_union",),
        {
            "t1": [{"s": s} for s in "cabbc"],
            "t2": [{"s": s} for s in "deabb"],
        },
        [{"s": s} for s in "cabde"],
    ),
}


def _case_project(case: Case, kafka: str) -> tuple[dict[str, Any], dict[str, str], str]:
    """The corpus subset for `case`, its topics unique to this run: (project, source -> topic,
    the output topic)."""
    models = {m["name"]: m for m in PROJECT["models"]}
    chosen = [json.loads(json.dumps(models[name])) for name in case.models]
    sources = {s["name"]: json.loads(json.dumps(s)) for s in PROJECT["sources"]}
    needed = {s for s in sources if any(f'source("{s}")' in m["sql"] for m in chosen)}
    topics = {s: unique(f"docs_{s}") for s in sorted(needed)}
    for name, topic in topics.items():
        sources[name]["topic"] = topic
    for model in chosen:
        model["advanced"] = {
            "flink": {"parallelism": 1},
            "topic": {"name": unique(f"docs_{model['name']}")},
        }
    project = {
        "project": {"name": f"docs_{uuid.uuid4().hex[:8]}"},
        "runtime": {"kafka": {"bootstrap_servers": kafka}},
        "sources": [sources[s] for s in sorted(needed)],
        "models": chosen,
    }
    return project, topics, chosen[-1]["advanced"]["topic"]["name"]


def _produce(kafka: str, topic: str, rows: Sequence[Row], key: str | None) -> None:
    producer = Producer({"bootstrap.servers": kafka, "linger.ms": 5})
    for row in rows:
        value = json.dumps(row).encode()
        producer.produce(topic, value=value, key=str(row[key]).encode() if key else None)
    assert producer.flush(15) == 0


def _read(kafka: str, topic: str, expected: Sequence[Row], upsert: bool) -> list[Row]:
    """The output as a table: append rows as they come, upsert records reduced by key. Stops
    once it equals `expected` and no record came for a quiet period, or after 150 s. The quiet
    period is measured, not guessed: 3 times the longest gap seen between two records of this
    output (at least 3 s), so a slow cluster waits longer for a straggler."""
    consumer = Consumer(
        {
            "bootstrap.servers": kafka,
            "group.id": unique("docs-reader"),
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    rows: list[Row] = []
    table: dict[bytes, Row] = {}
    want = _canonical(expected)
    deadline, quiet_since = time.monotonic() + 150, time.monotonic()
    last_record: float | None = None
    quiet_needed = 3.0
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                current = list(table.values()) if upsert else rows
                if _canonical(current) == want and time.monotonic() - quiet_since > quiet_needed:
                    break
                continue
            if msg.error():
                if msg.error().code() in (
                    KafkaError._PARTITION_EOF,
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                ):
                    continue
                raise RuntimeError(f"consume from {topic}: {msg.error()}")
            quiet_since = time.monotonic()
            if last_record is not None:
                quiet_needed = max(quiet_needed, 3 * (quiet_since - last_record))
            last_record = quiet_since
            value = json.loads(msg.value()) if msg.value() is not None else None
            if not upsert:
                rows.append(value)
            elif value is None:
                table.pop(msg.key(), None)
            else:
                table[msg.key()] = value
    finally:
        consumer.close()
    return list(table.values()) if upsert else rows


def _canonical(rows: Sequence[Row]) -> list[str]:
    return sorted(json.dumps(_normal(r), sort_keys=True) for r in rows)


def _normal(row: Row) -> Row:
    out: Row = {}
    for name, value in row.items():
        if isinstance(value, str) and len(value) == 23 and value.endswith(".000"):
            value = value[:-4]  # TIMESTAMP(3) values print their millis only when non-zero
        out[name] = (
            float(value)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else value
        )
    return out


@pytest.mark.parametrize("pattern", sorted(CASES))
def test_docs_example_writes_the_expected_rows(
    tmp_path: Path, local_stack: Endpoints, pattern: str
) -> None:
    case = CASES[pattern]
    kafka = local_stack.kafka_bootstrap
    project, topics, out_topic = _case_project(case, kafka)
    for topic in [*topics.values(), out_topic]:
        create_topic(kafka, topic)
    (tmp_path / "stream_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    result, diags = compile_dir(tmp_path)
    assert not [d.render() for d in [*diags, *result.diagnostics] if d.is_error]
    last = next(n for n in result.nodes.values() if n.name == case.models[-1])
    upsert = last.changelog is ChangelogMode.UPSERT
    for source, rows in case.records.items():
        _produce(kafka, topics[source], rows, case.keys.get(source))
    flink = FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )
    jobs = {j.name: j for j in result.desired.jobs}
    started: list[str] = []
    try:
        for name in case.models:
            wait_for_slots(1)
            job_id = flink.submit(list(jobs[name].statements), dict(jobs[name].config))
            started.append(job_id)
            wait_job_running_tasks(local_stack.flink_rest_url, job_id, timeout=120)
        got = _read(kafka, out_topic, case.expected, upsert)
    finally:
        for job_id in started:
            cancel_job(local_stack.flink_rest_url, job_id)
    assert _canonical(got) == _canonical(case.expected)


def test_validate_flink_accepts_the_whole_corpus(tmp_path: Path, local_stack: Endpoints) -> None:
    """`validate --flink`: every compiled job EXPLAINed by the running SQL Gateway (the
    corpus has no runtime: this run's stack)."""
    project = {**PROJECT, "runtime": runtime_overlay(PROJECT.get("runtime"))}
    (tmp_path / "stream_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    report = Context(tmp_path).validate(flink=True, use_cache=False)
    assert report.flink_checked
    assert [d.render() for d in report.diagnostics if d.is_error] == []
