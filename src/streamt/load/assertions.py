"""Data-test assertions as typed parts of the project model: one pydantic model per kind.

`DataTest.assertions` is a tuple of `AssertionEntry`, each the single-key mapping
`{kind: {parameters}}` of the YAML with exactly one kind set. The models give the project JSON
Schema a described entry per kind (editors complete and explain them), and bad input is refused
while the project loads: `assertion_diagnostic` turns the validation errors under a test's
`assertions` into the data-test codes, placed on the key that is wrong (T001 unknown kind, T002
not a single-key mapping, T003 unknown parameter, T004 missing parameter, T005 bad value).

Values are normalised here (durations to milliseconds, numbers to floats, one name to a tuple,
alias keys folded into one); `streamt.testing.parse` reads them. Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from math import isfinite
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from streamt.diagnostics import Diagnostic, Location, did_you_mean
from streamt.load.durations import EXAMPLES, parse_duration_ms

UNKNOWN_KIND = "T001"
BAD_SHAPE = "T002"
UNKNOWN_PARAM = "T003"
MISSING_PARAM = "T004"
BAD_VALUE = "T005"


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

Scalar = str | int | float | bool | None


# ----------------------------------------------------------------------------- value checks
# A field check raises a T005 whose `tail` follows "<kind>: '<key>'"; a whole-assertion check
# raises its complete message (and the key to place it on).


def _tail(tail: str, hint: str = "") -> PydanticCustomError:
    return PydanticCustomError(BAD_VALUE, "{tail}", {"tail": tail, "hint": hint})


def _whole(code: str, message: str, key: str = "", hint: str = "") -> PydanticCustomError:
    return PydanticCustomError(code, "{message}", {"message": message, "key": key, "hint": hint})


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _tail(" must be a non-empty string")
    return value


def _names(value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if (
        not isinstance(items, (list, tuple))
        or not items
        or not all(isinstance(i, str) and i for i in items)
    ):
        raise _tail(" must be a name or a list of names")
    return tuple(items)


def _number(low: float | None = None, high: float | None = None) -> Callable[[object], float]:
    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not isfinite(value):
            # .inf / .nan would reach the generated SQL as the words inf / nan
            raise _tail(f" must be a number, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else ""
            bounds = bounds or (f">= {low:g}" if low is not None else f"<= {high:g}")
            raise _tail(f" must be {bounds}, got {value!r}")
        return float(value)

    return check


def _duration(value: object) -> int:
    try:
        return parse_duration_ms(value)
    except ValueError as exc:
        raise _tail(f": {exc}") from None


def _values(value: object) -> tuple[Scalar, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise _whole(BAD_VALUE, "accepted_values: 'values' must be a non-empty list")
    if not all(v is None or isinstance(v, (str, int, float, bool)) for v in value):
        raise _whole(BAD_VALUE, "accepted_values: 'values' must hold scalars only")
    if any(isinstance(v, float) and not isfinite(v) for v in value):  # .inf / .nan
        raise _whole(BAD_VALUE, "accepted_values: numbers must be finite")
    return tuple(value)


def _buckets(value: object) -> object:
    if not isinstance(value, (list, tuple)) or not value:
        raise _whole(BAD_VALUE, "distribution needs 'buckets': a non-empty list", "", _BUCKETS)
    return value


def _types(value: object) -> tuple[tuple[str, TypeName], ...]:
    if not isinstance(value, Mapping) or not value:
        raise _whole(
            BAD_VALUE,
            "accepted_types needs 'types': a mapping of column -> type",
            "",
            "e.g. types: {order_id: string, amount: number}",
        )
    out: list[tuple[str, TypeName]] = []
    for column, name in value.items():
        resolved = TYPE_ALIASES.get(str(name).lower()) if isinstance(name, str) else None
        if resolved is None:
            known = "known: " + ", ".join(t.value for t in TypeName)
            raise _whole(
                BAD_VALUE,
                f"accepted_types: unknown type {name!r} for column '{column}'",
                str(column),
                did_you_mean(str(name), TYPE_ALIASES) or known,
            )
        out.append((str(column), resolved))
    return tuple(out)


Name = Annotated[str, BeforeValidator(_name, json_schema_input_type=str)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names, json_schema_input_type=str | list[str])]
Duration = Annotated[
    int, BeforeValidator(_duration, json_schema_input_type=str | float)
]  # milliseconds; written 30s, 5m, 1h, 500ms, 2 days or a number of seconds
Number = Annotated[float, BeforeValidator(_number(), json_schema_input_type=float)]
Ratio = Annotated[float, BeforeValidator(_number(0.0, 1.0), json_schema_input_type=float)]
Rate = Annotated[float, BeforeValidator(_number(0.0), json_schema_input_type=float)]

_BUCKETS = "e.g. buckets: [{min: 0, max: 100, expected_ratio: 0.9, tolerance: 0.05}]"


# ----------------------------------------------------------------------------- the kinds


def _alias_schema(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """Alias spellings are properties too, described as the key they stand for."""
    props = schema.setdefault("properties", {})
    required = schema.get("required", [])
    for key, others in getattr(cls, "ALIASES", {}).items():
        for other in others:
            props[other] = {**props.get(key, {}), "description": f"same as `{key}`"}
        if key in required:  # one of the spellings is
            required.remove(key)
            schema.setdefault("allOf", []).append(
                {"anyOf": [{"required": [k]} for k in (key, *others)]}
            )
    if "required" in schema and not required:
        del schema["required"]


class Params(BaseModel):
    """Parameters of one assertion kind: unknown keys refused, null means not written."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_alias_schema)

    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {}  # key -> other spellings (first wins)
    HINTS: ClassVar[dict[str, str]] = {}  # key -> hint when it is missing
    NEEDS: ClassVar[dict[str, str]] = {}  # key -> what it is, said when it is missing
    SAME_AS: ClassVar[dict[str, str]] = {}  # key -> the key whose value it defaults to
    DURATIONS: ClassVar[tuple[str, ...]] = ()  # keys holding durations (milliseconds)

    def durations(self) -> dict[str, int]:
        """The durations set, by key (ms)."""
        values = {key: getattr(self, key) for key in self.DURATIONS}
        return {key: value for key, value in values.items() if value is not None}

    @model_validator(mode="before")
    @classmethod
    def _fold(cls, data: object) -> object:
        if not isinstance(data, Mapping):
            return data
        out = {k: v for k, v in data.items() if v is not None}
        for key, others in cls.ALIASES.items():
            first = next((k for k in (key, *others) if k in out), None)
            if first is not None:
                value = out[first]
                for k in (key, *others):
                    out.pop(k, None)
                out[key] = value
        for key, source in cls.SAME_AS.items():
            if key not in out and source in out:
                out[key] = out[source]
        return out

    @classmethod
    def param_keys(cls) -> list[str]:
        return [*cls.model_fields, *(o for others in cls.ALIASES.values() for o in others)]


