"""Reading an on_failure action's or a unit case's parameters with placed diagnostics.

`Params` wraps a raw mapping and records a diagnostic (code, location, hint) for each unknown,
missing or ill-typed key instead of raising, so `streamt validate` reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from math import isfinite
from typing import Any, TypeVar

from streamt.diagnostics import Diagnostic, Location, did_you_mean
from streamt.load.assertions import BAD_VALUE, MISSING_PARAM, UNKNOWN_PARAM
from streamt.load.durations import EXAMPLES, parse_duration_ms

T = TypeVar("T")


class Params:
    """Typed access to `raw`; `where(key)` places a key, `diags` collects problems."""

    def __init__(
        self,
        what: str,
        raw: Mapping[str, Any],
        allowed: Iterable[str],
        where: Callable[[str], Location],
        node: str = "",
    ) -> None:
        self.what, self.raw, self.where, self.node = what, raw, where, node
        self.diags: list[Diagnostic] = []
        allowed_set = set(allowed)
        for key in raw:
            if key not in allowed_set:
                hint = did_you_mean(str(key), allowed_set) or (
                    "allowed: " + ", ".join(sorted(allowed_set))
                )
                self.error(UNKNOWN_PARAM, f"unknown parameter '{key}' for {what}", str(key), hint)

    def error(self, code: str, message: str, key: str = "", hint: str = "") -> None:
        self.diags.append(Diagnostic(code, message, location=self.where(key), hint=hint))

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def _get(self, key: str, required: bool, hint: str) -> Any:
        if not self.has(key):
            if required:
                self.error(MISSING_PARAM, f"{self.what} needs '{key}'", "", hint)
            return None
        return self.raw[key]

    def string(self, key: str, *, required: bool = False, hint: str = "") -> str | None:
        value = self._get(key, required, hint)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(BAD_VALUE, f"{self.what}: '{key}' must be a non-empty string", key, hint)
            return None
        return value

    def strings(self, key: str, *, required: bool = False, hint: str = "") -> tuple[str, ...]:
        """A string or a non-empty list of strings."""
        value = self._get(key, required, hint)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if (
            not isinstance(items, (list, tuple))
            or not items
            or not all(isinstance(i, str) and i for i in items)
        ):
            self.error(BAD_VALUE, f"{self.what}: '{key}' must be a name or a list of names", key)
            return ()
        return tuple(items)

    def number(
        self,
        key: str,
        *,
        required: bool = False,
        low: float | None = None,
        high: float | None = None,
        hint: str = "",
    ) -> float | None:
        value = self._get(key, required, hint)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not isfinite(value):
            # .inf / .nan would reach the generated SQL as the words inf / nan
            self.error(BAD_VALUE, f"{self.what}: '{key}' must be a number, got {value!r}", key)
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else ""
            bounds = bounds or (f">= {low:g}" if low is not None else f"<= {high:g}")
            self.error(BAD_VALUE, f"{self.what}: '{key}' must be {bounds}, got {value!r}", key)
            return None
        return float(value)

    def duration(
        self, key: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self._get(key, required, f"a duration: {EXAMPLES}")
        if value is None:
            return default
        try:
            return parse_duration_ms(value)
        except ValueError as exc:
            self.error(BAD_VALUE, f"{self.what}: '{key}': {exc}", key)
            return default

    def first(self, *keys: str) -> str | None:
        """The first of several alias keys that is present."""
        return next((k for k in keys if self.has(k)), None)
