"""Typed data-test assertions: one frozen value per assertion kind.

Built from the raw single-key mappings the loader keeps (`DataTest.assertions`) by
`streamt.testing.parse`; read by the Python evaluator (sample / unit tests), the Flink SQL
generator (continuous tests) and the static schema checks. Row-level assertions judge one row
at a time; windowed ones judge a group of rows (a window, or a whole sample).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from streamt.diagnostics import Location

Scalar = str | int | float | bool | None


class AssertionKind(str, enum.Enum):
    NOT_NULL = "not_null"
    ACCEPTED_VALUES = "accepted_values"
    RANGE = "range"
    ACCEPTED_TYPES = "accepted_types"
    CUSTOM_SQL = "custom_sql"
    UNIQUE_KEY = "unique_key"
    FOREIGN_KEY = "foreign_key"
    DISTRIBUTION = "distribution"
    MAX_LAG = "max_lag"
    THROUGHPUT = "throughput"
    FRESHNESS = "freshness"


class TypeName(str, enum.Enum):
    """Logical types `accepted_types` understands (JSON values and Flink SQL types)."""

    STRING = "string"
    NUMBER = "number"  # any number (DOUBLE, DECIMAL, INT, ...)
    INTEGER = "integer"  # whole numbers (INT, BIGINT, SMALLINT, TINYINT)
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DATE = "date"
    TIME = "time"
    ARRAY = "array"
    OBJECT = "object"  # ROW / MAP / JSON object


TYPE_ALIASES: dict[str, TypeName] = {
    "string": TypeName.STRING,
    "str": TypeName.STRING,
    "text": TypeName.STRING,
    "varchar": TypeName.STRING,
    "number": TypeName.NUMBER,
    "numeric": TypeName.NUMBER,
    "double": TypeName.NUMBER,
    "float": TypeName.NUMBER,
    "decimal": TypeName.NUMBER,
    "integer": TypeName.INTEGER,
    "int": TypeName.INTEGER,
    "bigint": TypeName.INTEGER,
    "long": TypeName.INTEGER,
    "boolean": TypeName.BOOLEAN,
    "bool": TypeName.BOOLEAN,
    "timestamp": TypeName.TIMESTAMP,
    "datetime": TypeName.TIMESTAMP,
    "date": TypeName.DATE,
    "time": TypeName.TIME,
    "array": TypeName.ARRAY,
    "list": TypeName.ARRAY,
    "object": TypeName.OBJECT,
    "map": TypeName.OBJECT,
    "row": TypeName.OBJECT,
}


@dataclass(frozen=True)
class NotNull:
    columns: tuple[str, ...]


@dataclass(frozen=True)
class AcceptedValues:
    column: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Range:
    column: str
    min: float | None
    max: float | None


@dataclass(frozen=True)
class AcceptedTypes:
    types: tuple[tuple[str, TypeName], ...]  # (column, type) in declaration order


@dataclass(frozen=True)
class CustomSql:
    """`where` selects violating rows (a Flink SQL predicate over the target's columns); with
    `negate`, it is the user's `check` and a row violates it when it does not hold."""

    name: str
    where: str
    negate: bool = False


@dataclass(frozen=True)
class UniqueKey:
    key: tuple[str, ...]
    tolerance: float = 0.0  # allowed duplicate rate (duplicates / records)
    window_ms: int | None = None  # uniqueness per tumbling window; None = over everything seen


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref: str  # a model or source name
    ref_column: str
    window_ms: int  # a match must arrive within +/- window of the row
    match_rate: float = 1.0  # required share of rows that find a match


@dataclass(frozen=True)
class Bucket:
    min: float | None  # inclusive lower bound, None = -inf
    max: float | None  # exclusive upper bound, None = +inf
    expected_ratio: float
    tolerance: float

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)

    @property
    def label(self) -> str:
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "+inf" if self.max is None else f"{self.max:g}"
        return f"[{low}, {high})"


@dataclass(frozen=True)
class Distribution:
    column: str
    buckets: tuple[Bucket, ...]
    window_ms: int = 60_000  # continuous tests judge each tumbling window


@dataclass(frozen=True)
class MaxLag:
    """Event time (`column`) vs processing time (the record's Kafka timestamp).

    Without `window_ms` every late record is a violation; with it, continuous tests report the
    maximum lag per tumbling window (one violation per window over the limit)."""

    column: str
    max_lag_ms: int
    window_ms: int | None = None


@dataclass(frozen=True)
class Throughput:
    min_per_second: float | None
    max_per_second: float | None
    window_ms: int = 60_000


@dataclass(frozen=True)
class Freshness:
    """The newest record must be younger than `max_age_ms` (Kafka timestamp, or `column`)."""

    max_age_ms: int
    column: str | None = None


AssertionSpec = (
    NotNull
    | AcceptedValues
    | Range
    | AcceptedTypes
    | CustomSql
    | UniqueKey
    | ForeignKey
    | Distribution
    | MaxLag
    | Throughput
    | Freshness
)

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
