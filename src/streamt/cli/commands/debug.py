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

    from streamt.context import Context
    from streamt.diagnostics import UNREACHABLE

    report = Context(project_dir, env).debug()
    if fmt == "json":
        render.emit_json(
            {
                "environment": report.environment,
                "runtime_declared": report.runtime_declared,
                "runtime": report.runtime,
                "probes": [p.to_dict() for p in report.probes],
                "diagnostics": [d.to_dict() for d in report.diagnostics],
            }
        )
    else:
        origin = "runtime:" if report.runtime_declared else "the local stack (runtime: omitted)"
        render.echo(f"environment: {report.environment}, from {origin}")
        render.echo(yaml.safe_dump({"runtime": dict(report.runtime)}, sort_keys=False).rstrip())
        render.table(
            "systems",
            ("system", "endpoint", "status", "round trip", "version", "details"),
            [
                (
                    p.label,
                    p.endpoint,
                    "ok" if p.ok else "UNREACHABLE",
                    f"{p.rtt_ms:.0f} ms" if p.rtt_ms is not None else "-",
                    p.version or "-",
                    "; ".join(
                        filter(None, (p.detail, f"{len(p.plugins)} plugin(s)" * bool(p.plugins)))
                    ),
                )
                for p in report.probes
            ],
        )
        render.diagnostics(report.diagnostics)
    return 0 if report.reachable else UNREACHABLE
