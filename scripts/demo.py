"""The demo pipeline: examples/payments on the local stack, end to end, through the CLI.

validate, produce a handful of payments to the source topic (one negative, one without status,
one in USD), plan, apply, and print the rows every model wrote. Each run tags its payment ids and uses event
times from the next hour on: today's, or later than any payment already in the source topic (windows
only close forwards, so runs never mix).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from streamt.local.records import consume_lines, produce_lines

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "payments"
BOOTSTRAP = "localhost:9092"
SOURCE = "payments.raw.v1"


def streamt(*args: str) -> None:
    print(f"\n$ streamt {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, "-m", "streamt", *args], cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"streamt {args[0]} failed with exit code {done.returncode}")


def next_base(now: datetime, latest: datetime | None) -> datetime:
    """The first hour boundary after both the wall clock and the latest event already sent.

    A run's payments span two hours from there (the last one closes the windows), so the next
    run, which starts after that latest event, never lands in a window already closed.
    """
    start = now if latest is None or latest < now else latest
    return start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def latest_paid_at(topic: str) -> datetime | None:
    """The largest `paid_at` among the last records of each partition of topic (None if empty)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": BOOTSTRAP,
            "group.id": f"demo-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None:
            return None
        assign, left = [], 0
        for p in meta.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            start = max(low, high - 20)  # a run sends 7 payments: the last 20 hold the latest
            if high > start:
                assign.append(TopicPartition(topic, p, start))
                left += high - start
        latest: datetime | None = None
        consumer.assign(assign)
        deadline = time.monotonic() + 10
        while left > 0 and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            left -= 1
            try:
                paid_at = str(json.loads(msg.value() or b"null")["paid_at"]).replace("T", " ")
                at = datetime.fromisoformat(paid_at).replace(tzinfo=timezone.utc)
            except (ValueError, KeyError, TypeError):
                continue  # not one of the demo's payments
            latest = at if latest is None or at > latest else latest
        return latest
    finally:
        consumer.close()


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def payments(tag: str, base: datetime) -> list[dict[str, Any]]:
    def pay(
        pid: str, cust: str, amount: float, cur: str, status: str | None, sec: int
    ) -> dict[str, Any]:
        return {
            "payment_id": f"{tag}-{pid}",
            "customer_id": f"{tag}-{cust}",
            "amount": amount,
            "currency": cur,
            "status": status,
            "paid_at": ts(base + timedelta(seconds=sec)),
        }

    return [
        pay("p1", "alice", 10.0, "EUR", "paid", 0),
        pay("p2", "alice", 5.5, "EUR", "paid", 10),
        pay("p3", "bob", -3.0, "EUR", "paid", 20),  # dropped: amount <= 0
        pay("p4", "bob", 7.25, "USD", "paid", 30),  # validated, not EUR
        pay("p5", "bob", 2.0, "EUR", None, 40),  # dropped: no status
        pay("p6", "carol", 1.0, "EUR", "refunded", 70),
        pay("p7", "dave", 0.01, "EUR", "paid", 7200),  # two hours later: closes the windows
    ]


def produce(topic: str, rows: list[dict[str, Any]]) -> None:
    produce_lines(BOOTSTRAP, topic, (json.dumps(row) for row in rows), key=None)
    print(f"\nproduced {len(rows)} payments to {topic}")


def read(
    topic: str, keep: Callable[[dict[str, Any]], bool], expect: int, timeout: float = 90.0
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for line in consume_lines(BOOTSTRAP, topic, limit=1_000_000, timeout=timeout):
        value = json.loads(line)
        if isinstance(value, dict) and keep(value):
            rows.append(value)
            if len(rows) >= expect:
                break  # closing the generator closes its consumer
    return rows


def show(topic: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n== {topic}: {len(rows)} row(s)")
    if not rows:
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c)).ljust(widths[c]) for c in columns))


def main() -> int:
    project = str(PROJECT)
    streamt("validate", "-p", project)
    # sources are external to streamt: their topic must exist before a job reads it
    tag = uuid.uuid4().hex[:6]
    base = next_base(datetime.now(timezone.utc), latest_paid_at(SOURCE))
    produce(SOURCE, payments(tag, base))
    streamt("plan", "-p", project)
    streamt("apply", "-p", project, "--auto-approve")
    mine = lambda row: str(row.get("payment_id", row.get("customer_id", ""))).startswith(tag)  # noqa: E731
    show("payments_validated", read("payments_validated", mine, 5))
    show("payments_eur", read("payments_eur", mine, 4))
    show("revenue_per_minute", read("revenue_per_minute", mine, 2))
    this_hour = lambda row: str(row.get("hour", "")).replace("T", " ").startswith(ts(base)[:16])  # noqa: E731
    show("hourly_revenue", read("hourly_revenue", this_hour, 1))
    print("\nThe pipeline keeps running: `streamt status -p examples/payments --lag` shows it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
