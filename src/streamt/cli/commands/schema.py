"""`streamt schema`: the JSON Schema of the project files, for editors and CI."""

from __future__ import annotations

from importlib.resources import files

import click

from streamt.cli import render


@click.command("schema")
@click.option(
    "--environment",
    is_flag=True,
    help="The schema of environments/<env>.yml overlays instead of the project's.",
)
def schema_command(environment: bool) -> int:
    """Print the JSON Schema of stream_project.yml (and the node files under sources/, models/,
    tests/, exposures/), or with --environment of environments/*.yml. Point an editor at it with
    `# yaml-language-server: $schema=<file>` as the first line of a YAML file."""
    name = "environment.schema.json" if environment else "project.schema.json"
    render.echo(files("streamt.load").joinpath(name).read_text(encoding="utf-8").rstrip("\n"))
    return 0
