"""Which output column is the rowtime readers of a model's topic see. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from streamt.diagnostics import Diagnostic
from streamt.load.model import EventTime, Model, Project
from streamt.sql import Column
from streamt.sql.types import TIMESTAMP3


def rowtime_name(model: Model, rowtime: Column | None) -> str | None:
    if model.event_time is not None:
        return model.event_time.column
    return rowtime.name if rowtime else None


def declared_event_time(
    model: Model, columns: tuple[Column, ...], nid: str, diags: list[Diagnostic]
) -> tuple[Column, ...]:
    """A model's own `event_time:` makes that output column the rowtime its readers see."""
    et = model.event_time
    if et is None:
        return columns
    if et.column not in {c.name for c in columns}:
        diags.append(
            Diagnostic(
                "C004",
                f"model '{model.name}': event_time column '{et.column}' is not an output column",
                location=model.where("event_time.column"),
                hint=f"output columns: {', '.join(c.name for c in columns)}",
                node=nid,
            )
        )
        return columns
    strategy = et.watermark.strategy
    delay = 0 if strategy == "monotonously_increasing" else et.watermark.max_out_of_orderness_ms
    out = []
    for col in columns:
        if col.name == et.column:
            ts = col.type if col.type.is_timestamp else TIMESTAMP3
            out.append(replace(col, type=ts, rowtime=True, watermark_delay_ms=delay))
        else:
            out.append(col.plain())
    return tuple(out)


def one_rowtime(columns: Sequence[Column]) -> tuple[Column, ...]:
    """Only the first rowtime column stays a time attribute (the one the sink writes as such)."""
    out: list[Column] = []
    seen = False
    for col in columns:
        out.append(col.plain() if col.rowtime and seen else col)
        seen = seen or col.rowtime
    return tuple(out)


IDLE_OPTION = "scan.watermark.idle-timeout"


def idle_timeout_ms(project: Project, event_time: EventTime | None) -> int:
    """How long a partition of a watermarked input may be quiet before the watermark moves on
    without it: the input's own `watermark.idle_timeout_ms`, else the project default; 0 = never
    (a quiet input holds windows and joins back instead of having its late rows dropped)."""
    own = event_time.watermark.idle_timeout_ms if event_time is not None else None
    if own is not None:
        return own
    return project.defaults.event_time.watermark.idle_timeout_ms or 0


def idle_options(ms: int) -> tuple[tuple[str, str], ...]:
    """The Kafka table option (pushed into the source scan, per partition) for an idle timeout."""
    return ((IDLE_OPTION, f"{ms} ms"),) if ms > 0 else ()
