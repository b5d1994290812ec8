"""How an adapter waits for a long operation (a savepoint, a job leaving RUNNING, a SQL Gateway
statement): between polls it sleeps on the caller's stop event, so Ctrl-C ends the wait within
one poll (at most a second) with `Interrupted`; and every `every_s` it tells the caller how the
wait is going (`beat("savepoint in progress, 30 s")`).

`Interrupted` is not an `AdapterError`: code that tolerates a failed call (a best-effort cancel)
must never swallow an interruption and carry on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class Interrupted(Exception):
    """The caller asked a wait to stop (Ctrl-C); what the system does meanwhile goes on."""


@dataclass(frozen=True)
class Waits:
    """`stop`: set to interrupt; `beat`: hears a wait's progress every `every_s` seconds."""

    stop: threading.Event = field(default_factory=threading.Event, compare=False)
    beat: Callable[[str], None] | None = None
    every_s: float = 10.0

    def pause(self, seconds: float, sleep: Callable[[float], None] | None = None) -> None:
        """Sleep between two polls (on `stop`, or with an injected `sleep`); raises
        `Interrupted` when the wait is to end."""
        if not self.stop.is_set():
            if sleep is None:
                self.stop.wait(seconds)
            else:
                sleep(seconds)
        if self.stop.is_set():
            raise Interrupted("interrupted (Ctrl-C)")

    def watch(self, clock: Callable[[], float] = time.monotonic) -> Watch:
        """The heartbeat of one wait, started now."""
        now = clock()
        return Watch(self, clock, now, now)


@dataclass
class Watch:
    waits: Waits
    clock: Callable[[], float]
    started: float
    last: float

    def tick(self, state: str) -> None:
        """Beat `"<state>, <elapsed> s"` when `every_s` passed since the last beat."""
        now = self.clock()
        if self.waits.beat is not None and now - self.last >= self.waits.every_s:
            self.last = now
            self.waits.beat(f"{state}, {now - self.started:.0f} s")
