"""`streamt explain CODE`: what a diagnostic code means, an example and the fix."""

from __future__ import annotations

import click

from streamt.cli import render


@click.command("explain")
@click.argument("code")
def explain_command(code: str) -> int:
    """Explain a diagnostic code such as S001: its meaning, an example and the fix."""
    from streamt.catalogue import CATALOGUE
    from streamt.diagnostics import did_you_mean

    entry = CATALOGUE.get(code.strip().upper())
    if entry is None:
        hint = did_you_mean(code.upper(), CATALOGUE) or "codes are listed in docs/diagnostics.md"
        raise click.UsageError(f"unknown diagnostic code {code!r}; {hint}")
    render.echo(entry.render_text())
    return 0
