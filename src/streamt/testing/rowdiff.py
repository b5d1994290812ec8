"""Multiset comparison of expected and actual rows, with a readable diff. Pure.

Rows are compared on `columns` only (default: every column named by an expected row), after
normalising values (ints and equal floats compare equal; timestamps compare by instant).
The diff lists rows missing from the output (`-`) and unexpected rows (`+`), with counts
when a row appears several times.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streamt.testing.records import to_epoch_ms

Row = Mapping[str, Any]


@dataclass(frozen=True)
class RowDiff:
    missing: tuple[tuple[str, int], ...]  # (row text, how many missing)
    unexpected: tuple[tuple[str, int], ...]
    matched: int

    @property
    def equal(self) -> bool:
        return not self.missing and not self.unexpected

    def render(self) -> str:
        if self.equal:
            return f"{self.matched} rows match"
        lines = [
            f"rows differ ({self.matched} matched, {sum(n for _, n in self.missing)} missing, "
            f"{sum(n for _, n in self.unexpected)} unexpected):"
        ]
        lines += [f"- {text}{f'  (x{n})' if n > 1 else ''}" for text, n in self.missing]
        lines += [f"+ {text}{f'  (x{n})' if n > 1 else ''}" for text, n in self.unexpected]
        return "\n".join(lines)


def compare_rows(
    expected: Sequence[Row], actual: Sequence[Row], columns: Sequence[str] = ()
) -> RowDiff:
    cols = list(columns) or _columns(expected) or _columns(actual)
    want = Counter(_canon(r, cols) for r in expected)
    got = Counter(_canon(r, cols) for r in actual)
    missing = want - got
    unexpected = got - want
    matched = sum((want & got).values())
    return RowDiff(_texts(missing, cols), _texts(unexpected, cols), matched)


def _columns(rows: Sequence[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def _canon(row: Row, cols: Sequence[str]) -> tuple[str, ...]:
    return tuple(_norm(row.get(c)) for c in cols)


def _norm(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, str):
        instant = to_epoch_ms(value) if (":" in value and "-" in value) else None
        return f"@{instant}" if instant is not None else json.dumps(value)
    return json.dumps(value, sort_keys=True, default=str)


def _texts(counter: Counter[tuple[str, ...]], cols: Sequence[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((_display(key, cols), n) for key, n in counter.items()))


def _display(key: tuple[str, ...], cols: Sequence[str]) -> str:
    parts = []
    for col, norm in zip(cols, key, strict=True):
        if norm.startswith("@"):
            import datetime as dt

            stamp = dt.datetime.fromtimestamp(int(norm[1:]) / 1000, tz=dt.timezone.utc)
            text = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        elif norm.replace(".", "", 1).replace("-", "", 1).replace("e", "").isdigit():
            number = float(norm)
            text = f"{int(number)}" if number.is_integer() else f"{number:g}"
        else:
            text = norm
        parts.append(f"{col}={text}")
    return "{" + ", ".join(parts) + "}"


def final_rows(changelog: Sequence[tuple[bytes | None, Row | None]]) -> list[Row]:
    """Upsert changelog (key, value or None for a delete) -> the last row per key."""
    last: dict[bytes | None, Row | None] = {}
    for key, value in changelog:
        last.pop(key, None)
        last[key] = value
    return [v for v in last.values() if v is not None]