class NotNull(Params):
    """Every record has a value in these columns."""

    ALIASES: ClassVar = {"columns": ("column",)}
    HINTS: ClassVar = {"columns": "e.g. `not_null: {columns: [order_id]}`"}
    columns: Names = Field(
        description="the column(s) that must not be null", examples=[["id", "amount"]]
    )


class AcceptedValues(Params):
    """A column only holds these values."""

    HINTS: ClassVar = {"values": "e.g. values: [NEW, PAID]"}
    column: Name = Field(description="the column checked", examples=["status"])
    values: Annotated[
        tuple[Scalar, ...], BeforeValidator(_values, json_schema_input_type=list[Scalar])
    ] = Field(description="the allowed values (scalars)", examples=[["paid", "refunded"]])


class Range(Params):
    """A numeric column lies within [min, max] (either bound may be left out)."""

    column: Name = Field(description="the column checked", examples=["amount"])
    min: Number | None = Field(
        default=None, description="lowest allowed value (inclusive)", examples=[0]
    )
    max: Number | None = Field(
        default=None, description="highest allowed value (inclusive)", examples=[10000]
    )

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if self.min is None and self.max is None:
            hint = "e.g. range: {column: amount, min: 0}"
            raise _whole(MISSING_PARAM, "range needs 'min', 'max' or both", "", hint)
        if self.min is not None and self.max is not None and self.min > self.max:
            message = f"range: min ({self.min:g}) is greater than max ({self.max:g})"
            raise _whole(BAD_VALUE, message, "min")
        return self


class AcceptedTypes(Params):
    """Columns have these logical types (string, number, integer, boolean, timestamp, ...)."""

    HINTS: ClassVar = {"types": "e.g. types: {order_id: string, amount: number}"}
    NEEDS: ClassVar = {"types": ": a mapping of column -> type"}
    types: Annotated[
        tuple[tuple[str, TypeName], ...],
        BeforeValidator(_types, json_schema_input_type=dict[str, str]),
    ] = Field(
        description="column -> type name (string, number, integer, boolean, timestamp...)",
        examples=[{"amount": "number", "id": "string"}],
    )


