"""`streamt apply`: make live infrastructure match the project, step by step, resumably.

Order: plan (a refused change or P020 fails it) -> preflight -> data tests marked
`on_failure: block_deploy` (a failing one refuses the apply, exit 1, unless
--ignore-blocking-tests) -> confirm (`cli/confirm.py`: a protected environment needs its name,
even with --auto-approve) -> execute. Without a terminal and without --auto-approve
it prints the plan and refuses (exit 1). Exit codes: 0 applied (or nothing to do), 1 refused,
aborted or any step failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from streamt.cli import render
from streamt.cli.confirm import CONFIRM_ENV_HELP, confirmation
from streamt.cli.progress import StepLines

if TYPE_CHECKING:
    from streamt.context import Context
    from streamt.resources import Plan


def _check_blocking_tests(ctx: Context, ignore: bool) -> None:
    """Refuse (StreamtError, exit 1) when a `block_deploy` data test fails."""
    from streamt.diagnostics import StreamtError

    failures = ctx.blocking_test_failures()
    if not failures:
        return
    if ignore:
        render.echo(
            f"\nwarning: {len(failures)} blocking data test(s) fail; deploying anyway "
            "(--ignore-blocking-tests)",
            err=True,
        )
        for diag in failures:
            render.echo(f"  {diag.message}", err=True)
        return
    raise StreamtError(failures)


@click.command("apply")
@render.project_options
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Apply this plan.json (refused if stale).",
)
@render.selection_options
@render.target_option
@click.option("--dry-run", is_flag=True, help="Show the plan and the steps; change nothing.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--confirm-env", default=None, metavar="NAME", help=CONFIRM_ENV_HELP)
@click.option(
    "--allow-destructive", is_flag=True, help="Allow deletes and state-discarding replaces."
)
@click.option(
    "--reset-state", is_flag=True, help="Restart failed/vanished jobs without their state."
)
@click.option(
    "--allow-state-loss",
    is_flag=True,
    help="Run upgrades whose new SQL cannot restore the running job's state (they start "
    "without it; the old state stays in a savepoint for rollback).",
)
@click.option(
    "--adopt",
    "adopt",
    multiple=True,
    metavar="NODE",
    help="Adopt the existing resources of NODE (a selector) that this project did not create, "
    "or reconfigure ones it adopted; repeatable.",
)
@click.option(
    "--ignore-blocking-tests",
    is_flag=True,
    help="Deploy even when a data test marked on_failure: block_deploy fails.",
)
@render.format_option("text", "json")
def apply_command(
    project_dir: Path,
    env: str | None,
    plan_file: Path | None,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    target: str | None,
    dry_run: bool,
    auto_approve: bool,
    confirm_env: str | None,
    allow_destructive: bool,
    reset_state: bool,
    allow_state_loss: bool,
    adopt: tuple[str, ...],
    ignore_blocking_tests: bool,
    fmt: str,
) -> int:
    """Create, update, upgrade and (with --allow-destructive) delete resources."""
    from streamt.plan import render_text

    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    plan = _plan(ctx, plan_file, selector, target, reset_state, adopt)
    render.diagnostics(ctx.deployment().warnings)
    render.echo(render_text(plan).rstrip("\n"))
    render.emit_json(execution(plan, dry_run))
    if not plan.has_changes:
        return 0
    lines = StepLines.for_run(plan)  # each step as it starts and ends, the waits' heartbeats
    options = ctx.apply_options(
        plan, allow_destructive, lines.heartbeat, allow_state_loss=allow_state_loss
    )
    _check_blocking_tests(ctx, ignore_blocking_tests)
    if dry_run:
        return _dry_run(plan)
    question = lambda: click.confirm("\nApply these changes?", default=False)  # noqa: E731
    environment = ctx.deployment().environment
    needs = ctx.requires_name()
    confirm = confirmation(needs, environment, confirm_env, auto_approve, question, "apply")
    return report_outcome(plan, ctx.apply(plan, options, lines, confirm), "Apply", "applied")


def _plan(
    ctx: Context,
    plan_file: Path | None,
    selector: str | None,
    target: str | None,
    reset_state: bool,
    adopt: tuple[str, ...],
) -> Plan:
    if plan_file is None:
        return ctx.plan(selector, target=target, reset_state=reset_state, adopt=adopt)
    ctx.deployment().observed()  # a broken project or an unreachable system comes first
    if selector or target or reset_state or adopt or ctx.exclude:
        raise click.UsageError(
            "--plan takes its scope, --reset-state and --adopt from the plan file"
        )
    return ctx.plan_file(plan_file)  # recompiled and planned again: the file must say the same


def _dry_run(plan: Plan) -> int:
    from streamt.apply.executor import phases

    render.echo("\nDry run: these steps would run, in this order:")
    for name, changes in phases(plan):
        render.echo(f"-- {name}: " + ", ".join(f"{c.action.value} {c.name}" for c in changes))
    return 0


def execution(plan: Plan, dry_run: bool = False, report: object = None) -> dict[str, object]:
    """The `--format json` payload of apply and destroy: the plan and the steps that ran."""
    import json

    from streamt.apply.executor import ApplyReport
    from streamt.artifacts.plan_file import plan_to_json

    results = report.results if isinstance(report, ApplyReport) else ()
    steps = [
        {
            "address": r.change.address,
            "kind": r.change.kind.value,
            "name": r.change.name,
            "action": r.change.action.value,
            "ok": r.ok,
            "seconds": round(r.seconds, 3),
            "message": r.message,
        }
        for r in results
    ]
    return {"plan": json.loads(plan_to_json(plan)), "dry_run": dry_run, "steps": steps}


def report_outcome(plan: Plan, report: object, verb: str, done: str) -> int:
    """Render an executed plan's outcome (shared by apply and destroy); the exit code."""
    from streamt.apply.executor import ApplyReport

    assert isinstance(report, ApplyReport)
    render.emit_json(execution(plan, report=report))
    if not report.results:
        render.echo(f"Aborted: nothing {done}.")
        return 1
    if report.ok:
        render.echo(f"\n{verb} complete: {len(report.results)} step(s).")
        return 0
    render.echo(
        f"\n{verb} stopped: {len(report.failed)} step(s) failed; "
        f"re-run `streamt {verb.lower()}` after fixing.",
        err=True,
    )
    for failed in report.failed:
        render.echo(f"  {failed.change.address}: {failed.message}", err=True)
    return 1
