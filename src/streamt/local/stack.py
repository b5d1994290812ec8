"""The stack: which processes a selection of components needs, and bringing them up/down.

`up` is idempotent: a process whose PID file points at a live process is reused (and waited
for if still starting); anything else is started after checking its ports are free. A file
lock on the home serialises concurrent `up`/`down` calls. `down` stops exactly the processes
recorded in PID files, in reverse start order.

The process list follows the stack's topology (`kafka`, `kafka-2`, ..., `taskmanager`,
`taskmanager-2`, ...); `up` records the topology in the stack's data and refuses (L170) one
that differs from the topology its data was formatted for.
"""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local import procs
from streamt.local.bundles import Bundle, BundleSet, bundles_for
from streamt.local.config import StackConfig, Topology, broker_name, recorded_topology
from streamt.local.describe import describe, process_order
from streamt.local.fetch import Source, bundle_dir, ensure_bundles
from streamt.local.flink import prepare_flink
from streamt.local.health import probe
from streamt.local.javacheck import check_java
from streamt.local.jvm import write_if_changed
from streamt.local.kafka import prepare_connect, prepare_kafka
from streamt.local.launcher import Launcher
from streamt.local.ports import port_is_free
from streamt.local.registry import prepare_registry
from streamt.local.secure import (
    ensure_material,
    env_text,
    is_secure_home,
    runtime_block,
    secure_files,
    write_private,
)
from streamt.local.spec import Component, ProcessLaunch

Progress = Callable[[str], None]
REGISTRY_MIN_JAVA = 21

_REQUIRES: dict[Component, tuple[Component, ...]] = {
    Component.KAFKA: (),
    Component.CONNECT: (Component.KAFKA,),
    Component.FLINK: (),
    Component.SQL_GATEWAY: (Component.FLINK,),
    Component.SCHEMA_REGISTRY: (),
}


def resolve(only: tuple[Component, ...]) -> tuple[Component, ...]:
    """The selected components plus what they need, in a stable order (empty: all)."""
    wanted = set(only or tuple(Component))
    for comp in list(wanted):
        wanted.update(_REQUIRES[comp])
    return tuple(c for c in Component if c in wanted)


def bundles_needed(bundles: BundleSet, comps: tuple[Component, ...]) -> list[Bundle]:
    needed: list[Bundle] = []
    for comp in comps:
        if comp is Component.KAFKA:
            needed.append(bundles.kafka)
        elif comp is Component.CONNECT:
            needed += [bundles.kafka, bundles.connect_file, bundles.jdbc_sink]
        elif comp in (Component.FLINK, Component.SQL_GATEWAY):
            needed += [bundles.flink, bundles.flink_extra]
        elif comp is Component.SCHEMA_REGISTRY:
            needed.append(bundles.registry)
    return list(dict.fromkeys(needed))


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    component: str
    version: str
    port: int
    pid: int | None
    rss_bytes: int | None
    healthy: bool

    @property
    def state(self) -> str:
        if self.pid is None:
            return "stopped"
        return "healthy" if self.healthy else "unhealthy"


