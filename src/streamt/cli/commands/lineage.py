"""`streamt lineage`: the DAG as ascii, json or mermaid, optionally focused on one model."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render
from streamt.diagnostics import Diagnostic, StreamtError


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
@render.format_option("ascii", "json", "mermaid", default="ascii")
def lineage(
    project_dir: Path,
    env: str | None,
    model: str | None,
    upstream: bool,
    downstream: bool,
    column: str | None,
    fmt: str,
) -> int:
    """Show how sources, models and exposures depend on each other (or one column's lineage)."""
    from streamt.context import Context
    from streamt.graph import lineage as lin
    from streamt.graph.select import select

    if column is not None:
        if model is not None or upstream or downstream:
            raise click.UsageError("--column does not combine with --model/--upstream/--downstream")
        from streamt.artifacts.columns import render_column_path

        path = Context(project_dir, env).column_path(column)
        click.echo(render_column_path(path, fmt), nl=False)
        return 0
    graph = Context(project_dir, env).graph()
    start = None
    if model is not None:
        chosen, diags = select(graph, model)
        if diags or len(chosen) != 1:
            raise StreamtError(
                diags
                or [
                    Diagnostic(
                        "G011",
                        f"'{model}' names several nodes: {', '.join(sorted(chosen))}",
                        hint="prefix the kind: model:NAME or source:NAME",
                    )
                ]
            )
        (start,) = chosen
    elif upstream or downstream:
        raise click.UsageError("--upstream/--downstream need --model")
    click.echo(lin.render(graph, lin.focus(graph, start, upstream, downstream), fmt), nl=False)
    return 0
