"""`streamt init [DIR]`: scaffold a project (asks, or `--no-input`); `--from-cluster` writes
sources for topics of a live cluster, with columns from their registry schemas. `--format json`
implies `--no-input`: stdout holds one JSON document, never a prompt.

Exit codes: 0 written, 1 the folder already holds a project, 2 bad answers, 5 the cluster
cannot be reached (`--from-cluster`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from streamt.cli import render

if TYPE_CHECKING:
    from streamt.scaffold import SourceDraft


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path), default=Path("."))
@click.option("--name", default=None, help="Project name (default: the folder's name).")
@click.option("--topic", default=None, help="The example source's topic (default events.raw.v1).")
@click.option(
    "--no-input",
    is_flag=True,
    help="Ask nothing: defaults and options only (implied by --format json).",
)
@click.option("--from-cluster", is_flag=True, help="Sources from a live cluster's topics.")
@click.option("--bootstrap-servers", default="localhost:9092", show_default=True)
@click.option("--registry-url", default="http://localhost:8081", show_default=True)
@click.option(
    "--source", "sources", multiple=True, help="--from-cluster: a topic to read (repeatable)."
)
@render.format_option("text", "json")
def init_command(
    directory: Path,
    name: str | None,
    topic: str | None,
    no_input: bool,
    from_cluster: bool,
    bootstrap_servers: str,
    registry_url: str,
    sources: tuple[str, ...],
    fmt: str,
) -> int:
    """Create a new project: stream_project.yml, sources/, models/, tests/, environments/."""
    from streamt.scaffold import Answers, render_scaffold, write_scaffold

    no_input = no_input or fmt == "json"  # a prompt on stdout would break the one document
    default = _default_name(directory)
    name = name or (default if no_input else click.prompt("Project name", default=default))
    drafts: list[SourceDraft] = []
    if from_cluster:
        drafts = _cluster_drafts(bootstrap_servers, registry_url, sources, no_input)
        answers = Answers(name)
    else:
        topic = topic or (
            "events.raw.v1" if no_input else click.prompt("Source topic", default="events.raw.v1")
        )
        answers = Answers(name, topic)
    bootstrap = bootstrap_servers if from_cluster else ""
    files = render_scaffold(answers, drafts, bootstrap if bootstrap != "localhost:9092" else "")
    written = write_scaffold(directory, files)
    render.echo(f"Created project '{name}' in {directory} ({len(written)} files).")
    render.echo(f"Next: read {directory / 'README.md'}, then `streamt validate -p {directory}`.")
    render.emit_json(
        {"project": name, "directory": str(directory), "files": [str(f) for f in written]}
    )
    return 0


def _cluster_drafts(
    bootstrap_servers: str, registry_url: str, sources: tuple[str, ...], no_input: bool
) -> list[SourceDraft]:
    """Sources for the chosen topics of a live cluster (`--source`, else asked), with the
    columns of their registry schemas."""
    from streamt.diagnostics import StreamtError
    from streamt.scaffold.cluster import drafts as make_drafts
    from streamt.scaffold.cluster import list_cluster, with_schemas

    listing = list_cluster(bootstrap_servers, registry_url or None)
    chosen = list(sources)
    if not chosen and not no_input:
        for t in listing.topics:
            has_schema = f"{t}-value" in listing.subject_names
            render.echo(f"  {t}" + ("  (registry schema)" if has_schema else ""))
        picked = click.prompt("Topics to read (comma-separated)", default="")
        chosen = [t.strip() for t in picked.split(",") if t.strip()]
    if registry_url:
        listing = with_schemas(listing, registry_url, chosen)
    drafts, diags = make_drafts(listing, chosen)
    if any(d.is_error for d in diags):
        raise StreamtError(diags, exit_code=2)
    render.diagnostics(diags)
    return drafts


def _default_name(directory: Path) -> str:
    import re

    base = directory.resolve().name
    return re.sub(r"[^A-Za-z0-9_.-]", "-", base).strip("-.") or "my-pipeline"
