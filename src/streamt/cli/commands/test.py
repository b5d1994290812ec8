"""`streamt test`: run data tests (schema, sample, continuous, unit); exit 4 when one fails."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import render
from streamt.cli.annotations import github_errors, result_lines


@click.command("test")
@render.project_options
@render.selection_options
@click.option("-m", "--model", "models", multiple=True, help="Only tests of this model or source.")
@render.target_option
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(render.TEST_TYPES),
    help="Only tests of this type.",
)
@click.option(
    "--deploy",
    is_flag=True,
    help="Plan and apply the continuous tests' Flink jobs and topics (then owned by plan/apply).",
)
@click.option(
    "--since",
    default=None,
    help="Continuous: violations since this time (ISO); default: job start.",
)
@click.option(
    "--from",
    "start",
    default="earliest",
    show_default=True,
    help="Sample: earliest, latest, offset:N or an ISO time.",
)
@click.option(
    "--junit-xml",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write a JUnit XML report (and test_results.json next to it).",
)
@render.format_option("text", "json", "github")
@github_errors
def test_command(
    project_dir: Path,
    env: str | None,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    models: tuple[str, ...],
    target: str | None,
    types: tuple[str, ...],
    deploy: bool,
    since: str | None,
    start: str,
    junit_xml: Path | None,
    fmt: str,
) -> int:
    """Check the data: schemas, sampled records, continuous violation jobs and model unit tests."""
    from streamt.testing.results import RunSummary, render_text

    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    results = ctx.test(
        selector,
        models=(*models, *filter(None, [target])),
        types=types,
        deploy=deploy,
        since=since,
        start=start,
        junit_xml=junit_xml,
        progress=render.live_lines(fmt),
    )
    summary = RunSummary(tuple(results))
    if fmt == "json":
        render.emit_json(summary.to_dict(ctx.project().name))
    else:
        render.echo(render_text(results))
    if fmt == "github":
        for line in result_lines(results, project_dir):
            render.echo(line)
    return summary.exit_code
