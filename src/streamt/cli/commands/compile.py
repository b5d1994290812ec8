"""`streamt compile`: the project as deployable artifacts (manifest.json + one file per artifact)."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render


@click.command("compile")
@render.project_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Artifact directory (default: <project>/target).",
)
@click.option("--dry-run", is_flag=True, help="Compile and report, write nothing.")
@click.option(
    "-s",
    "--select",
    "selector",
    default=None,
    help="Only these nodes, e.g. '+orders_clean tag:finance'.",
)
@render.format_option("text", "json")
@render.verbose_option
def compile_command(
    project_dir: Path,
    env: str | None,
    output: Path | None,
    dry_run: bool,
    selector: str | None,
    fmt: str,
    verbose: bool,
) -> int:
    """Compile topics, schemas, Flink SQL jobs, connectors and gateway rules."""
    from streamt.context import Context

    ctx = Context(project_dir, env)
    result = ctx.compile(select=selector)
    desired = result.desired
    rows = [
        ("topics", len(desired.topics)),
        ("schemas", len(desired.subjects)),
        ("flink jobs", len(desired.jobs)),
        ("connectors", len(desired.connectors)),
        ("gateway rules", len(desired.gateway_rules)),
    ]
    out_dir = output or ctx.project_dir / "target"
    if not dry_run:
        ctx.write_artifacts(result, out_dir)
    render.diagnostics(result.diagnostics, verbose=verbose)
    if fmt == "json":
        render.emit_json(
            {
                "project": desired.project,
                "dry_run": dry_run,
                "output": None if dry_run else str(out_dir),
                "artifacts": dict(rows),
                "diagnostics": [d.to_dict() for d in result.diagnostics],
            }
        )
        return 0
    render.table(f"Compiled '{desired.project}'", ("artifact", "count"), rows)
    render.echo("(dry run: nothing written)" if dry_run else f"Artifacts written to {out_dir}")
    return 0
