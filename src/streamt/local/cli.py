"""`streamt local ...`: thin click commands over `streamt.local.stack.Stack`."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import click

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local.config import (
    MAX_BROKERS,
    MAX_TASKMANAGERS,
    StackConfig,
    Topology,
    load_config,
)
from streamt.local.describe import describe
from streamt.local.secure import librdkafka_client, secure_files
from streamt.local.spec import Component
from streamt.local.stack import ProcessStatus, Stack, resolve

_COMPONENTS = [c.value for c in Component]


def _echo(message: str) -> None:
    click.echo(message, err=True)


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Stack home (data, logs, PID files). Default: $STREAMT_LOCAL_HOME or ~/.local/share/streamt/local.",
)
@click.option(
    "--port-offset",
    type=int,
    default=None,
    help="Add this to every port (run a second stack). Default: $STREAMT_LOCAL_PORT_OFFSET or 0.",
)
@click.pass_context
def local(ctx: click.Context, home: Path | None, port_offset: int | None) -> None:
    """Run the local stack: Kafka, Flink + SQL Gateway, Kafka Connect, Schema Registry."""
    ctx.obj = load_config(home=home, port_offset=port_offset)


@local.command()
@click.option("--wait/--no-wait", default=False, help="Wait until every component is healthy.")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(_COMPONENTS),
    help="Only these components (and what they need).",
)
@click.option(
    "--timeout", type=float, default=240.0, show_default=True, help="Seconds to wait for health."
)
@click.option(
    "--brokers",
    type=click.IntRange(1, MAX_BROKERS),
    default=None,
    help="Kafka brokers (3: replication factor 3, min.insync.replicas 2). Default: as the "
    "stack was made, else $STREAMT_LOCAL_BROKERS or 1.",
)
@click.option(
    "--taskmanagers",
    type=click.IntRange(1, MAX_TASKMANAGERS),
    default=None,
    help="Flink TaskManagers (slots spread over them). Default: as the stack was made, "
    "else $STREAMT_LOCAL_TASKMANAGERS or 1.",
)
@click.option(
    "--secure",
    is_flag=True,
    help="The secure profile: Kafka SASL_SSL (SCRAM-SHA-512), the registry over HTTPS with "
    "basic auth, credentials and a CA of the home's own (a home made secure stays secure).",
)
@click.pass_obj
def up(
    cfg: StackConfig,
    wait: bool,
    only: tuple[str, ...],
    timeout: float,
    brokers: int | None,
    taskmanagers: int | None,
    secure: bool,
) -> None:
    """Start the stack (reuses components already running)."""
    topology = Topology(brokers or cfg.topology.brokers, taskmanagers or cfg.topology.taskmanagers)
    cfg = replace(cfg, topology=topology)
    started = time.monotonic()
    cfg = replace(cfg, secure=cfg.secure or secure)
    selected = resolve(tuple(Component(c) for c in only))
    Stack(cfg, _echo).up(selected, wait=wait, timeout=timeout)
    if wait and Component.FLINK in selected:
        _recover(cfg)
    ep = cfg.endpoints
    took = time.monotonic() - started
    state = "up" if wait else "starting (`streamt local status` shows health)"
    _echo(f"local stack {state} after {took:.1f} s (home {cfg.home})")
    endpoints = {
        Component.KAFKA: ("Kafka", ep.kafka_bootstrap),
        Component.SCHEMA_REGISTRY: ("Schema Registry", ep.schema_registry_url),
        Component.FLINK: ("Flink REST", ep.flink_rest_url),
        Component.SQL_GATEWAY: ("SQL Gateway", ep.sql_gateway_url),
        Component.CONNECT: ("Kafka Connect", ep.connect_url),
    }
    for comp in selected:
        label, value = endpoints[comp]
        _echo(f"  {label:<16} {value}")
    if cfg.secure:
        files = secure_files(cfg.home)
        _echo(f"secure profile: a project's runtime is in {files.runtime}, its passwords in")
        _echo(f"{files.env} (0600; copy it to the project's .env):\n")
        _echo(files.runtime.read_text())


@local.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def status(cfg: StackConfig, fmt: str) -> None:
    """Version, port, PID, memory and health of each component."""
    rows = Stack(cfg).status()
    if fmt == "json":
        click.echo(
            json.dumps({"home": str(cfg.home), "processes": [_row_dict(r) for r in rows]}, indent=2)
        )
        return
    click.echo(f"{'process':<15} {'version':<12} {'port':>6} {'pid':>8} {'rss':>9}  state")
    for r in rows:
        rss = f"{r.rss_bytes / 2**20:.0f} MiB" if r.rss_bytes else "-"
        click.echo(
            f"{r.name:<15} {r.version:<12} {r.port or '-':>6} {r.pid or '-':>8} {rss:>9}  {r.state}"
        )


def _row_dict(r: ProcessStatus) -> dict[str, object]:
    return {
        "name": r.name,
        "component": r.component,
        "version": r.version,
        "port": r.port,
        "pid": r.pid,
        "rss_bytes": r.rss_bytes,
        "healthy": r.healthy,
        "state": r.state,
    }


@local.command()
@click.argument("component", required=False)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines.")
@click.option("--lines", "-n", type=int, default=50, show_default=True)
@click.pass_obj
def logs(cfg: StackConfig, component: str | None, follow: bool, lines: int) -> None:
    """Show the log of a process or component (default: all, last lines)."""
    specs = describe(cfg)
    chosen = [s for s in specs if component in (None, s.name, s.component.value)]
    if not chosen:
        names = sorted({s.name for s in specs} | set(_COMPONENTS))
        raise StreamtError(
            Diagnostic(
                "K006", f"unknown component {component!r}", hint="one of: " + ", ".join(names)
            )
        )
    candidates = [f for s in chosen for f in (s.log_file, s.log_file.with_suffix(".out"))]
    files = [f for f in candidates if f.exists() and (f.stat().st_size or follow)]
    for f in files:
        if len(files) > 1:
            click.echo(f"==> {f} <==")
        for line in f.read_text(errors="replace").splitlines()[-lines:]:
            click.echo(line)
    if follow:
        _follow(files)


def _follow(files: list[Path]) -> None:
    positions = {f: f.stat().st_size for f in files}
    while True:
        for f in files:
            size = f.stat().st_size if f.exists() else 0
            if size < positions[f]:
                positions[f] = 0
            if size > positions[f]:
                with f.open("rb") as fh:
                    fh.seek(positions[f])
                    click.echo(fh.read().decode(errors="replace"), nl=False)
                positions[f] = size
        time.sleep(0.5)


def _recover(cfg: StackConfig) -> None:
    from streamt.local.suspend import recover_jobs

    security = librdkafka_client(cfg.home) if cfg.secure else None
    recover_jobs(cfg, _echo, kafka_security=security)


@local.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--kill", is_flag=True, help="SIGKILL (a crash: no shutdown hook) instead of a stop.")
@click.option(
    "--timeout", type=float, default=240.0, show_default=True, help="Seconds to wait for health."
)
@click.pass_obj
def restart(cfg: StackConfig, names: tuple[str, ...], kill: bool, timeout: float) -> None:
    """Stop (or --kill) processes or components and start them again; the rest keeps running.

    A restarted JobManager forgets its jobs (no HA): jobs the deployment ledger knows are
    recorded with their last checkpoint, and `streamt apply` resumes them from it.
    """
    specs = describe(cfg)
    known = sorted({s.name for s in specs} | set(_COMPONENTS))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise StreamtError(
            Diagnostic(
                "K006", f"unknown component {unknown[0]!r}", hint="one of: " + ", ".join(known)
            )
        )
    chosen = tuple(s.name for s in specs if s.name in names or s.component.value in names)
    Stack(cfg, _echo).restart(chosen, kill=kill, timeout=timeout)
    if "jobmanager" in chosen:
        _recover(cfg)
    _echo(f"restarted {', '.join(chosen)}")


@local.command()
@click.option("--purge", is_flag=True, help="Also delete the stack's data, logs and configs.")
@click.pass_obj
def down(cfg: StackConfig, purge: bool) -> None:
    """Stop exactly the processes `up` started (by PID file).

    Without --purge, running jobs that streamt deployed are first stopped with savepoints
    (recorded in the deployment ledger): after `up`, `streamt apply` resumes them from there.
    """
    suspended = []
    if not purge:
        from streamt.local.suspend import suspend_jobs

        security = librdkafka_client(cfg.home) if cfg.secure else None
        suspended = suspend_jobs(cfg.endpoints, _echo, kafka_security=security)
    stopped = Stack(cfg, _echo).down(purge=purge)
    _echo(f"stopped {len(stopped)} process(es)" + (f"; purged {cfg.home}" if purge else ""))
    if suspended:
        _echo(
            f"{len(suspended)} job(s) kept as savepoints: after `streamt local up`, "
            "`streamt apply` resumes them with their state"
        )


@local.command()
@click.argument("topic")
@click.option("--key", default=None, help="Use this field of each record as the message key.")
@click.pass_obj
def produce(cfg: StackConfig, topic: str, key: str | None) -> None:
    """Produce JSON lines from stdin to TOPIC (created if missing)."""
    import sys

    from streamt.local.records import produce_lines

    security = librdkafka_client(cfg.home) if cfg.secure else None
    count = produce_lines(cfg.endpoints.kafka_bootstrap, topic, sys.stdin, key, security)
    _echo(f"produced {count} record(s) to {topic}")


@local.command()
@click.argument("topic")
@click.option("-n", "--max-records", "limit", type=int, default=100, show_default=True)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait.")
@click.pass_obj
def consume(cfg: StackConfig, topic: str, limit: int, timeout: float) -> None:
    """Print TOPIC's records as JSON lines, from the earliest offset."""
    from streamt.local.records import consume_lines

    security = librdkafka_client(cfg.home) if cfg.secure else None
    for line in consume_lines(cfg.endpoints.kafka_bootstrap, topic, limit, timeout, security):
        click.echo(line)
