"""`streamt plan`: what apply would change, as text or plan.json.

Exit codes: 0 ok (or no changes with --detailed-exitcode), 3 changes pending with
--detailed-exitcode, 1 error (including a plan with refused changes).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from streamt.cli import render


@click.command("plan")
@render.project_options
@render.selection_options
@render.target_option
@render.format_option("text", "json")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write plan.json here.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 3 when changes are pending.")
@click.option("--reset-state", is_flag=True, help="Plan restarting failed jobs without state.")
@click.option(
    "--adopt",
    "adopt",
    multiple=True,
    metavar="NODE",
    help="Adopt the existing resources of NODE (a selector) that this project did not create, "
    "or reconfigure ones it adopted; repeatable.",
)
def plan_command(
    project_dir: Path,
    env: str | None,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    target: str | None,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    reset_state: bool,
    adopt: tuple[str, ...],
) -> int:
    """Show the changes apply would make (create / update / upgrade / replace / delete)."""
    from streamt.artifacts.plan_file import plan_to_json
    from streamt.plan import render_text

    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    plan = ctx.plan(selector, target=target, reset_state=reset_state, adopt=adopt)
    render.diagnostics(ctx.deployment().warnings)
    body = plan_to_json(plan)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(body)
    if fmt == "json":
        render.emit_json(json.loads(body))
    else:
        render.echo(render_text(plan).rstrip("\n"))
        if out is not None:
            render.echo(f"\nSaved to {out}; apply it with `streamt apply --plan {out}`.")
    if plan.refused:
        return 1
    return 3 if detailed_exitcode and plan.has_changes else 0
