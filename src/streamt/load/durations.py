"""Durations written in test YAML: `30s`, `5m`, `1h`, `500ms`, `2 days`, or a number of seconds.

Pure parsing; returns milliseconds or raises `ValueError` with a message fit for a diagnostic.
"""

from __future__ import annotations

from math import isfinite

_UNITS: dict[str, int] = {
    "ms": 1,
    "millisecond": 1,
    "milliseconds": 1,
    "s": 1000,
    "sec": 1000,
    "second": 1000,
    "seconds": 1000,
    "m": 60_000,
    "min": 60_000,
    "minute": 60_000,
    "minutes": 60_000,
    "h": 3_600_000,
    "hour": 3_600_000,
    "hours": 3_600_000,
    "d": 86_400_000,
    "day": 86_400_000,
    "days": 86_400_000,
}

EXAMPLES = "30s, 5m, 1h, 500ms, 2 days, or a number of seconds"


def parse_duration_ms(value: object) -> int:
    """Milliseconds of a duration; a bare number means seconds. Must be > 0."""
    if isinstance(value, bool) or (isinstance(value, float) and not isfinite(value)):
        raise ValueError(f"expected a duration ({EXAMPLES}), got {value!r}")
    if isinstance(value, (int, float)):
        ms = round(float(value) * 1000)
    elif isinstance(value, str):
        ms = _parse_text(value.strip().lower())
    else:
        raise ValueError(f"expected a duration ({EXAMPLES}), got {type(value).__name__}")
    if ms <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    return ms


def _parse_text(text: str) -> int:
    digits = len(text) - len(text.lstrip("0123456789."))
    number, unit = text[:digits], text[digits:].strip()
    if not number or unit not in _UNITS:
        raise ValueError(f"expected a duration ({EXAMPLES}), got {text!r}")
    try:
        amount = float(number)
    except ValueError:
        raise ValueError(f"expected a duration ({EXAMPLES}), got {text!r}") from None
    return round(amount * _UNITS[unit])


def format_ms(ms: int) -> str:
    """Shortest exact text for a duration: 300000 -> '5m'."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"
