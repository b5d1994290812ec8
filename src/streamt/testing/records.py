"""Records read from Kafka and the outcome of judging them. Pure values.

`Record.value` is the decoded JSON value (a mapping); `timestamp_ms` the Kafka record timestamp
(processing time for max_lag / throughput / freshness). Timestamps inside values are parsed by
`to_epoch_ms` (SQL `yyyy-MM-dd HH:mm:ss[.SSS]`, ISO-8601 with or without zone, or epoch ms),
always as UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    value: Mapping[str, Any]
    timestamp_ms: int = 0
    key: bytes | None = None
    partition: int = 0
    offset: int = 0
    headers: tuple[tuple[str, bytes], ...] = ()
    tombstone: bool = False  # a null value (an upsert delete); `value` is then empty


@dataclass(frozen=True)
class Outcome:
    """The verdict of one assertion over some records."""

    assertion: str  # label, e.g. "not_null[0]"
    passed: bool
    message: str
    checked: int = 0  # records (or windows) judged
    violations: int = 0
    examples: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)  # failing rows


def to_epoch_ms(value: object) -> int | None:
    """Milliseconds since the epoch (UTC) of a timestamp-like value, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return int(parsed.timestamp() * 1000)


def to_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
