"""`streamt destroy`: delete everything the ledger says streamt created for this project and
environment (jobs stopped, connectors and topics deleted); nothing it did not create."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from streamt.cli import render
from streamt.cli.commands.apply import _Progress, report_outcome


@click.command("destroy")
@render.project_options
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
def destroy_command(project_dir: Path, env: str | None, auto_approve: bool) -> int:
    """Remove every resource streamt created for this project (ledger-owned only)."""
    from streamt.context import Context
    from streamt.plan import render_text

    ctx = Context(project_dir, env)
    plan = ctx.destroy_plan()
    render.echo(render_text(plan).rstrip("\n"))
    if not plan.has_changes:
        return 0
    if not auto_approve and not sys.stdin.isatty():
        render.echo("\nerror A007: not a terminal: re-run with --auto-approve to destroy", err=True)
        return 1

    def confirm(_plan: object) -> bool:
        if auto_approve:
            return True
        typed = click.prompt(f"\nDestroy project {plan.project!r}? Type its name to confirm")
        return bool(typed == plan.project)

    report = ctx.destroy(plan, _Progress(), confirm)
    return report_outcome(report, "Destroy", "destroyed")
