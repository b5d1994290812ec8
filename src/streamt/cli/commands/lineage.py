"""`streamt lineage`: the DAG as ascii, json or mermaid, optionally focused on one model."""

from __future__ import annotations

import json
from pathlib import Path

import click

from streamt.cli import render


@click.command("lineage")
@render.project_options
@click.option("-m", "--model", default=None, help="Focus on this node (model, source, ...).")
@click.option("--upstream", is_flag=True, help="Only what the node depends on.")
@click.option("--downstream", is_flag=True, help="Only what depends on the node.")
@click.option(
    "-c",
    "--column",
    default=None,
    help="Column lineage of NODE.COLUMN: the columns it is made from and those made from it.",
)
@render.selection_options
@render.format_option("ascii", "json", "mermaid", default="ascii")
def lineage(
    project_dir: Path,
    env: str | None,
    model: str | None,
    upstream: bool,
    downstream: bool,
    column: str | None,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    fmt: str,
) -> int:
    """Show how sources, models and exposures depend on each other (or one column's lineage)."""

    if column is not None and (model is not None or upstream or downstream):
        raise click.UsageError("--column does not combine with --model/--upstream/--downstream")
    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    if column is None and model is None and (upstream or downstream):
        ctx.graph()  # a broken project is reported first
        raise click.UsageError("--upstream/--downstream need --model")
    text = ctx.lineage(
        model, upstream=upstream, downstream=downstream, column=column, fmt=fmt, select=selector
    )
    if fmt == "json":
        render.emit_json(json.loads(text))
    else:
        render.echo(text, nl=False)
    return 0
