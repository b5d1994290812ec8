"""Small SQL text builders shared by the continuous-test generators.

Every identifier goes through `q`, every string literal through `s` (the Flink dialect's
quoting) and every number through `lit` / `interval` (finite floats, integers);
intervals, windows and JSON rows are built here so both generator modules write them alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from streamt.sql.dialect import quote_identifier, quote_string
from streamt.testing.assertions import Assertion

KAFKA_TS = "__kafka_ts"


PROC = "__proc"


def raw(column: str) -> str:
    """The name of a column's text value in the `typed` view."""
    return f"__raw__{column}"


def q(name: str) -> str:
    return quote_identifier(name)


def s(value: str) -> str:
    return quote_string(value)


def with_options(options: Mapping[str, str]) -> str:
    return "WITH (\n" + ",\n".join(f"  {s(k)} = {s(v)}" for k, v in options.items()) + "\n)"


def row_json(columns: Sequence[str], prefix: str = "", raw_names: bool = False) -> str:
    pairs = ", ".join(f"KEY {s(c)} VALUE {prefix}{q(raw(c) if raw_names else c)}" for c in columns)
    return f"JSON_OBJECT({pairs} NULL ON NULL)"


def header(where: tuple[str, str, str], a: Assertion, detail: str) -> str:
    project, test, target = where
    return f"{s(project)}, {s(test)}, {s(target)}, {s(a.label)}, {detail}"


def now() -> str:
    return "CAST(CURRENT_TIMESTAMP AS STRING)"


def num(column: str, raw_name: bool = True) -> str:
    return f"TRY_CAST({q(raw(column) if raw_name else column)} AS DOUBLE)"


def rc(column: str) -> str:
    """A column's raw text in the `typed` view, quoted."""
    return q(raw(column))


def lit(value: float) -> str:
    """A DOUBLE literal; only finite numbers (repr of inf / nan would be a bare word)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return f"CAST({value!r} AS DOUBLE)"


def interval(ms: int) -> str:
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return (
        f"INTERVAL '{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}' DAY TO SECOND(3)"
    )


def window(table: str, ms: int, time_column: str = PROC) -> str:
    return f"TABLE(TUMBLE(TABLE {q(table)}, DESCRIPTOR({q(time_column)}), {interval(ms)}))"


def window_json(extra: Sequence[tuple[str, str]]) -> str:
    pairs = [
        ("window_start", "CAST(window_start AS STRING)"),
        ("window_end", "CAST(window_end AS STRING)"),
        *extra,
    ]
    return "JSON_OBJECT(" + ", ".join(f"KEY {s(k)} VALUE {v}" for k, v in pairs) + ")"


def key_text(columns: Sequence[str], prefix: str = "") -> str:
    return (
        "CONCAT_WS('|', " + ", ".join(f"COALESCE({prefix}{q(c)}, '<null>')" for c in columns) + ")"
    )
