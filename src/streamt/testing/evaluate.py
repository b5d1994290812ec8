"""Judge typed assertions over records in Python (sample and unit tests).

`evaluate(assertion, records, context) -> Outcome`. Row-level assertions report each failing
row (up to `MAX_EXAMPLES` examples); windowed assertions judge the whole sample, or windows of
Kafka timestamps (throughput). Missing keys count as NULL (unlike the earlier implementation,
which only counted explicit nulls). Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streamt.load.durations import format_ms
from streamt.testing.assertions import (
    AcceptedTypes,
    AcceptedValues,
    Assertion,
    CustomSql,
    Distribution,
    ForeignKey,
    Freshness,
    MaxLag,
    NotNull,
    Range,
    Throughput,
    TypeName,
    UniqueKey,
)
from streamt.testing.records import Outcome, Record, to_epoch_ms, to_number

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class EvalContext:
    now_ms: int = 0  # wall clock, for freshness
    refs: Mapping[str, Sequence[Record]] = field(default_factory=dict)  # foreign_key targets


def evaluate(a: Assertion, records: Sequence[Record], ctx: EvalContext | None = None) -> Outcome:
    ctx = ctx or EvalContext()
    spec = a.spec
    if isinstance(spec, NotNull):
        return _rows(a, records, lambda v: _not_null(spec, v))
    if isinstance(spec, AcceptedValues):
        return _rows(a, records, lambda v: _accepted(spec, v))
    if isinstance(spec, Range):
        return _rows(a, records, lambda v: _range(spec, v))
    if isinstance(spec, AcceptedTypes):
        return _rows(a, records, lambda v: _types(spec, v))
    if isinstance(spec, MaxLag):
        return _max_lag(a, spec, records)
    if isinstance(spec, CustomSql):
        return _custom_sql(a, spec, records)
    if isinstance(spec, UniqueKey):
        return _unique(a, spec, records)
    if isinstance(spec, ForeignKey):
        return _foreign(a, spec, records, ctx)
    if isinstance(spec, Distribution):
        return _distribution(a, spec, records)
    if isinstance(spec, Throughput):
        return _throughput(a, spec, records)
    if isinstance(spec, Freshness):
        return _freshness(a, spec, records, ctx)
    raise AssertionError(spec)  # pragma: no cover


def _rows(
    a: Assertion, records: Sequence[Record], why: Callable[[Mapping[str, Any]], str | None]
) -> Outcome:
    """A row-level assertion: `why(row)` names the problem of a bad row, None for a good one."""
    bad: list[tuple[Mapping[str, Any], str]] = []
    for r in records:
        reason = why(r.value)
        if reason is not None:
            bad.append((r.value, reason))
    return _verdict(a, len(records), bad)


def _verdict(a: Assertion, checked: int, bad: Sequence[tuple[Mapping[str, Any], str]]) -> Outcome:
    if not bad:
        return Outcome(a.label, True, f"{checked} records passed", checked)
    reasons = Counter(reason for _, reason in bad)
    summary = "; ".join(
        f"{reason} ({n}x)" if n > 1 else reason for reason, n in reasons.most_common(3)
    )
    message = f"{len(bad)} of {checked} records fail: {summary}"
    return Outcome(
        a.label, False, message, checked, len(bad), tuple(row for row, _ in bad[:MAX_EXAMPLES])
    )


def _not_null(spec: NotNull, row: Mapping[str, Any]) -> str | None:
    nulls = [c for c in spec.columns if row.get(c) is None]
    return f"{', '.join(nulls)} is null" if nulls else None


def _accepted(spec: AcceptedValues, row: Mapping[str, Any]) -> str | None:
    value = row.get(spec.column)
    if value is None or value in spec.values:
        return None
    return f"{spec.column}={value!r} is not one of {list(spec.values)}"


def _range(spec: Range, row: Mapping[str, Any]) -> str | None:
    value = row.get(spec.column)
    if value is None:
        return None
    number = to_number(value)
    if number is None:
        return f"{spec.column}={value!r} is not a number"
    if spec.min is not None and number < spec.min:
        return f"{spec.column}={value!r} is below min {spec.min:g}"
    if spec.max is not None and number > spec.max:
        return f"{spec.column}={value!r} is above max {spec.max:g}"
    return None


_CHECKS: dict[TypeName, Callable[[object], bool]] = {
    TypeName.STRING: lambda v: isinstance(v, str),
    TypeName.NUMBER: lambda v: to_number(v) is not None,
    TypeName.INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
    TypeName.BOOLEAN: lambda v: isinstance(v, bool),
    TypeName.TIMESTAMP: lambda v: isinstance(v, str) and to_epoch_ms(v) is not None and ":" in v,
    TypeName.DATE: lambda v: isinstance(v, str) and len(v) == 10 and to_epoch_ms(v) is not None,
    TypeName.TIME: lambda v: (
        isinstance(v, str) and v.count(":") >= 1 and v.replace(":", "").replace(".", "").isdigit()
    ),
    TypeName.ARRAY: lambda v: isinstance(v, list),
    TypeName.OBJECT: lambda v: isinstance(v, dict),
}


def _types(spec: AcceptedTypes, row: Mapping[str, Any]) -> str | None:
    wrong = [
        f"{c}={row.get(c)!r} is not {t.value}"
        for c, t in spec.types
        if row.get(c) is not None and not _CHECKS[t](row.get(c))
    ]
    return "; ".join(wrong) if wrong else None


def _max_lag(a: Assertion, spec: MaxLag, records: Sequence[Record]) -> Outcome:
    bad: list[tuple[Mapping[str, Any], str]] = []
    for r in records:
        event = to_epoch_ms(r.value.get(spec.column))
        if event is None:
            continue
        lag = r.timestamp_ms - event
        if lag > spec.max_lag_ms:
            bad.append((r.value, f"lag {format_ms(max(lag, 1))} > {format_ms(spec.max_lag_ms)}"))
    return _verdict(a, len(records), bad)


def _custom_sql(a: Assertion, spec: CustomSql, records: Sequence[Record]) -> Outcome:
    from streamt.testing.predicate import violation_tree
    from streamt.testing.pysql import matching_rows

    rows = [r.value for r in records]
    try:
        hits = matching_rows(violation_tree(spec), rows)
    except ValueError as exc:
        return Outcome(a.label, False, f"cannot evaluate in Python: {exc}", len(rows))
    verb = "fails" if spec.negate else "matches"
    return _verdict(a, len(rows), [(rows[i], f"{verb} `{spec.predicate}`") for i in hits])


def _unique(a: Assertion, spec: UniqueKey, records: Sequence[Record]) -> Outcome:
    keys = [tuple(r.value.get(c) for c in spec.key) for r in records]
    counts = Counter(keys)
    dupes = sum(n - 1 for n in counts.values() if n > 1)
    rate = dupes / len(records) if records else 0.0
    examples = tuple(r.value for r, k in zip(records, keys, strict=True) if counts[k] > 1)[
        :MAX_EXAMPLES
    ]
    message = f"{dupes} duplicate(s) of {'/'.join(spec.key)} in {len(records)} records ({rate:.2%}, tolerance {spec.tolerance:.2%})"
    return Outcome(
        a.label,
        rate <= spec.tolerance,
        message,
        len(records),
        dupes,
        examples if rate > spec.tolerance else (),
    )


def _foreign(
    a: Assertion, spec: ForeignKey, records: Sequence[Record], ctx: EvalContext
) -> Outcome:
    refs = ctx.refs.get(spec.ref, ())
    known: dict[object, list[int]] = {}
    for r in refs:
        known.setdefault(r.value.get(spec.ref_column), []).append(r.timestamp_ms)
    bad: list[tuple[Mapping[str, Any], str]] = []
    for r in records:
        value = r.value.get(spec.column)
        times = known.get(value, [])
        if not any(abs(t - r.timestamp_ms) <= spec.window_ms for t in times):
            bad.append(
                (
                    r.value,
                    f"{spec.column}={value!r} has no match in {spec.ref}.{spec.ref_column} within {format_ms(spec.window_ms)}",
                )
            )
    rate = 1 - len(bad) / len(records) if records else 1.0
    if rate >= spec.match_rate:
        return Outcome(
            a.label, True, f"match rate {rate:.2%} >= {spec.match_rate:.2%}", len(records), len(bad)
        )
    failed = _verdict(a, len(records), bad)
    return Outcome(
        a.label,
        False,
        f"match rate {rate:.2%} < {spec.match_rate:.2%}: {failed.message}",
        len(records),
        len(bad),
        failed.examples,
    )


def _distribution(a: Assertion, spec: Distribution, records: Sequence[Record]) -> Outcome:
    values = [n for n in (to_number(r.value.get(spec.column)) for r in records) if n is not None]
    if not values:
        return Outcome(a.label, False, f"no numeric values of {spec.column} to judge", len(records))
    off = []
    for b in spec.buckets:
        ratio = sum(1 for v in values if b.contains(v)) / len(values)
        if abs(ratio - b.expected_ratio) > b.tolerance:
            off.append(
                f"{b.label}: {ratio:.2%} vs expected {b.expected_ratio:.2%} +/- {b.tolerance:.2%}"
            )
    if off:
        return Outcome(a.label, False, "; ".join(off), len(values), len(off))
    return Outcome(
        a.label,
        True,
        f"{len(spec.buckets)} buckets within tolerance over {len(values)} values",
        len(values),
    )


def _throughput(a: Assertion, spec: Throughput, records: Sequence[Record]) -> Outcome:
    """Rates per complete tumbling window of Kafka timestamps between the first and last record."""
    if not records:
        return Outcome(a.label, spec.min_per_second in (None, 0.0), "no records", 0)
    stamps = sorted(r.timestamp_ms for r in records)
    first = stamps[0]  # windows start at the first record, so the first one is complete
    counts = Counter((t - first) // spec.window_ms for t in stamps)
    last = (stamps[-1] - first) // spec.window_ms
    windows = range(
        0, max(last, 1)
    )  # the last window may be incomplete: judged only if it is the only one
    off = []
    for w in windows if last else [0]:
        rate = counts.get(w, 0) * 1000 / spec.window_ms
        if (spec.min_per_second is not None and rate < spec.min_per_second) or (
            spec.max_per_second is not None and rate > spec.max_per_second
        ):
            off.append(f"window {w}: {rate:g}/s")
    low = f"{spec.min_per_second:g}" if spec.min_per_second is not None else "0"
    high = f"{spec.max_per_second:g}" if spec.max_per_second is not None else "inf"
    bounds = f"[{low}, {high}]/s"
    if off:
        return Outcome(
            a.label,
            False,
            f"{len(off)} window(s) of {format_ms(spec.window_ms)} outside {bounds}: "
            + ", ".join(off[:3]),
            len(windows),
            len(off),
        )
    return Outcome(
        a.label,
        True,
        f"{len(windows)} window(s) of {format_ms(spec.window_ms)} within {bounds}",
        len(windows),
    )


def _freshness(
    a: Assertion, spec: Freshness, records: Sequence[Record], ctx: EvalContext
) -> Outcome:
    if spec.column is not None:
        stamps = [
            t for t in (to_epoch_ms(r.value.get(spec.column)) for r in records) if t is not None
        ]
    else:
        stamps = [r.timestamp_ms for r in records]
    if not stamps:
        return Outcome(a.label, False, "no records: nothing is fresh", 0, 1)
    age = ctx.now_ms - max(stamps)
    ok = age <= spec.max_age_ms
    verdict = "<=" if ok else ">"
    return Outcome(
        a.label,
        ok,
        f"newest record is {format_ms(max(age, 1))} old ({verdict} {format_ms(spec.max_age_ms)})",
        len(stamps),
        0 if ok else 1,
    )
