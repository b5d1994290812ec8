"""What every apply step gets: the systems, the ledger (as planned) and its writer, options."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from streamt.adapters.protocols import FlinkCluster, KafkaAdmin, KafkaConnect, SchemaRegistry
from streamt.adapters.waiting import Waits
from streamt.plan.ledger import Ledger
from streamt.resources import Change, LedgerEntry
from streamt.state.ledger import LedgerWriter
from streamt.state.systems import Systems


class StepError(Exception):
    """A step failed; the message says what happened and what to do."""


INTERRUPTED = "interrupted (Ctrl-C): the next apply converges from here"


@dataclass(frozen=True)
class ApplyOptions:
    allow_destructive: bool = False
    allow_state_loss: bool = False  # run upgrades whose new SQL cannot restore the old state
    environ: Mapping[str, str] = field(default_factory=dict)
    max_workers: int = 4
    job_start_timeout_s: float = 120.0
    job_stable_s: float = 5.0  # a new job must stay RUNNING this long to count as started
    restart_grace_s: float = 15.0  # RESTARTING longer than this before ever running = failed
    savepoint_dir: str | None = None
    history_wait_s: float = 15.0  # how long a failed job's exception history may take to fill
    poll_s: float = 0.5
    # called every `heartbeat_s` while a job, its savepoint or its submission is being waited
    # for ("job payments_clean: RESTARTING, 30 s", "job payments_clean: savepoint in progress")
    heartbeat: Callable[[str], None] | None = None
    heartbeat_s: float = 10.0
    # set on Ctrl-C: every wait returns within one poll, the step fails as interrupted
    stop: threading.Event = field(default_factory=threading.Event, compare=False)

    def pause(self, seconds: float) -> None:
        """Sleep between polls; raises StepError at once when the apply is interrupted."""
        if self.stop.wait(seconds) or self.stop.is_set():
            raise StepError(INTERRUPTED)

    def waits(self, label: str) -> Waits:
        """How an adapter waits on this apply's behalf: stopped by its Ctrl-C, beating to its
        heartbeat as `"<label>: <how it goes>"` (label: `job payments_clean`)."""
        beat = self.heartbeat
        if beat is None:
            return Waits(self.stop, None, self.heartbeat_s)
        return Waits(self.stop, lambda line: beat(f"{label}: {line}"), self.heartbeat_s)


@dataclass
class StepContext:
    systems: Systems
    ledger: Ledger
    writer: LedgerWriter
    options: ApplyOptions

    def entry(self, change: Change) -> LedgerEntry | None:
        return self.ledger.get(change.kind, change.name)

    def base_entry(self, change: Change, *, owned: bool) -> LedgerEntry:
        found = self.entry(change)
        if found is not None:
            return found
        return LedgerEntry(
            project=self.ledger.project,
            environment=self.ledger.environment,
            kind=change.kind,
            name=change.name,
            node=change.node,
            owned=owned,
        )

    @property
    def kafka(self) -> KafkaAdmin:
        return _need(self.systems.kafka, "kafka")

    @property
    def registry(self) -> SchemaRegistry:
        return _need(self.systems.registry, "schema_registry")

    @property
    def flink(self) -> FlinkCluster:
        return _need(self.systems.flink, "flink")

    @property
    def connect(self) -> KafkaConnect:
        return _need(self.systems.connect, "connect")


T = TypeVar("T")


def _need(system: T | None, name: str) -> T:
    if system is None:
        raise StepError(f"runtime.{name} is not configured")
    return system
