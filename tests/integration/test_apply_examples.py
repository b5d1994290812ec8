"""The example projects (their models and SQL as written) applied through the CLI on the real stack: produce input
rows, read every output topic, assert the exact rows; then tear the deployment down (the local
TaskManager has 8 slots, shared). examples/clickstream, whose JDBC sink needs PostgreSQL, is
applied in test_apply_sink_example.

Each run applies an isolated copy (tests/integration/isolation.py): the example's models as
written, with topics, jobs, groups and ledger entries of its own, so the rows read back are
exactly this run's and nothing depends on what an earlier run left."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.kafka_helpers import produce_json
from tests.stack import endpoints

from .isolation import deployed_copy
from .test_apply_support import PAYMENTS, quiet_period, read_all, wait_for_slots

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def streamt(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def future_base(*topics: str) -> datetime:
    """The event-time origin of a run: its topics are its own, so any fixed hour works."""
    return T0 + timedelta(hours=1)


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def norm_ts(value: object) -> str:
    text = str(value).replace("T", " ").rstrip("Z")
    return ts(datetime.fromisoformat(text))


def collect(topic: str, keep, expect: int, timeout: float = 120.0) -> list[dict]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    deadline = started + timeout
    mine: list[dict] = []  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        rows = read_all(endpoints().kafka_bootstrap, topic, expect=1, timeout=15, settle=2)
        mine = [v for _, v in rows if isinstance(v, dict) and keep(v)]
        if len(mine) >= expect:
            time.sleep(quiet_period(started))
            rows = read_all(endpoints().kafka_bootstrap, topic, expect=1, timeout=15, settle=2)
            return [v for _, v in rows if isinstance(v, dict) and keep(v)]
        time.sleep(2)
    return mine


@pytest.fixture
def payments(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    """examples/payments: revenue_per_minute runs with parallelism 2 over the 1-partition topic
    payments_eur; the compiled `'scan.parallelism'='1'` on that input keeps a subtask without a
    partition from holding the watermark back (no idle timeout needed)."""
    with deployed_copy(ROOT / "examples" / "payments", tmp_path) as iso:
        yield iso


def test_payments_filter_chain_and_tumbling_windows_over_refs(payments, local_stack):  # type: ignore[no-untyped-def]
    wait_for_slots(4)
    applied = streamt("apply", *payments.cli, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    tag, base = uuid.uuid4().hex[:6], future_base()

    def pay(pid: str, cust: str, amount: float, cur: str, status: str | None, sec: int) -> dict:  # type: ignore[type-arg]
        return {
            "payment_id": f"{tag}-{pid}",
            "customer_id": f"{tag}-{cust}",
            "amount": amount,
            "currency": cur,
            "status": status,
            "paid_at": ts(base + timedelta(seconds=sec)),
        }

    rows = [pay(*payment) for payment in PAYMENTS]
    produce_json(endpoints().kafka_bootstrap, payments.source("payments.raw.v1"), rows)
    mine = lambda v: str(v.get("payment_id", "")).startswith(tag)  # noqa: E731

    validated = collect(payments.topic("payments_validated"), mine, 5)
    assert sorted(v["payment_id"].split("-")[1] for v in validated) == [
        "flush",
        "p1",
        "p2",
        "p4",
        "p6",
    ]
    eur = collect(payments.topic("payments_eur"), mine, 4)
    assert sorted(
        (v["payment_id"].split("-")[1], float(v["amount"]), v["status"]) for v in eur
    ) == [
        ("flush", 0.01, "PAID"),
        ("p1", 10.0, "PAID"),
        ("p2", 5.5, "PAID"),
        ("p6", 1.0, "REFUNDED"),
    ]
    per_minute = collect(
        payments.topic("revenue_per_minute"),
        lambda v: str(v.get("customer_id", "")).startswith(tag),
        2,
    )
    assert sorted(
        (
            norm_ts(v["window_start"]),
            v["customer_id"].split("-")[1],
            float(v["revenue"]),
            v["payments"],
        )
        for v in per_minute
    ) == [
        (ts(base), "c1", 15.5, 2),
        (ts(base + timedelta(minutes=1)), "c3", 1.0, 1),
    ]
    hourly = collect(
        payments.topic("hourly_revenue"),
        lambda v: norm_ts(v.get("hour", "1970-01-01 00:00:00")) == ts(base),
        1,
    )
    assert [float(v["revenue"]) for v in hourly] == [16.5]

    plan = streamt("plan", *payments.cli, "--detailed-exitcode")
    assert plan.returncode == 0 and "No changes." in plan.stdout, plan.stdout + plan.stderr


def last_per_key(topic: str, keep, expect: int, timeout: float = 120.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    latest: dict = {}  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        latest = {}
        for key, value in read_all(
            endpoints().kafka_bootstrap, topic, expect=1, timeout=15, settle=2
        ):
            if isinstance(key, dict) and keep(key):
                latest[json_key(key)] = value
        if len(latest) >= expect:
            return latest
        time.sleep(2)
    return latest


def json_key(key: dict) -> str:  # type: ignore[type-arg]
    return "|".join(str(v) for v in key.values())


@pytest.fixture
def avro_orders(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    with deployed_copy(ROOT / "examples" / "avro_orders", tmp_path) as iso:
        yield iso


def avro_bytes(schema_id: int, schema: dict, record: dict) -> bytes:  # type: ignore[type-arg]
    import io
    import struct

    import fastavro

    out = io.BytesIO()
    out.write(b"\x00" + struct.pack(">I", schema_id))
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), record)
    return out.getvalue()


def test_avro_source_through_the_schema_registry(avro_orders, local_stack):  # type: ignore[no-untyped-def]

    from confluent_kafka import Producer

    from streamt.adapters import SchemaRegistryClient, http_client

    wait_for_slots(2)
    applied = streamt("apply", *avro_orders.cli, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    registry = SchemaRegistryClient(http_client(local_stack.schema_registry_url))
    subject = next(
        s
        for s in registry.list_subjects()
        if s.subject == avro_orders.source("orders.avro.v1") + "-value"
    )
    schema = json.loads(subject.schema)
    tag, base = uuid.uuid4().hex[:6], future_base()

    def order(oid: str, cust: str, amount: float, status: str | None, sec: int) -> dict:  # type: ignore[type-arg]
        millis = int((base + timedelta(seconds=sec)).timestamp() * 1000)
        return {
            "order_id": f"{tag}-{oid}",
            "customer_id": cust,
            "amount": amount,
            "status": status,
            "order_ts": millis,
        }

    orders = [
        order("o1", "c1", 10.0, "paid", 0),
        order("o2", "c2", -1.0, None, 5),
        order("o3", "c3", 2.5, None, 20),
        order("o4", "c1", 4.0, "paid", 70),
        order("flush", "c9", 0.5, None, 600),
    ]
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    for o in orders:
        producer.produce(
            avro_orders.source("orders.avro.v1"), value=avro_bytes(subject.schema_id, schema, o)
        )
    assert producer.flush(15) == 0

    clean = collect(
        avro_orders.topic("orders_clean"), lambda v: str(v.get("order_id", "")).startswith(tag), 4
    )
    assert sorted(
        (v["order_id"][7:], v["amount"], v["status"], norm_ts(v["order_ts"])) for v in clean
    ) == [
        ("flush", 0.5, "new", ts(base + timedelta(seconds=600))),
        ("o1", 10.0, "paid", ts(base)),
        ("o3", 2.5, "new", ts(base + timedelta(seconds=20))),
        ("o4", 4.0, "paid", ts(base + timedelta(seconds=70))),
    ]
    mine = {ts(base), ts(base + timedelta(minutes=1))}
    per_minute = collect(
        avro_orders.topic("orders_per_minute"),
        lambda v: norm_ts(v.get("window_start", "1970-01-01 00:00:00")) in mine,
        2,
    )
    assert sorted((norm_ts(v["window_start"]), v["orders"], v["total"]) for v in per_minute) == [
        (ts(base), 2, 12.5),
        (ts(base + timedelta(minutes=1)), 1, 4.0),
    ]


@pytest.fixture
def iot(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    with deployed_copy(ROOT / "examples" / "iot", tmp_path) as iso:
        yield iso


def test_iot_hop_windows_and_windows_over_a_window_output(iot, local_stack):  # type: ignore[no-untyped-def]
    wait_for_slots(5)
    applied = streamt("apply", *iot.cli, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    tag, base = uuid.uuid4().hex[:6], future_base()

    def reading(dev: str | None, temp: float, sec: int) -> dict:  # type: ignore[type-arg]
        return {
            "device_id": f"{tag}-{dev}" if dev else None,
            "site": f"{tag}-s1",
            "temperature": temp,
            "humidity": 0.5,
            "reading_ts": ts(base + timedelta(seconds=sec)),
        }

    rows = [
        reading("d1", 70.0, 0),
        reading("d1", 90.0, 30),
        reading("d1", 200.0, 40),  # implausible: dropped
        reading(None, 75.0, 45),  # no device: dropped
        reading("hot", 95.0, 7200),  # an alert at +2 h moves the alerts' watermark past +1 h
        reading("late", 20.0, 14400),  # closes the windows of +2 h
    ]
    produce_json(endpoints().kafka_bootstrap, iot.source("iot.sensor-readings.v1"), rows)
    mine = lambda v: str(v.get("device_id", "")).startswith(f"{tag}-d1")  # noqa: E731

    clean = collect(
        iot.topic("readings_clean"), lambda v: str(v.get("device_id", "")).startswith(tag), 4
    )
    assert sorted((v["device_id"][7:], v["temperature"]) for v in clean) == [
        ("d1", 70.0),
        ("d1", 90.0),
        ("hot", 95.0),
        ("late", 20.0),
    ]
    windows = collect(iot.topic("device_temperature_5m"), mine, 5)
    starts = [base + timedelta(minutes=m) for m in range(-4, 1)]
    assert sorted(
        (norm_ts(v["window_start"]), v["avg_temperature"], v["max_temperature"], v["readings"])
        for v in windows
    ) == [(ts(s), 80.0, 90.0, 2) for s in starts]
    alerts = collect(iot.topic("overheating_alerts"), mine, 5)
    assert sorted(norm_ts(v["alert_ts"]) for v in alerts) == [
        ts(s + timedelta(minutes=5) - timedelta(milliseconds=1)) for s in starts
    ]
    hourly = collect(
        iot.topic("alerts_per_hour"),
        lambda v: norm_ts(v.get("window_start", "1970-01-01 00:00:00")) == ts(base),
        1,
    )
    assert [v["alerts"] for v in hourly] == [5]
