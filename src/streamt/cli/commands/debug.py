"""`streamt debug`: the environment's resolved runtime, then one probe per system.

Exit codes: 0 every configured system answered, 5 one did not, 1 the project does not load.
"""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render


@click.command("debug")
@render.project_options
@render.format_option("text", "json")
def debug_command(project_dir: Path, env: str | None, fmt: str) -> int:
    """Show the resolved runtime (credentials masked) and probe Kafka, the ledger topic,
    Schema Registry, Flink REST, SQL Gateway and Connect (versions, round trips, plugins)."""
    import yaml

    from streamt.diagnostics import UNREACHABLE

    report = render.context(project_dir, env).debug()
    if fmt == "json":
        render.emit_json(report.to_dict())
        return 0 if report.reachable else UNREACHABLE
    origin = "runtime:" if report.runtime_declared else "the local stack (runtime: omitted)"
    render.echo(f"environment: {report.environment}, from {origin}")
    render.echo(yaml.safe_dump({"runtime": dict(report.runtime)}, sort_keys=False).rstrip())
    columns = ("system", "endpoint", "status", "round trip", "version", "details")
    render.table("systems", columns, report.rows())
    render.diagnostics(report.diagnostics)
    return 0 if report.reachable else UNREACHABLE
