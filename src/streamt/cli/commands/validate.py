"""`streamt validate`: every problem in the project, sorted; exit 0 when valid, 1 otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from streamt.cli import render
from streamt.cli.annotations import github_errors

if TYPE_CHECKING:
    from streamt.context import Context, Session, ValidationReport


@click.command("validate")
@render.project_options
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.option("--flink", is_flag=True, help="Also EXPLAIN every compiled job on the SQL Gateway.")
@click.option("--no-cache", is_flag=True, help="Ignore the result cache.")
@click.option(
    "--watch",
    is_flag=True,
    help="Stay running: validate again each time a project file is saved (Ctrl-C stops).",
)
@render.selection_options
@render.format_option("text", "json", "github")
@render.verbose_option
@github_errors
def validate(
    project_dir: Path,
    env: str | None,
    strict: bool,
    flink: bool,
    no_cache: bool,
    watch: bool,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    fmt: str,
    verbose: bool,
) -> int:
    """Check the project: references, cycles, names, SQL, and governance rules (all of it;
    --select/--exclude only narrow which nodes' problems are reported)."""

    def once(ctx: Context) -> int:
        report = ctx.validate(strict=strict, flink=flink, use_cache=not no_cache, select=selector)
        return _render(report, project_dir, fmt, strict, verbose)

    def make(session: Session | None = None) -> Context:
        return render.context(
            project_dir, env, state_dir=state_dir, exclude=exclude, session=session
        )

    if watch:
        from streamt.cli.watch import watch as watching

        return watching(project_dir, make, once, fmt=fmt)
    return once(make())


def _render(
    report: ValidationReport, project_dir: Path, fmt: str, strict: bool, verbose: bool
) -> int:
    if fmt == "json":
        render.emit_json(report.to_dict())
        return 0 if report.ok else 1
    if fmt == "github":
        from streamt.cli.annotations import diagnostic_lines

        for line in diagnostic_lines(report.diagnostics, project_dir, infos=verbose):
            render.echo(line)
    else:
        render.diagnostics(report.diagnostics, verbose=verbose, root=project_dir)
    summary = ", ".join(f"{n} {k}" for k, n in report.counts.items())
    if report.ok:
        render.echo(f"Project '{report.project_name}' is valid ({summary}).")
        return 0
    failing = " (--strict: warnings fail)" if strict and report.warnings else ""
    render.echo(
        f"Validation failed: {report.errors} error(s), {report.warnings} warning(s){failing}.",
        err=True,
    )
    return 1
