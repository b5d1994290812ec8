"""`streamt envs list` / `streamt envs show ENV`: the project's environments and what one
resolves to (the overlay merged over the project, secrets masked)."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import SuggestingGroup, render


@click.group("envs", cls=SuggestingGroup)
def envs() -> None:
    """The project's environments (environments/<env>.yml)."""


@envs.command("list")
@click.option("-p", "--project-dir", type=click.Path(path_type=Path), default=Path("."))
@render.format_option("text", "json")
def list_command(project_dir: Path, fmt: str) -> int:
    """Each environment: protected, whether apply needs its name, name prefix, description,
    whether it loads."""
    from streamt.context import Context

    rows = Context(project_dir, environ={}).environments()
    if fmt == "json":
        render.emit_json({"environments": rows})
    else:
        render.table(
            "Environments",
            ["name", "protected", "needs name", "prefix", "description", "loads"],
            [
                [
                    r["name"] + (" (template)" if r["template"] else ""),
                    "yes" if r["protected"] else "no",
                    "yes" if r["requires_name"] else "no",
                    r["prefix"],
                    r["description"],
                    "ok" if not r["errors"] else f"{r['errors']} error(s)",
                ]
                for r in rows
            ],
        )
    return 1 if any(r["errors"] for r in rows) else 0


@envs.command("show")
@click.argument("env")
@click.option("-p", "--project-dir", type=click.Path(path_type=Path), default=Path("."))
@render.format_option("text", "json")
def show_command(env: str, project_dir: Path, fmt: str) -> int:
    """The configuration ENV resolves to: runtime, defaults, rules, models' settings."""
    import yaml

    from streamt.context import Context

    resolved = Context(project_dir, env).resolved_configuration()
    if fmt == "json":
        render.emit_json(resolved)
    else:
        render.echo(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True).rstrip())
    return 0
