"""`streamt compile`: the project as deployable artifacts (manifest.json + one file per artifact)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from streamt.cli import render

if TYPE_CHECKING:
    from streamt.context import CompileSummary, Context, Session


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
@render.selection_options
@click.option("--no-cache", is_flag=True, help="Recompile even if nothing changed.")
@click.option(
    "--watch",
    is_flag=True,
    help="Stay running: compile again each time a project file is saved (Ctrl-C stops).",
)
@render.format_option("text", "json")
@render.verbose_option
def compile_command(
    project_dir: Path,
    env: str | None,
    output: Path | None,
    dry_run: bool,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    no_cache: bool,
    watch: bool,
    fmt: str,
    verbose: bool,
) -> int:
    """Compile topics, schemas, Flink SQL jobs, connectors and gateway rules."""

    def once(ctx: Context) -> int:
        summary = ctx.build(output, selector, dry_run, use_cache=not no_cache and not state_dir)
        return _render(summary, project_dir, fmt, verbose)

    def make(session: Session | None = None) -> Context:
        return render.context(
            project_dir, env, state_dir=state_dir, exclude=exclude, session=session
        )

    if watch:
        from streamt.cli.watch import watch as watching

        return watching(project_dir, make, once, skip=output, fmt=fmt)
    return once(make())


def _render(summary: CompileSummary, project_dir: Path, fmt: str, verbose: bool) -> int:
    if fmt == "json":
        render.emit_json(summary.to_dict())
        return 0
    render.diagnostics(summary.diagnostics, verbose=verbose, root=project_dir)
    render.table(
        f"Compiled '{summary.project_name}'", ("artifact", "count"), list(summary.counts.items())
    )
    if summary.out_dir is None:
        render.echo("(dry run: nothing written)")
    else:
        fresh = " (already up to date)" if summary.cached else ""
        render.echo(f"Artifacts written to {summary.out_dir}{fresh}")
    return 0
