"""Input and output table shapes exchanged with `streamt.sql.analyze` (frozen values, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from streamt.sql.types import SqlType


@dataclass(frozen=True)
class Column:
    name: str
    type: SqlType
    rowtime: bool = False  # an event-time attribute (declared with a WATERMARK)
    proctime: bool = False  # a processing-time attribute (PROCTIME())
    watermark_delay_ms: int = 0  # for rowtime columns: bounded out-of-orderness
    # NULL by construction in some rows: the optional side of an outer join, a column rolled
    # up by GROUPING SETS / ROLLUP / CUBE (it cannot be an upsert key)
    null_filled: bool = False

    def plain(self) -> Column:
        """The same column as a regular value (time attribute materialised)."""
        if not (self.rowtime or self.proctime or self.watermark_delay_ms):
            return self
        return replace(self, rowtime=False, proctime=False, watermark_delay_ms=0)

    def renamed(self, name: str) -> Column:
        if name == self.name:
            return self
        return replace(self, name=name)


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...] = ()
    updating: bool = False  # a changelog input (CDC format, upsert topic)
    primary_key: tuple[str, ...] = ()
    open: bool = False  # columns unknown: infer them from how the query uses them
    # a model's topic read back: a window may make any of its TIMESTAMP(3) columns the event
    # time of the reading job's table (a watermark on that column)
    retimable: bool = False
    # the columns of the Kafka message key (a source's `key:`, a model's key): with an event
    # time they make the table a versioned table for temporal joins
    message_key: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def rowtime(self) -> Column | None:
        return next((c for c in self.columns if c.rowtime), None)