class CustomSql(Params):
    """A Flink SQL predicate over the target's columns: `where` selects bad rows, or `check`
    must hold for every row (exactly one of them)."""

    name: Name = Field(
        default="custom_sql",
        description="the name reported for this check",
        examples=["positive_total"],
    )
    where: Name | None = Field(
        default=None, description="a predicate selecting violating rows", examples=["total <= 0"]
    )
    check: Name | None = Field(
        default=None, description="a predicate every row must satisfy", examples=["total > 0"]
    )
    detail_column: str | None = Field(
        default=None, description="accepted, not used", examples=["order_id"]
    )
    description: str | None = Field(
        default=None, description="what the check means", examples=["totals are positive"]
    )

    @model_validator(mode="after")
    def _one_predicate(self) -> CustomSql:
        if (self.where is None) == (self.check is None):
            raise _whole(
                MISSING_PARAM if self.where is None else BAD_VALUE,
                "custom_sql needs exactly one of 'where' (selects bad rows) or 'check' (must hold)",
                "",
                'e.g. custom_sql: {name: positive_amount, check: "amount > 0"}',
            )
        return self

    @property
    def predicate(self) -> str:
        """The user's predicate: `where` (true for a bad row) or `check` (true for a good one)."""
        return self.where or self.check or ""

    @property
    def negate(self) -> bool:
        """True for a `check`: a row violates it when it does not hold (negated as a tree)."""
        return self.check is not None


class UniqueKey(Params):
    """No two records share a key (per window when `window` is set)."""

    HINTS: ClassVar = {"key": "e.g. unique_key: {key: order_id}"}
    DURATIONS: ClassVar = ("window",)
    key: Names = Field(description="the key column(s)", examples=[["order_id"]])
    tolerance: Ratio = Field(
        default=0.0, description="allowed duplicate rate (0..1)", examples=[0.01]
    )
    window: Duration | None = Field(
        default=None, description=f"uniqueness per window ({EXAMPLES})", examples=["1h"]
    )

    @property
    def window_ms(self) -> int | None:
        return self.window


class ForeignKey(Params):
    """Each record's `column` has a match in `ref`.`ref_column` within +/- `window`."""

    ALIASES: ClassVar = {"ref": ("ref_model",), "ref_column": ("ref_key",)}
    SAME_AS: ClassVar = {"ref_column": "column"}
    DURATIONS: ClassVar = ("window",)
    HINTS: ClassVar = {"ref": "the model or source holding the keys"}
    column: Name = Field(description="the referencing column", examples=["customer_id"])
    ref: Name = Field(description="the model or source holding the keys", examples=["customers"])
    ref_column: Name = Field(
        default="", description="the key column (default: column)", examples=["id"]
    )
    window: Duration = Field(
        default=3_600_000, description=f"match window ({EXAMPLES})", examples=["1h"]
    )
    match_rate: Ratio = Field(
        default=1.0, description="required share of rows with a match", examples=[0.99]
    )

    @property
    def window_ms(self) -> int:
        return self.window


class Bucket(Params):
    """One bucket [min, max) of a distribution."""

    min: Number | None = Field(
        default=None, description="inclusive lower bound (none: -inf)", examples=[0]
    )
    max: Number | None = Field(
        default=None, description="exclusive upper bound (none: +inf)", examples=[100]
    )
    expected_ratio: Ratio = Field(
        description="expected share of records in the bucket", examples=[0.8]
    )
    tolerance: Ratio = Field(
        default=0.05, description="allowed deviation from expected_ratio", examples=[0.05]
    )

    @model_validator(mode="after")
    def _bounds(self) -> Bucket:
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise _whole(BAD_VALUE, "min must be below max", "min")
        return self

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)

    @property
    def label(self) -> str:
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "+inf" if self.max is None else f"{self.max:g}"
        return f"[{low}, {high})"


class Distribution(Params):
    """The share of records per value bucket of a column, per window."""

    HINTS: ClassVar = {"buckets": _BUCKETS}
    NEEDS: ClassVar = {"buckets": ": a non-empty list"}
    DURATIONS: ClassVar = ("window",)
    column: Name = Field(description="the numeric column", examples=["amount"])
    buckets: Annotated[tuple[Bucket, ...], BeforeValidator(_buckets)] = Field(
        description="the buckets (non-empty)",
        examples=[[{"min": 0, "max": 100, "expected_ratio": 0.8}]],
    )
    window: Duration = Field(
        default=60_000, description=f"judged per window ({EXAMPLES})", examples=["5m"]
    )

    @property
    def window_ms(self) -> int:
        return self.window


