"""Data-test assertions as the runners read them: the typed values of the project model.

Each kind's value is the model `streamt.load.assertions` validated at load (re-exported here);
`Assertion` adds its position and location. Read by the Python evaluator (sample / unit tests),
the Flink SQL generator (continuous tests) and the static schema checks. Row-level assertions judge one row
at a time; windowed ones judge a group of rows (a window, or a whole sample).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streamt.diagnostics import Location
from streamt.load.assertions import (
    TYPE_ALIASES,
    AcceptedTypes,
    AcceptedValues,
    AssertionKind,
    AssertionParams,
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

__all__ = [
    "ROW_LEVEL",
    "TYPE_ALIASES",
    "AcceptedTypes",
    "AcceptedValues",
    "Assertion",
    "AssertionKind",
    "AssertionSpec",
    "Bucket",
    "CustomSql",
    "Distribution",
    "ForeignKey",
    "Freshness",
    "MaxLag",
    "NotNull",
    "Range",
    "Scalar",
    "Throughput",
    "TypeName",
    "UniqueKey",
]

AssertionSpec = AssertionParams

ROW_LEVEL = frozenset(
    {
        AssertionKind.NOT_NULL,
        AssertionKind.ACCEPTED_VALUES,
        AssertionKind.RANGE,
        AssertionKind.ACCEPTED_TYPES,
        AssertionKind.CUSTOM_SQL,
        AssertionKind.MAX_LAG,
    }
)
"""Assertions whose violations are individual records (so they can go to a DLQ)."""


@dataclass(frozen=True)
class Assertion:
    """One parsed assertion of a test, with where it was written."""

    index: int  # position in the test's `assertions` list
    kind: AssertionKind
    spec: AssertionSpec
    location: Location = field(default_factory=Location)

    @property
    def label(self) -> str:
        if isinstance(self.spec, CustomSql):
            return f"custom_sql:{self.spec.name}"
        return f"{self.kind.value}[{self.index}]"

    @property
    def row_level(self) -> bool:
        windowed = isinstance(self.spec, MaxLag) and self.spec.window_ms is not None
        return self.kind in ROW_LEVEL and not windowed

    def columns(self) -> tuple[str, ...]:
        """Target columns this assertion reads (custom_sql's come from its parsed predicate)."""
        return _columns(self.spec)


def _columns(spec: AssertionSpec) -> tuple[str, ...]:
    if isinstance(spec, NotNull):
        return spec.columns
    if isinstance(spec, AcceptedTypes):
        return tuple(c for c, _ in spec.types)
    if isinstance(spec, UniqueKey):
        return spec.key
    if isinstance(spec, (AcceptedValues, Range, ForeignKey, Distribution, MaxLag)):
        return (spec.column,)
    if isinstance(spec, Freshness):
        return (spec.column,) if spec.column else ()
    return ()
