"""`streamt apply`: make live infrastructure match the project, step by step, resumably.

Order: plan (a refused change or P020 fails it) -> preflight -> data tests marked
`on_failure: block_deploy` (a failing one refuses the apply, exit 1, unless
--ignore-blocking-tests) -> confirm -> execute. Without a terminal and without --auto-approve
it prints the plan and refuses (exit 1). Exit codes: 0 applied (or nothing to do), 1 refused,
aborted or any step failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from streamt.cli import render

if TYPE_CHECKING:
    from streamt.artifacts.plan_file import Plan
    from streamt.context import Context


class _Progress:
    def phase(self, name: str, changes: Sequence[object]) -> None:
        render.echo(f"-- {name} ({len(changes)})")

    def started(self, change: object) -> None:
        return None

    def finished(self, result: object) -> None:
        from streamt.apply.executor import StepResult

        assert isinstance(result, StepResult)
        mark = "ok" if result.ok else "FAILED"
        render.echo(
            f"   {result.change.kind.value} {result.change.name}: {result.change.action.value} "
            f"{mark} ({result.seconds:.1f}s) - {result.message}"
        )


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
@click.option("-s", "--select", "selector", default=None, help="Only these nodes (selector).")
@click.option("-t", "--target", default=None, help="Only this model.")
@click.option("--dry-run", is_flag=True, help="Show the plan and the steps; change nothing.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--allow-destructive", is_flag=True, help="Allow deletes and state-discarding replaces."
)
@click.option(
    "--reset-state", is_flag=True, help="Restart failed/vanished jobs without their state."
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
def apply_command(
    project_dir: Path,
    env: str | None,
    plan_file: Path | None,
    selector: str | None,
    target: str | None,
    dry_run: bool,
    auto_approve: bool,
    allow_destructive: bool,
    reset_state: bool,
    adopt: tuple[str, ...],
    ignore_blocking_tests: bool,
) -> int:
    """Create, update, upgrade and (with --allow-destructive) delete resources."""
    from streamt.context import Context
    from streamt.plan import render_text

    ctx = Context(project_dir, env)
    plan = _plan(ctx, plan_file, selector, target, reset_state, adopt)
    render.diagnostics(ctx.deployment().warnings)
    render.echo(render_text(plan).rstrip("\n"))
    if not plan.has_changes:
        return 0
    options = ctx.apply_options(plan, allow_destructive)
    _check_blocking_tests(ctx, ignore_blocking_tests)
    if dry_run:
        return _dry_run(plan)
    if not auto_approve and not sys.stdin.isatty():
        render.echo(
            "\nerror A007: not a terminal: re-run with --auto-approve to apply this plan", err=True
        )
        return 1
    report = ctx.apply(plan, options, _Progress(), _confirm(ctx, auto_approve))
    return report_outcome(report, "Apply", "applied")


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
    if selector or target or reset_state or adopt:
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


def _confirm(ctx: Context, auto_approve: bool) -> Callable[[Plan], bool]:
    """Ask before applying (a protected environment: type its name), unless --auto-approve."""
    protected, environment = ctx.protected(), ctx.deployment().environment

    def confirm(_plan: Plan) -> bool:
        if auto_approve:
            return True
        if protected:
            typed = click.prompt(
                f"\nEnvironment {environment!r} is protected: type its name to apply"
            )
            return bool(typed == environment)
        return click.confirm("\nApply these changes?", default=False)

    return confirm


def report_outcome(report: object, verb: str, done: str) -> int:
    """Render an executed plan's outcome (shared by apply and destroy); the exit code."""
    from streamt.apply.executor import ApplyReport

    assert isinstance(report, ApplyReport)
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
