"""`streamt schema`: the JSON Schema of the project files, for editors and CI."""

from __future__ import annotations

from importlib.resources import files

import click

from streamt.cli import render


@click.command("schema")
@click.option(
    "--environment",
    "kind",
    flag_value="environment",
    help="The schema of environments/<env>.yml overlays.",
)
@click.option(
    "--nodes",
    "kind",
    flag_value="nodes",
    help="The schema of the YAML files under sources/, models/, tests/, exposures/.",
)
def schema_command(kind: str | None) -> int:
    """Print the JSON Schema of stream_project.yml (or, with --environment / --nodes, of the
    other project files). Point an editor at it with `# yaml-language-server: $schema=<file>`
    as the first line of a YAML file (streamt init writes it)."""
    name = f"{kind or 'project'}.schema.json"
    render.echo(files("streamt.load").joinpath(name).read_text(encoding="utf-8").rstrip("\n"))
    return 0
