"""`streamt destroy`: delete everything the ledger says streamt created for this project and
environment (jobs stopped, connectors and topics deleted); nothing it did not create."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render
from streamt.cli.commands.apply import execution, report_outcome
from streamt.cli.confirm import CONFIRM_ENV_HELP, confirmation
from streamt.cli.progress import StepLines


@click.command("destroy")
@render.project_options
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--confirm-env", default=None, metavar="NAME", help=CONFIRM_ENV_HELP)
@render.format_option("text", "json")
def destroy_command(
    project_dir: Path, env: str | None, auto_approve: bool, confirm_env: str | None, fmt: str
) -> int:
    """Remove every resource streamt created for this project (ledger-owned only)."""
    from streamt.plan import render_text

    ctx = render.context(project_dir, env)
    plan = ctx.destroy_plan()
    render.echo(render_text(plan).rstrip("\n"))
    render.emit_json(execution(plan))
    if not plan.has_changes:
        return 0
    confirm = confirmation(
        ctx.requires_name(),
        ctx.deployment().environment,
        confirm_env,
        auto_approve,
        lambda: (
            click.prompt(f"\nDestroy project {plan.project!r}? Type its name to confirm")
            == plan.project
        ),
        "destroy",
    )
    lines = StepLines.for_run(plan)
    return report_outcome(plan, ctx.destroy(plan, lines, confirm), "Destroy", "destroyed")
