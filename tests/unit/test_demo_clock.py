"""The demo's event times: today's (not the year 2209), and always after earlier runs'."""

import importlib.util
from datetime import datetime, timedelta, timezone
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    "demo", Path(__file__).resolve().parents[2] / "scripts" / "demo.py"
)
assert SPEC is not None and SPEC.loader is not None
demo = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(demo)

NOW = datetime(2026, 12, 2, 5, 41, 7, 123000, tzinfo=timezone.utc)


def test_a_first_run_sends_payments_of_the_next_hour_today():
    base = demo.next_base(NOW, None)
    assert base == datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)
    rows = demo.payments("abc123", base)
    assert {r["paid_at"][:4] for r in rows} == {"2026"}
    assert max(r["paid_at"] for r in rows) == "2026-12-02 08:00:00.000"  # closes both windows


def test_a_second_run_starts_after_the_first_runs_last_payment():
    first = demo.payments("run1", demo.next_base(NOW, None))
    latest = datetime.fromisoformat(max(r["paid_at"] for r in first)).replace(tzinfo=timezone.utc)
    later_now = NOW + timedelta(minutes=3)  # run again three minutes later
    second = demo.next_base(later_now, latest)
    assert second > latest and second == datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    assert min(r["paid_at"] for r in demo.payments("run2", second)) > max(
        r["paid_at"] for r in first
    )


def test_events_older_than_the_clock_do_not_hold_the_demo_in_the_past():
    yesterday = NOW - timedelta(days=1)
    assert demo.next_base(NOW, yesterday) == datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)
