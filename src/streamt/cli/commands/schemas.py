"""`streamt schemas pull`: lock source columns from the Schema Registry into schemas.lock."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render


@click.group("schemas")
def schemas() -> None:
    """Work with the Schema Registry subjects behind sources."""


@schemas.command("pull")
@render.project_options
@click.option("--source", "only", multiple=True, help="Only this source (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the lock instead of writing it.")
def pull(project_dir: Path, env: str | None, only: tuple[str, ...], dry_run: bool) -> int:
    """Write schemas.lock: each source's columns from its latest `<topic>-value` subject."""
    from streamt.compile.schemas import LOCK_FILE
    from streamt.context import Context
    from streamt.diagnostics import Diagnostic, StreamtError
    from streamt.schemas import pull_schemas
    from streamt.state.systems import systems_for

    ctx = Context(project_dir, env)
    project = ctx.load()
    registry = systems_for(project, ctx.environ).registry
    if registry is None:
        raise StreamtError(
            Diagnostic(
                "R003",
                "no Schema Registry configured (runtime.schema_registry.url)",
                hint="add runtime.schema_registry.url, or omit `runtime:` to use the local stack",
            )
        )
    result = pull_schemas(project, registry, only)
    for diag in result.diagnostics:
        render.echo(diag.render(), err=True)
    if dry_run:
        render.echo(result.text.rstrip())
    else:
        target = ctx.project_root() / LOCK_FILE
        target.write_text(result.text)
        render.echo(f"Wrote {target} ({len(result.pulled)} source(s))")
    for source, subject, count in result.pulled:
        render.echo(f"  {source}: {subject} -> {count} column(s)")
    return 1 if any(d.is_error for d in result.diagnostics) else 0
