"""Starts the processes of a stack that are not running, in dependency order, and waits
for their health. Processes whose PID file points at a live process are adopted, not
restarted. A process that dies during start-up fails the start with its last log lines."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local import cds, procs
from streamt.local.config import StackConfig
from streamt.local.health import probe
from streamt.local.ports import port_is_free, port_owner
from streamt.local.spec import ProcessLaunch

Progress = Callable[[str], None]


class Launcher:
    """Starts what is not running, in dependency order, and waits for health."""

    def __init__(self, cfg: StackConfig, specs: list[ProcessLaunch], progress: Progress) -> None:
        self.cfg, self.specs, self.progress = cfg, specs, progress
        self.records: dict[str, procs.PidRecord] = {}
        self.healthy: set[str] = set()
        self.started: set[str] = set()

    def run(self, wait: bool, timeout: float) -> None:
        began = time.monotonic()
        deadline = began + timeout
        self._adopt_running()
        self._check_ports([s for s in self.specs if s.name not in self.records])
        while True:
            self._start_ready()
            self._check_alive()
            self._probe()
            pending = [s for s in self.specs if s.name not in self.healthy]
            if not pending:
                break
            if not wait and all(s.name in self.records for s in self.specs):
                return
            if time.monotonic() > deadline:
                raise _not_healthy(pending, timeout)
            time.sleep(0.25)
        self.progress(f"all healthy in {time.monotonic() - began:.1f} s")

    def _adopt_running(self) -> None:
        for spec in self.specs:
            record = procs.live_pid(self.cfg.run_dir, spec.name)
            if record is None:
                procs.pid_file(self.cfg.run_dir, spec.name).unlink(missing_ok=True)
                continue
            self.records[spec.name] = record
            note = ""
            if record.fingerprint and record.fingerprint != spec.fingerprint():
                note = "; its configuration changed: `streamt local down` then `up` applies it"
            self.progress(f"{spec.name}: already running (pid {record.pid}){note}")

    def _check_ports(self, to_start: list[ProcessLaunch]) -> None:
        problems = []
        for spec in to_start:
            for port in spec.bind_ports:
                if not port_is_free(port):
                    owner = port_owner(port) or (
                        "another process (no listener found: maybe the local end of an "
                        "outgoing connection; avoid ports >= 32768)"
                    )
                    problems.append(
                        Diagnostic(
                            "K002",
                            f"port {port} needed by {spec.name} is in use by {owner}",
                            hint="stop that process, or move the stack with --port-offset / "
                            "STREAMT_LOCAL_PORT_<NAME>",
                        )
                    )
        if problems:
            raise StreamtError(problems)

    def _start_ready(self) -> None:
        for spec in self.specs:
            if spec.name in self.records:
                continue
            if all(dep in self.healthy or dep not in self._names() for dep in spec.after):
                self._launch(spec)

    def _names(self) -> set[str]:
        return {s.name for s in self.specs}

    def _launch(self, spec: ProcessLaunch) -> None:
        _rotate(spec.log_file)
        out = spec.log_file.with_suffix(".out")
        if out != spec.log_file:
            _rotate(out)
        env = {**os.environ, **dict(spec.env)} if spec.env else None
        argv = cds.with_cds(list(spec.argv), self.cfg.home / "cds", spec.name)
        self.records[spec.name] = procs.spawn(
            spec.name, argv, run_dir=self.cfg.run_dir, out_file=out, env=env,
            cwd=self.cfg.home, fingerprint=spec.fingerprint(),
        )  # fmt: skip
        self.started.add(spec.name)
        self.progress(f"{spec.name}: started (pid {self.records[spec.name].pid})")

    def _check_alive(self) -> None:
        for spec in self.specs:
            record = self.records.get(spec.name)
            if record is not None and procs.has_exited(record):
                raise StreamtError(
                    Diagnostic(
                        "K004",
                        f"{spec.name} exited during start-up. Last log lines:\n{_tail(spec)}",
                        hint=f"full logs: `streamt local logs {spec.name}`",
                    )
                )

    def _probe(self) -> None:
        for spec in self.specs:
            if spec.name in self.records and spec.name not in self.healthy and probe(spec.health):
                self.healthy.add(spec.name)
                self.progress(f"{spec.name}: healthy")


def _rotate(path: Path) -> None:
    p = path
    if p.exists() and p.stat().st_size > 0:
        p.replace(p.with_name(p.name + ".1"))


def _tail(spec: ProcessLaunch, lines: int = 20) -> str:
    chunks = []
    for path in (spec.log_file, spec.log_file.with_suffix(".out")):
        try:
            text = path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            continue
        if text:
            chunks.append(f"--- {path}\n" + "\n".join(text))
    return "\n".join(chunks) or "(no log output)"


def _not_healthy(pending: list[ProcessLaunch], timeout: float) -> StreamtError:
    return StreamtError(
        [
            Diagnostic(
                "K005",
                f"{s.name} did not become healthy within {timeout:.0f} s. Last log lines:\n{_tail(s, 10)}",
                hint=f"check `streamt local logs {s.name}`; a busy machine may need --timeout",
            )
            for s in pending
        ]
    )