class MaxLag(Params):
    """Event time (`column`) lags processing time (the Kafka timestamp) by at most `max`."""

    ALIASES: ClassVar = {"max": ("max_lag", "max_seconds")}
    HINTS: ClassVar = {
        "column": "the event-time column",
        "max": "e.g. max_lag: {column: ts, max: 30s}",
    }
    NEEDS: ClassVar = {"max": " (a duration)"}
    DURATIONS: ClassVar = ("max", "window")
    column: Name = Field(description="the event-time column", examples=["created_at"])
    max: Duration = Field(description=f"the largest allowed lag ({EXAMPLES})", examples=["30s"])
    window: Duration | None = Field(
        default=None, description="report the maximum per window", examples=["1m"]
    )

    @property
    def max_lag_ms(self) -> int:
        return self.max

    @property
    def window_ms(self) -> int | None:
        return self.window


class Throughput(Params):
    """Records per second stay within bounds, per window."""

    DURATIONS: ClassVar = ("window",)
    min_per_second: Rate | None = Field(default=None, description="lowest rate", examples=[10])
    max_per_second: Rate | None = Field(default=None, description="highest rate", examples=[5000])
    window: Duration = Field(
        default=60_000, description=f"judged per window ({EXAMPLES})", examples=["1m"]
    )

    @model_validator(mode="after")
    def _bounds(self) -> Throughput:
        low, high = self.min_per_second, self.max_per_second
        if low is None and high is None:
            message = "throughput needs 'min_per_second', 'max_per_second' or both"
            raise _whole(MISSING_PARAM, message)
        if low is not None and high is not None and low > high:
            message = "throughput: min_per_second is greater than max_per_second"
            raise _whole(BAD_VALUE, message, "min_per_second")
        return self

    @property
    def window_ms(self) -> int:
        return self.window


class Freshness(Params):
    """The newest record is younger than `max_age` (Kafka timestamp, or `column`)."""

    ALIASES: ClassVar = {"max_age": ("max_age_seconds", "max_lag_seconds")}
    HINTS: ClassVar = {"max_age": "e.g. freshness: {max_age: 5m}"}
    NEEDS: ClassVar = {"max_age": " (a duration)"}
    DURATIONS: ClassVar = ("max_age",)
    column: Name | None = Field(
        default=None, description="an event-time column to judge by", examples=["created_at"]
    )
    max_age: Duration = Field(description=f"the largest allowed age ({EXAMPLES})", examples=["5m"])

    @property
    def max_age_ms(self) -> int:
        return self.max_age


