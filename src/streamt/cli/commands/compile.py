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
@render.selection_options
@click.option("--no-cache", is_flag=True, help="Recompile even if nothing changed.")
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
    fmt: str,
    verbose: bool,
) -> int:
    """Compile topics, schemas, Flink SQL jobs, connectors and gateway rules."""

    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    summary = ctx.build(output, selector, dry_run, use_cache=not no_cache and not state_dir)
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
