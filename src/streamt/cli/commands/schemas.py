"""`streamt schemas pull`: lock source columns from the Schema Registry into schemas.lock."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import SuggestingGroup, render


@click.group("schemas", cls=SuggestingGroup)
def schemas() -> None:
    """Work with the Schema Registry subjects behind sources."""


@schemas.command("pull")
@render.project_options
@click.option("--source", "only", multiple=True, help="Only this source (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the lock instead of writing it.")
@render.format_option("text", "json")
def pull(project_dir: Path, env: str | None, only: tuple[str, ...], dry_run: bool, fmt: str) -> int:
    """Write schemas.lock: each source's columns from its latest `<topic>-value` subject."""

    ctx = render.context(project_dir, env)
    result = ctx.pull_schemas(only)
    for diag in result.diagnostics:
        render.echo(diag.render(), err=True)
    target = None if dry_run else ctx.write_schema_lock(result.text)
    render.echo(
        result.text.rstrip()
        if target is None
        else f"Wrote {target} ({len(result.pulled)} source(s))"
    )
    for source, subject, count in result.pulled:
        render.echo(f"  {source}: {subject} -> {count} column(s)")
    pulled = [{"source": s, "subject": j, "columns": n} for s, j, n in result.pulled]
    written = str(target) if target else None
    render.emit_json(
        {"lock": result.text, "written": written, "pulled": pulled}, result.diagnostics
    )
    return 1 if any(d.is_error for d in result.diagnostics) else 0
