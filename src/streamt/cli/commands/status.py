"""`streamt status`: topics, subjects, Flink jobs and connectors as they run, with drift.

Exit codes: 0 all present and as applied, 3 drift (or missing resources), 1 error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from streamt.cli import render

if TYPE_CHECKING:
    from streamt.apply.status import ResourceStatus


@click.command("status")
@render.project_options
@click.option("--lag", is_flag=True, help="Add message counts and consumer-group lag.")
@click.option("--filter", "pattern", default=None, help="Only names matching this glob.")
@render.selection_options
@render.format_option("text", "json")
def status_command(
    project_dir: Path,
    env: str | None,
    lag: bool,
    pattern: str | None,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    fmt: str,
) -> int:
    """Show what runs, how far behind it is, and where it drifted from what streamt applied."""

    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    report = ctx.status(lag=lag, pattern=pattern, select=selector)
    if fmt == "json":
        render.emit_json(report.to_dict())
    else:
        render.table(
            f"{report.project} ({report.environment})",
            ("kind", "name", "state", "details", "drift"),
            [_row(r) for r in report.resources],
        )
        render.echo(
            f"{len(report.drifted)} resource(s) drifted." if report.drifted else "No drift."
        )
    return 3 if report.drifted else 0


def _row(r: ResourceStatus) -> tuple[str, str, str, str, str]:
    pending = " (pending)" if r.pending else ""
    details = ", ".join(f"{k}={v}" for k, v in r.details.items())
    return (r.kind, r.name, r.state + pending, details, "; ".join(r.drift))
