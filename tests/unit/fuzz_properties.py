"""Properties every fuzzed input must keep, shared by the fuzz tests: only diagnostics escape,
each with its room's code (never an internal error or a traceback), in bounded time; an
analysis that passes was regenerated, and its regenerated SQL passes again unchanged."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from streamt.diagnostics import Diagnostic
from streamt.sql import analyze_query

SECONDS_PER_INPUT = 10.0  # generous for a loaded 2-core machine; a hang never ends


def room_diagnostics(diags: Iterable[Diagnostic], rooms: str = "LVGSCPATKR") -> None:
    for d in diags:
        assert isinstance(d, Diagnostic), d
        assert re.fullmatch(rf"[{rooms}]\d{{3}}", d.code), d.code
        assert d.message and "internal error" not in d.message.lower(), d.render()
        assert "Traceback" not in d.render()


def analysed(sql: str, inputs: Mapping[str, Any]) -> Any:
    """`analyze_query(sql, inputs)` with the properties checked."""
    result = _timed(lambda: analyze_query(sql, inputs))
    room_diagnostics(result.diagnostics, rooms="SC")  # C051: an unsupported construct
    if result.ok:
        assert result.canonical  # a query that passed was regenerated
        again = _timed(lambda: analyze_query(result.canonical, inputs))
        assert again.ok, [d.render() for d in again.diagnostics]
        assert again.canonical == result.canonical  # regeneration is a fixed point
    return result


def _timed(run: Callable[[], Any]) -> Any:
    started = time.monotonic()
    out = run()
    assert time.monotonic() - started < SECONDS_PER_INPUT
    return out