AssertionParams = (
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

PARAMS: dict[AssertionKind, type[Params]] = {
    AssertionKind.NOT_NULL: NotNull,
    AssertionKind.ACCEPTED_VALUES: AcceptedValues,
    AssertionKind.RANGE: Range,
    AssertionKind.ACCEPTED_TYPES: AcceptedTypes,
    AssertionKind.CUSTOM_SQL: CustomSql,
    AssertionKind.UNIQUE_KEY: UniqueKey,
    AssertionKind.FOREIGN_KEY: ForeignKey,
    AssertionKind.DISTRIBUTION: Distribution,
    AssertionKind.MAX_LAG: MaxLag,
    AssertionKind.THROUGHPUT: Throughput,
    AssertionKind.FRESHNESS: Freshness,
}

_SHAPE_HINT = "write each assertion as `- kind: {parameters}`, e.g. `- not_null: {columns: [id]}`"


def _entry_schema(schema: dict[str, Any]) -> None:
    schema["minProperties"] = 1
    schema["maxProperties"] = 1


class AssertionEntry(BaseModel):
    """One assertion: `- kind: {parameters}` with exactly one kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_entry_schema)

    not_null: NotNull | None = Field(
        default=None, description="these columns are never null", examples=[{"columns": ["id"]}]
    )
    accepted_values: AcceptedValues | None = Field(
        default=None,
        description="a column only holds these values",
        examples=[{"column": "status", "values": ["paid", "refunded"]}],
    )
    range: Range | None = Field(
        default=None,
        description="a numeric column stays within bounds",
        examples=[{"column": "amount", "min": 0}],
    )
    accepted_types: AcceptedTypes | None = Field(
        default=None,
        description="columns have these logical types",
        examples=[{"types": {"amount": "number"}}],
    )
    custom_sql: CustomSql | None = Field(
        default=None,
        description="a Flink SQL predicate: the records it selects (where) are violations",
        examples=[{"name": "paid_is_cheap", "where": "status = 'PAID' AND amount > 5000"}],
    )
    unique_key: UniqueKey | None = Field(
        default=None,
        description="no two records share a key",
        examples=[{"key": ["order_id"], "window": "1h"}],
    )
    foreign_key: ForeignKey | None = Field(
        default=None,
        description="a column's values exist in another model or source",
        examples=[{"column": "customer_id", "ref": "customers"}],
    )
    distribution: Distribution | None = Field(
        default=None,
        description="a column's values fall into buckets in the expected shares",
        examples=[{"column": "amount", "buckets": [{"max": 100, "expected_ratio": 0.8}]}],
    )
    max_lag: MaxLag | None = Field(
        default=None,
        description="records arrive at most this late",
        examples=[{"column": "created_at", "max": "30s"}],
    )
    throughput: Throughput | None = Field(
        default=None,
        description="records per second stay within bounds",
        examples=[{"min_per_second": 10}],
    )
    freshness: Freshness | None = Field(
        default=None,
        description="the newest record is at most this old",
        examples=[{"column": "created_at", "max_age": "5m"}],
    )

    @model_validator(mode="before")
    @classmethod
    def _single_key(cls, data: object) -> object:
        if not isinstance(data, Mapping) or len(data) != 1:
            raise _whole(BAD_SHAPE, "an assertion must be a single-key mapping", "", _SHAPE_HINT)
        ((name, body),) = data.items()
        return {name: {} if body is None else body}

    @property
    def kind(self) -> AssertionKind:
        (name,) = self.model_fields_set  # the one key written (`_single_key`)
        return AssertionKind(name)

    @property
    def params(self) -> AssertionParams:
        value: AssertionParams = getattr(self, self.kind.value)
        return value


# ----------------------------------------------------------------------------- diagnostics


def assertion_diagnostic(
    err: ErrorDetails, loc: tuple[int | str, ...], where: Callable[[str], Location], label: str
) -> Diagnostic:
    """The data-test diagnostic of one validation error at `loc` = (index, kind, key...)
    inside a test's `assertions` (`label` names the test, e.g. "test 't'")."""
    base = f"assertions.{loc[0]}"
    rest = loc[1:]
    ctx = err.get("ctx") or {}
    code, message, hint, path = _describe(err, rest, ctx)
    full = ".".join(str(p) for p in (base, *path) if p != "")
    return Diagnostic(code, f"{label}: {message}", location=where(full), hint=hint)


def _describe(
    err: ErrorDetails, rest: tuple[int | str, ...], ctx: Mapping[str, Any]
) -> tuple[str, str, str, tuple[int | str, ...]]:
    kind = err["type"]
    if not rest:  # the entry itself
        return BAD_SHAPE, str(ctx.get("message", err["msg"])), _SHAPE_HINT, ()
    name = str(rest[0])
    if name not in PARAMS_BY_NAME:
        names = [k.value for k in AssertionKind]
        hint = did_you_mean(name, names) or "known: " + ", ".join(names)
        return UNKNOWN_KIND, f"unknown assertion '{name}'", hint, (name,)
    cls: type[Params] = PARAMS_BY_NAME[name]
    what, inner, owner = name, rest[1:], rest[:1]
    if len(inner) >= 2 and inner[0] == "buckets" and isinstance(inner[1], int):
        what, cls, owner, inner = f"{name} bucket {inner[1]}", Bucket, rest[:3], inner[2:]
    if not inner and kind in ("model_type", "dict_type", "model_attributes_type"):
        if cls is Bucket:
            return BAD_VALUE, f"{name}: bucket {owner[-1]} must be a mapping", "", owner
        return BAD_SHAPE, f"the parameters of '{name}' must be a mapping", "", owner
    key = str(inner[0]) if inner else ""
    if kind == "extra_forbidden":
        allowed = cls.param_keys()
        hint = did_you_mean(key, allowed) or "allowed: " + ", ".join(sorted(allowed))
        return UNKNOWN_PARAM, f"unknown parameter '{key}' for {what}", hint, (*owner, key)
    if kind == "missing":
        message = f"{what} needs '{key}'{cls.NEEDS.get(key, '')}"
        return MISSING_PARAM, message, cls.HINTS.get(key, ""), owner
    if "message" in ctx:  # a whole-assertion check, placed on its key
        message = str(ctx["message"])
        if cls is Bucket:
            message = f"{what}: {message}"
        at = tuple(str(ctx.get("key", "")).split(".")) if ctx.get("key") else ()
        return kind, message, str(ctx.get("hint", "")), (*owner, *inner, *at)
    if "tail" in ctx:
        return (
            BAD_VALUE,
            f"{what}: '{key}'{ctx['tail']}",
            str(ctx.get("hint", "")),
            (*owner, *inner),
        )
    return BAD_VALUE, f"{what}: '{key}': {err['msg']}", "", (*owner, *inner)


PARAMS_BY_NAME: dict[str, type[Params]] = {k.value: cls for k, cls in PARAMS.items()}
