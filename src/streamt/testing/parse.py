"""Raw assertion mappings (as loaded) -> typed `Assertion`s, with placed diagnostics.

Each entry of a test's `assertions:` is a single-key mapping `{kind: {params}}`. Unknown kinds,
unknown / missing / ill-typed parameters are diagnostics (T001-T005) located at the key that is
wrong; nothing raises. Whether a kind suits the test's type is `streamt.testing.check`'s job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import isfinite
from typing import Any

from streamt.diagnostics import Diagnostic, Location
from streamt.testing.assertions import (
    TYPE_ALIASES,
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
    Scalar,
    Throughput,
    TypeName,
    UniqueKey,
)
from streamt.testing.params import BAD_VALUE, MISSING_PARAM, Params, did_you_mean

UNKNOWN_KIND = "T001"
BAD_SHAPE = "T002"

Where = Callable[[str], Location]

_ALLOWED: dict[AssertionKind, tuple[str, ...]] = {
    AssertionKind.NOT_NULL: ("columns", "column"),
    AssertionKind.ACCEPTED_VALUES: ("column", "values"),
    AssertionKind.RANGE: ("column", "min", "max"),
    AssertionKind.ACCEPTED_TYPES: ("types",),
    AssertionKind.CUSTOM_SQL: ("name", "where", "check", "detail_column", "description"),
    AssertionKind.UNIQUE_KEY: ("key", "tolerance", "window"),
    AssertionKind.FOREIGN_KEY: (
        "column",
        "ref",
        "ref_model",
        "ref_column",
        "ref_key",
        "window",
        "match_rate",
    ),
    AssertionKind.DISTRIBUTION: ("column", "buckets", "window"),
    AssertionKind.MAX_LAG: ("column", "max", "max_lag", "max_seconds", "window"),
    AssertionKind.THROUGHPUT: ("min_per_second", "max_per_second", "window"),
    AssertionKind.FRESHNESS: ("max_age", "max_age_seconds", "max_lag_seconds", "column"),
}


def parse_assertions(
    raw: tuple[Mapping[str, Any], ...] | list[Mapping[str, Any]],
    where: Where,
    prefix: str = "assertions",
) -> tuple[list[Assertion], list[Diagnostic]]:
    """Typed assertions and the diagnostics of the ones that could not be built."""
    out: list[Assertion] = []
    diags: list[Diagnostic] = []
    for index, entry in enumerate(raw):
        base = f"{prefix}.{index}"
        built, problems = parse_one(index, entry, _under(where, base))
        diags.extend(problems)
        if built is not None:
            out.append(built)
    return out, diags


def _under(where: Where, base: str) -> Where:
    return lambda key: where(_join(base, key))


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if key else base


def parse_one(index: int, entry: object, where: Where) -> tuple[Assertion | None, list[Diagnostic]]:
    if not isinstance(entry, Mapping) or len(entry) != 1:
        hint = "write each assertion as `- kind: {parameters}`, e.g. `- not_null: {columns: [id]}`"
        return None, [
            Diagnostic(
                BAD_SHAPE,
                "an assertion must be a single-key mapping",
                location=where(""),
                hint=hint,
            )
        ]
    ((name, body),) = entry.items()
    try:
        kind = AssertionKind(name)
    except ValueError:
        names = [k.value for k in AssertionKind]
        hint = did_you_mean(str(name), names) or "known: " + ", ".join(names)
        return None, [
            Diagnostic(UNKNOWN_KIND, f"unknown assertion '{name}'", location=where(""), hint=hint)
        ]
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        msg = f"the parameters of '{kind.value}' must be a mapping"
        return None, [Diagnostic(BAD_SHAPE, msg, location=where(kind.value))]
    params = Params(kind.value, body, _ALLOWED[kind], lambda key: where(_join(kind.value, key)))
    spec = _BUILDERS[kind](params)
    if params.diags or spec is None:
        return None, params.diags
    return Assertion(index, kind, spec, where(kind.value)), []


def _not_null(p: Params) -> AssertionSpec | None:
    key = p.first("columns", "column") or "columns"
    cols = p.strings(key, required=True, hint="e.g. `not_null: {columns: [order_id]}`")
    return NotNull(cols) if cols else None


def _accepted_values(p: Params) -> AssertionSpec | None:
    column = p.string("column", required=True)
    values = p.raw.get("values")
    if values is None:
        p.error(MISSING_PARAM, "accepted_values needs 'values'", "", "e.g. values: [NEW, PAID]")
        return None
    if not isinstance(values, (list, tuple)) or not values:
        p.error(BAD_VALUE, "accepted_values: 'values' must be a non-empty list", "values")
        return None
    if not all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
        p.error(BAD_VALUE, "accepted_values: 'values' must hold scalars only", "values")
        return None
    if any(isinstance(v, float) and not isfinite(v) for v in values):  # .inf / .nan
        p.error(BAD_VALUE, "accepted_values: numbers must be finite", "values")
        return None
    scalars: tuple[Scalar, ...] = tuple(values)
    return AcceptedValues(column, scalars) if column else None


def _range(p: Params) -> AssertionSpec | None:
    column = p.string("column", required=True)
    low, high = p.number("min"), p.number("max")
    if not p.has("min") and not p.has("max"):
        p.error(
            MISSING_PARAM,
            "range needs 'min', 'max' or both",
            "",
            "e.g. range: {column: amount, min: 0}",
        )
    elif low is not None and high is not None and low > high:
        p.error(BAD_VALUE, f"range: min ({low:g}) is greater than max ({high:g})", "min")
    return Range(column, low, high) if column else None


def _accepted_types(p: Params) -> AssertionSpec | None:
    types = p.raw.get("types")
    if not isinstance(types, Mapping) or not types:
        p.error(
            BAD_VALUE if types is not None else MISSING_PARAM,
            "accepted_types needs 'types': a mapping of column -> type",
            "types" if types is not None else "",
            "e.g. types: {order_id: string, amount: number}",
        )
        return None
    out: list[tuple[str, TypeName]] = []
    for column, name in types.items():
        resolved = TYPE_ALIASES.get(str(name).lower()) if isinstance(name, str) else None
        if resolved is None:
            hint = did_you_mean(str(name), TYPE_ALIASES) or "known: " + ", ".join(
                t.value for t in TypeName
            )
            p.error(
                BAD_VALUE,
                f"accepted_types: unknown type {name!r} for column '{column}'",
                f"types.{column}",
                hint,
            )
            continue
        out.append((str(column), resolved))
    return AcceptedTypes(tuple(out))


def _custom_sql(p: Params) -> AssertionSpec | None:
    where, check = p.string("where"), p.string("check")
    if (where is None) == (check is None):
        p.error(
            MISSING_PARAM if where is None else BAD_VALUE,
            "custom_sql needs exactly one of 'where' (selects bad rows) or 'check' (must hold)",
            "",
            'e.g. custom_sql: {name: positive_amount, check: "amount > 0"}',
        )
        return None
    name = p.string("name") or "custom_sql"
    if where is not None:
        return CustomSql(name, where)
    return CustomSql(name, check or "", negate=True)  # negated as a tree, never as text


def _unique_key(p: Params) -> AssertionSpec | None:
    key = p.strings("key", required=True, hint="e.g. unique_key: {key: order_id}")
    tolerance = p.number("tolerance", low=0.0, high=1.0)
    window = p.duration("window")
    return UniqueKey(key, tolerance or 0.0, window) if key else None


def _foreign_key(p: Params) -> AssertionSpec | None:
    column = p.string("column", required=True)
    ref = p.string(
        p.first("ref", "ref_model") or "ref",
        required=True,
        hint="the model or source holding the keys",
    )
    ref_column = p.string(p.first("ref_column", "ref_key") or "ref_column") or column
    window = p.duration("window", default=3_600_000)
    rate = p.number("match_rate", low=0.0, high=1.0)
    if not (column and ref and ref_column and window):
        return None
    return ForeignKey(column, ref, ref_column, window, 1.0 if rate is None else rate)


def _distribution(p: Params) -> AssertionSpec | None:
    column = p.string("column", required=True)
    window = p.duration("window", default=60_000) or 60_000
    raw = p.raw.get("buckets")
    if not isinstance(raw, (list, tuple)) or not raw:
        p.error(
            MISSING_PARAM if raw is None else BAD_VALUE,
            "distribution needs 'buckets': a non-empty list",
            "" if raw is None else "buckets",
            "e.g. buckets: [{min: 0, max: 100, expected_ratio: 0.9, tolerance: 0.05}]",
        )
        return None
    buckets = [_bucket(p, i, b) for i, b in enumerate(raw)]
    if any(b is None for b in buckets) or not column:
        return None
    return Distribution(column, tuple(b for b in buckets if b is not None), window)


def _bucket(p: Params, index: int, raw: object) -> Bucket | None:
    if not isinstance(raw, Mapping):
        p.error(BAD_VALUE, f"distribution: bucket {index} must be a mapping", f"buckets.{index}")
        return None
    sub = Params(
        f"distribution bucket {index}",
        raw,
        ("min", "max", "expected_ratio", "tolerance"),
        lambda key: p.where(f"buckets.{index}.{key}" if key else f"buckets.{index}"),
    )
    low, high = sub.number("min"), sub.number("max")
    ratio = sub.number("expected_ratio", required=True, low=0.0, high=1.0)
    tolerance = sub.number("tolerance", low=0.0, high=1.0)
    if low is not None and high is not None and low >= high:
        sub.error(BAD_VALUE, f"distribution bucket {index}: min must be below max", "min")
    p.diags.extend(sub.diags)
    if sub.diags or ratio is None:
        return None
    return Bucket(low, high, ratio, 0.05 if tolerance is None else tolerance)


def _max_lag(p: Params) -> AssertionSpec | None:
    column = p.string("column", required=True, hint="the event-time column")
    key = p.first("max", "max_lag", "max_seconds")
    if key is None:
        p.error(
            MISSING_PARAM,
            "max_lag needs 'max' (a duration)",
            "",
            "e.g. max_lag: {column: ts, max: 30s}",
        )
        return None
    lag = p.duration(key)
    window = p.duration("window")
    return MaxLag(column, lag, window) if column and lag else None


def _throughput(p: Params) -> AssertionSpec | None:
    low = p.number("min_per_second", low=0.0)
    high = p.number("max_per_second", low=0.0)
    window = p.duration("window", default=60_000) or 60_000
    if not p.has("min_per_second") and not p.has("max_per_second"):
        p.error(MISSING_PARAM, "throughput needs 'min_per_second', 'max_per_second' or both")
        return None
    if low is not None and high is not None and low > high:
        p.error(
            BAD_VALUE, "throughput: min_per_second is greater than max_per_second", "min_per_second"
        )
    return Throughput(low, high, window)


def _freshness(p: Params) -> AssertionSpec | None:
    key = p.first("max_age", "max_age_seconds", "max_lag_seconds")
    if key is None:
        p.error(
            MISSING_PARAM,
            "freshness needs 'max_age' (a duration)",
            "",
            "e.g. freshness: {max_age: 5m}",
        )
        return None
    age = p.duration(key)
    column = p.string("column")
    return Freshness(age, column) if age else None


_BUILDERS: dict[AssertionKind, Callable[[Params], AssertionSpec | None]] = {
    AssertionKind.NOT_NULL: _not_null,
    AssertionKind.ACCEPTED_VALUES: _accepted_values,
    AssertionKind.RANGE: _range,
    AssertionKind.ACCEPTED_TYPES: _accepted_types,
    AssertionKind.CUSTOM_SQL: _custom_sql,
    AssertionKind.UNIQUE_KEY: _unique_key,
    AssertionKind.FOREIGN_KEY: _foreign_key,
    AssertionKind.DISTRIBUTION: _distribution,
    AssertionKind.MAX_LAG: _max_lag,
    AssertionKind.THROUGHPUT: _throughput,
    AssertionKind.FRESHNESS: _freshness,
}
