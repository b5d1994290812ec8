"""`streamt rollback MODEL`: restore a Flink job's previous SQL from its upgrade savepoint."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render


@click.command("rollback")
@render.project_options
@click.argument("model")
@render.format_option("text", "json")
def rollback_command(project_dir: Path, env: str | None, model: str, fmt: str) -> int:
    """Restore MODEL's previous Flink job version from the savepoint taken at its upgrade."""

    message = render.context(project_dir, env).rollback(model)
    render.echo(message)
    render.emit_json({"model": model, "message": message})
    return 0