class Stack:
    def __init__(self, cfg: StackConfig, progress: Progress = lambda _m: None) -> None:
        self.cfg = cfg
        self.bundles = bundles_for(cfg.versions)
        self.progress = progress

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.cfg.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.cfg.run_dir / ".lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def registry_java(self, java_major: int) -> str:
        """Apicurio 3.3 needs Java 21+: the configured java if new enough, else the bundled one."""
        if java_major >= REGISTRY_MIN_JAVA:
            return self.cfg.java
        jre = self.bundles.registry_jre
        return str(bundle_dir(self.cfg.cache, jre) / jre.java_in_bundle)

    def specs(self, comps: tuple[Component, ...], java_major: int) -> list[ProcessLaunch]:
        """Writes configs and returns the process specs of the components (bundles present)."""
        built: list[ProcessLaunch] = []
        for comp in comps:
            if comp is Component.KAFKA:
                built += prepare_kafka(self.cfg, self.bundles)
            elif comp is Component.CONNECT:
                built.append(prepare_connect(self.cfg, self.bundles))
            elif comp is Component.FLINK:
                built += [
                    s for s in prepare_flink(self.cfg, self.bundles) if s.name != "sql-gateway"
                ]
            elif comp is Component.SQL_GATEWAY:
                built += [
                    s for s in prepare_flink(self.cfg, self.bundles) if s.name == "sql-gateway"
                ]
            elif comp is Component.SCHEMA_REGISTRY:
                built += prepare_registry(self.cfg, self.bundles, self.registry_java(java_major))
        order = process_order(self.cfg)
        return sorted(built, key=lambda s: order.index(s.name))

    def up(
        self, only: tuple[Component, ...] = (), wait: bool = True, timeout: float = 240.0
    ) -> tuple[str, ...]:
        """Start what is missing; returns the names of the processes this call started."""
        comps = resolve(only)
        java_major = check_java(self.cfg.java)
        needed = bundles_needed(self.bundles, comps)
        if Component.SCHEMA_REGISTRY in comps and java_major < REGISTRY_MIN_JAVA:
            needed.append(self.bundles.registry_jre)
        ensure_bundles(self.cfg.cache, needed, self.progress, Source.of(self.cfg))
        with self._locked():
            for d in (self.cfg.log_dir, self.cfg.data_dir, self.cfg.tmp_dir):
                d.mkdir(parents=True, exist_ok=True)
            self._record_topology()
            if self.cfg.secure:
                self._secure_material()
            specs = self.specs(comps, java_major)
            launcher = Launcher(self.cfg, specs, self.progress)
            try:
                launcher.run(wait=wait, timeout=timeout)
            except (StreamtError, KeyboardInterrupt):
                self._stop_names(launcher.started)  # leave nothing half-started behind
                raise
            return tuple(n for n in process_order(self.cfg) if n in launcher.started)

    def _record_topology(self) -> None:
        """Write the topology into the data; refuse another number of brokers than its Kafka
        data was formatted for (TaskManagers keep no data: their number may change)."""
        wanted = self.cfg.topology
        formatted = (self.cfg.data_dir / "kafka" / "meta.properties").exists()
        recorded = recorded_topology(self.cfg.home) or (Topology() if formatted else None)
        if recorded is not None and recorded.brokers != wanted.brokers:
            raise StreamtError(
                Diagnostic(
                    "L170",
                    f"the stack in {self.cfg.home} was made with {recorded.brokers} Kafka "
                    f"broker(s), not {wanted.brokers}: its data belongs to that controller quorum",
                    hint="`streamt local down --purge` first (deletes its data), or use another "
                    "--home",
                )
            )
        if recorded != wanted:
            self.cfg.data_dir.mkdir(parents=True, exist_ok=True)
            self.cfg.profile_file.write_text(wanted.to_json() + "\n")

    def _secure_material(self) -> None:
        """The home's CA, certificates and credentials (made once), and what a project needs
        to use them: `secure/runtime.yml` and `secure/streamt.env` (0600)."""
        if not is_secure_home(self.cfg.home) and (self.cfg.data_dir / "kafka").exists():
            raise StreamtError(
                Diagnostic(
                    "C071",
                    f"{self.cfg.home} holds a stack of the default (plaintext) profile",
                    hint="give the secure profile a home of its own: "
                    "`streamt local --home DIR up --secure`",
                )
            )
        creds = ensure_material(self.cfg.home)
        ep, files = self.cfg.endpoints, secure_files(self.cfg.home)
        block = runtime_block(
            ep.kafka_bootstrap,
            ep.schema_registry_url,
            ep.flink_rest_url,
            ep.sql_gateway_url,
            ep.connect_url,
            self.cfg.home,
        )
        write_if_changed(files.runtime, block)
        write_private(files.env, env_text(creds))

    def stop(self, names: tuple[str, ...]) -> list[str]:
        """Stop only the named processes (e.g. those one `up` call started)."""
        with self._locked():
            return self._stop_names(set(names))

    def _stop_names(self, names: set[str], at_once: bool = False) -> list[str]:
        """Stop in reverse start order, the brokers (last in start order) all at once: one
        stopped after the others would wait for a controller quorum that is gone. `at_once`
        (a purge: the data goes anyway) signals every process together, so the slowest
        shutdown bounds the wait, not their sum."""
        order = [n for n in reversed(self.known_names()) if n in names]
        brokers = {broker_name(n) for n in self.cfg.brokers}
        together = order if at_once else [n for n in order if n in brokers]
        stopped = [n for n in order if n not in together and self._stop_one(n)]
        with ThreadPoolExecutor(max(1, len(together))) as pool:
            done = list(pool.map(self._stop_one, together))
        return stopped + [n for n, ok in zip(together, done, strict=True) if ok]

    def _stop_one(self, name: str) -> bool:
        record = procs.read_pid(self.cfg.run_dir, name)
        if record is None:
            return False
        if not procs.is_running(record):
            procs.pid_file(self.cfg.run_dir, name).unlink(missing_ok=True)
            return False
        self.progress(f"stopping {name} (pid {record.pid})")
        timeout = 20.0 if name.startswith("kafka") else _STOP_TIMEOUT.get(name, 15.0)
        procs.stop(record, self.cfg.run_dir, timeout)
        return True

    def restart(
        self, names: tuple[str, ...], *, kill: bool = False, timeout: float = 240.0
    ) -> tuple[str, ...]:
        """Stop the named processes (with `kill`, SIGKILL: a crash, no shutdown hook runs) and
        start them again, leaving every other process running; waits until they are healthy
        and returns the processes started."""
        specs = {s.name: s for s in describe(self.cfg)}
        with self._locked():
            if not kill:
                self._stop_names(set(names))
            for name in reversed(process_order(self.cfg)) if kill else ():
                record = procs.read_pid(self.cfg.run_dir, name) if name in names else None
                if record is not None:
                    self.progress(f"killing {name} (pid {record.pid})")
                    procs.kill(record, self.cfg.run_dir)
        for name in names:
            for port in specs[name].bind_ports:
                self._released(port)
        comps = tuple(dict.fromkeys(specs[n].component for n in names))
        return self.up(comps, wait=True, timeout=timeout)

    def _released(self, port: int, timeout: float = 90.0) -> None:
        """Wait until a port a stopped process listened on can be bound again: connections it
        accepted linger in FIN_WAIT after a kill (up to the kernel's 60 s `tcp_fin_timeout`)
        while their peers keep them open, and block the bind."""
        deadline = time.monotonic() + timeout
        if not port_is_free(port):
            self.progress(f"waiting for port {port} to be released")
        while not port_is_free(port) and time.monotonic() < deadline:
            time.sleep(0.5)

    def down(self, purge: bool = False) -> list[str]:
        with self._locked():
            stopped = self._stop_names(set(self.known_names()), at_once=purge)
            shutil.rmtree(self.cfg.tmp_dir, ignore_errors=True)
            if purge:
                for d in (
                    self.cfg.data_dir,
                    self.cfg.log_dir,
                    self.cfg.conf_dir,
                    self.cfg.home / "cds",
                ):
                    shutil.rmtree(d, ignore_errors=True)
        if purge:
            shutil.rmtree(self.cfg.run_dir, ignore_errors=True)
            _rmdir_if_empty(self.cfg.home)
        return stopped

    def known_names(self) -> tuple[str, ...]:
        """The topology's processes in start order, then any other one with a PID file."""
        order = process_order(self.cfg)
        recorded = sorted(p.stem for p in self.cfg.run_dir.glob("*.pid") if p.stem not in order)
        return (*order, *recorded)

    def status(self, only: tuple[Component, ...] = ()) -> list[ProcessStatus]:
        comps = resolve(only)
        result: list[ProcessStatus] = []
        for spec in self._static_specs(comps):
            record = procs.live_pid(self.cfg.run_dir, spec.name)
            result.append(
                ProcessStatus(
                    name=spec.name,
                    component=spec.component.value,
                    version=spec.version,
                    port=spec.port,
                    pid=record.pid if record else None,
                    rss_bytes=procs.rss_bytes(record.pid) if record else None,
                    healthy=bool(record) and probe(spec.health),
                )
            )
        return result

    def _static_specs(self, comps: tuple[Component, ...]) -> list[ProcessLaunch]:
        return [s for s in describe(self.cfg) if s.component in comps]


_STOP_TIMEOUT = {"connect": 20.0}


def _rmdir_if_empty(path: Path) -> None:
    with suppress(OSError):
        path.rmdir()
