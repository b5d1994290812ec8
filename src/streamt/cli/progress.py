"""The live lines of apply and destroy: each step as it starts and as it ends, numbered in the
order the executor runs them (`streamt.apply.executor.phases`), and the heartbeats of the
waits that take long (a job starting, a savepoint, a statement on the SQL Gateway):

      [3/7] create topic payments.clean ...
      [3/7] create topic payments.clean  done [0.4 s] - created (3 partitions)
            job payments_clean: savepoint in progress, 30 s

Coloured (rich) on a terminal, plain lines otherwise (a CI log keeps them), nothing with -q;
on stdout in a text run, on stderr when stdout carries the `--format json` document. The steps
of one phase run in parallel: their lines interleave, each line whole.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

import click

from streamt.cli import logs, output
from streamt.cli.render import use_rich
from streamt.diagnostics import terminal_safe

if TYPE_CHECKING:
    from streamt.resources import Change, Plan

BEAT_INDENT = " " * 8


class StepLines:
    """The executor's `Progress` for a plan; `stream` None: silent."""

    def __init__(self, plan: Plan, stream: TextIO | None) -> None:
        from streamt.apply.executor import phases

        order = [c for _, changes in phases(plan) for c in changes]
        self.number = {(c.kind, c.name): i for i, c in enumerate(order, 1)}
        self.total = len(order)
        self.stream = stream
        self.rich = stream is not None and use_rich(stream)
        self._lock = threading.Lock()
        self._begun = False  # a blank line parts the plan above from the first step

    @classmethod
    def for_run(cls, plan: Plan) -> StepLines:
        """Where this command's lines go: none with -q, stderr under --format json."""
        if logs.SETTINGS.quiet:
            return cls(plan, None)
        return cls(plan, sys.stderr if output.json_requested() else sys.stdout)

    @property
    def heartbeat(self) -> Callable[[str], None] | None:
        """What apply's waits beat to (`ApplyOptions.heartbeat`), None when silent."""
        return self.beat if self.stream is not None else None

    def phase(self, name: str, changes: Sequence[Change]) -> None:
        return None

    def started(self, change: Change) -> None:
        self._write([(self._head(change), ""), (" ...", "dim")])

    def finished(self, result: object) -> None:
        from streamt.apply.executor import StepResult

        assert isinstance(result, StepResult)
        outcome, style = ("done", "green") if result.ok else ("FAILED", "bold red")
        parts = [(self._head(result.change), ""), ("  ", ""), (outcome, style)]
        parts.append((f" [{result.seconds:.1f} s]", "dim"))
        if result.message:
            parts.append((f" - {terminal_safe(result.message)}", "" if result.ok else "red"))
        self._write(parts)

    def beat(self, line: str) -> None:
        self._write([(BEAT_INDENT + terminal_safe(line), "dim")])

    def _head(self, change: Change) -> str:
        number = self.number.get((change.kind, change.name), 0)
        what = f"{change.action.value} {change.kind.value} {terminal_safe(change.name)}"
        return f"  [{number}/{self.total}] {what}"

    def _write(self, parts: list[tuple[str, str]]) -> None:
        if self.stream is None:
            return
        with self._lock:
            if not self._begun:
                self._begun = True
                click.echo("", file=self.stream)
            if not self.rich:
                click.echo("".join(text for text, _ in parts), file=self.stream)
                return
            from rich.console import Console
            from rich.text import Text

            Console(file=self.stream, highlight=False, soft_wrap=True).print(Text.assemble(*parts))
