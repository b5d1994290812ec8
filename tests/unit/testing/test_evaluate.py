"""Python evaluation of every assertion kind (sample / unit tests): a passing and a failing case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from streamt.testing.assertions import (
    AcceptedTypes,
    AcceptedValues,
    Assertion,
    AssertionKind,
    AssertionSpec,
    Bucket,
    CustomSql,
    Distribution,
    ForeignKey,
    Freshness,
    MaxLag,
    NotNull,
    Range,
    Throughput,
    UniqueKey,
)
from streamt.testing.evaluate import EvalContext, evaluate
from streamt.testing.records import Record

KINDS = {
    NotNull: AssertionKind.NOT_NULL,
    AcceptedValues: AssertionKind.ACCEPTED_VALUES,
    Range: AssertionKind.RANGE,
    AcceptedTypes: AssertionKind.ACCEPTED_TYPES,
    CustomSql: AssertionKind.CUSTOM_SQL,
    UniqueKey: AssertionKind.UNIQUE_KEY,
    ForeignKey: AssertionKind.FOREIGN_KEY,
    Distribution: AssertionKind.DISTRIBUTION,
    MaxLag: AssertionKind.MAX_LAG,
    Throughput: AssertionKind.THROUGHPUT,
    Freshness: AssertionKind.FRESHNESS,
}


def _a(spec: AssertionSpec) -> Assertion:
    return Assertion(0, KINDS[type(spec)], spec)


def _recs(
    rows: Sequence[Mapping[str, Any]], step_ms: int = 1000, start: int = 1_700_000_000_000
) -> list[Record]:
    return [Record(r, start + i * step_ms) for i, r in enumerate(rows)]


GOOD = [
    {"id": "a", "amount": 10, "status": "NEW", "ts": "2023-11-14 22:13:20.000"},
    {"id": "b", "amount": 20.5, "status": "PAID", "ts": "2023-11-14T22:13:21Z"},
]


def test_not_null_counts_missing_keys_as_null() -> None:
    assert evaluate(_a(NotNull(columns=("id", "amount"))), _recs(GOOD)).passed
    out = evaluate(
        _a(NotNull(columns=("id", "amount"))), _recs([*GOOD, {"id": None}, {"amount": 1}])
    )
    assert not out.passed
    assert out.violations == 2
    assert out.message == "2 of 4 records fail: id, amount is null; id is null"
    assert out.examples == ({"id": None}, {"amount": 1})


def test_accepted_values_range_and_types() -> None:
    assert evaluate(_a(AcceptedValues(column="status", values=("NEW", "PAID"))), _recs(GOOD)).passed
    bad = evaluate(_a(AcceptedValues(column="status", values=("NEW",))), _recs(GOOD))
    assert bad.message == "1 of 2 records fail: status='PAID' is not one of ['NEW']"
    assert evaluate(_a(Range(column="amount", min=0, max=100)), _recs(GOOD)).passed
    out = evaluate(_a(Range(column="amount", min=15)), _recs(GOOD))
    assert out.message == "1 of 2 records fail: amount=10 is below min 15"
    types = AcceptedTypes(types={"id": "string", "amount": "number", "ts": "timestamp"})
    assert evaluate(_a(types), _recs(GOOD)).passed
    out = evaluate(_a(types), _recs([{"id": 3, "amount": "x", "ts": "2023-01-01 00:00:00"}]))
    assert out.message == "1 of 1 records fail: id=3 is not string; amount='x' is not number"


def test_custom_sql_uses_the_parsed_predicate() -> None:
    spec = CustomSql(name="big_new", where="amount > 15 AND status = 'PAID'")
    out = evaluate(_a(spec), _recs(GOOD))
    assert not out.passed
    assert out.examples == (GOOD[1],)
    assert evaluate(_a(CustomSql(name="none", where="amount < 0")), _recs(GOOD)).passed


def test_unique_key_with_tolerance() -> None:
    rows = [{"id": "a"}, {"id": "b"}, {"id": "a"}, {"id": "c"}]
    assert not evaluate(_a(UniqueKey(key=("id",))), _recs(rows)).passed
    assert evaluate(_a(UniqueKey(key=("id",), tolerance=0.25)), _recs(rows)).passed
    out = evaluate(_a(UniqueKey(key=("id",), tolerance=0.1)), _recs(rows))
    assert out.message == "1 duplicate(s) of id in 4 records (25.00%, tolerance 10.00%)"


def test_foreign_key_within_window_and_match_rate() -> None:
    refs = {"customers": _recs([{"cid": "c1"}, {"cid": "c2"}])}
    rows = _recs([{"c": "c1"}, {"c": "c2"}, {"c": "zz"}])
    spec = ForeignKey(column="c", ref="customers", ref_column="cid", window="60s", match_rate=1.0)
    out = evaluate(_a(spec), rows, EvalContext(refs=refs))
    assert not out.passed
    assert out.examples == ({"c": "zz"},)
    assert evaluate(
        _a(ForeignKey(column="c", ref="customers", ref_column="cid", window="60s", match_rate=0.6)),
        rows,
        EvalContext(refs=refs),
    ).passed
    far = {"customers": _recs([{"cid": "c1"}], start=0)}
    assert not evaluate(
        _a(ForeignKey(column="c", ref="customers", ref_column="cid", window="1s", match_rate=0.1)),
        rows[:1],
        EvalContext(refs=far),
    ).passed


def test_distribution_buckets() -> None:
    rows = _recs([{"v": v} for v in (1, 2, 3, 150)])
    spec = Distribution(
        column="v",
        buckets=(
            Bucket(max=100, expected_ratio=0.75, tolerance=0.05),
            Bucket(min=100, expected_ratio=0.25, tolerance=0.05),
        ),
    )
    assert evaluate(_a(spec), rows).passed
    skewed = Distribution(column="v", buckets=(Bucket(max=100, expected_ratio=0.5, tolerance=0.1),))
    out = evaluate(_a(skewed), rows)
    assert out.message == "[-inf, 100): 75.00% vs expected 50.00% +/- 10.00%"


def test_max_lag_uses_the_kafka_timestamp_as_processing_time() -> None:
    event = "2023-11-14 22:13:20.000"  # 1_700_000_000_000
    ok = [Record({"ts": event}, 1_700_000_000_000 + 5_000)]
    late = [Record({"ts": event}, 1_700_000_000_000 + 65_000)]
    assert evaluate(_a(MaxLag(column="ts", max="30s")), ok).passed
    out = evaluate(_a(MaxLag(column="ts", max="30s")), late)
    assert out.message == "1 of 1 records fail: lag 65s > 30s"


def test_throughput_per_window_and_freshness() -> None:
    steady = _recs([{"i": i} for i in range(120)], step_ms=500)  # 2/s for 60 s
    assert evaluate(
        _a(Throughput(min_per_second=1.0, max_per_second=3.0, window="10s")), steady
    ).passed
    out = evaluate(_a(Throughput(min_per_second=5.0, window="10s")), steady)
    assert not out.passed and out.violations == 5
    now = 1_700_000_000_000 + 60_000
    assert evaluate(_a(Freshness(max_age="120s")), steady, EvalContext(now_ms=now)).passed
    stale = evaluate(_a(Freshness(max_age="10s")), steady, EvalContext(now_ms=now + 60_000))
    assert stale.message == "newest record is 60500ms old (> 10s)"
