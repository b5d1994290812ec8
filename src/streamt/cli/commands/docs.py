"""`streamt docs generate|serve`: the static documentation site with its lineage graph."""

from __future__ import annotations

from pathlib import Path

import click

from streamt.cli import SuggestingGroup, render

_output = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Site folder (default: <project>/target/docs).",
)
_results = click.option(
    "--test-results",
    type=click.Path(path_type=Path),
    default=None,
    help="A `streamt test` results file (default: <project>/target/test_results.json).",
)


@click.group("docs", cls=SuggestingGroup)
def docs() -> None:
    """An offline documentation site: pages per node, lineage graph, column lineage."""


@docs.command("generate")
@render.project_options
@_output
@_results
@render.selection_options
@render.format_option("text", "json")
def generate(
    project_dir: Path,
    env: str | None,
    output: Path | None,
    test_results: Path | None,
    selector: str | None,
    exclude: str | None,
    state_dir: Path | None,
    fmt: str,
) -> int:
    """Write the site (static files; open index.html, no server needed)."""

    ctx = render.context(project_dir, env, state_dir=state_dir, exclude=exclude)
    out = ctx.generate_docs(output, test_results, selector)
    render.echo(f"Documentation written to {out / 'index.html'}")
    render.emit_json({"site": str(out / "index.html")})
    return 0


@docs.command("serve")
@render.project_options
@_output
@_results
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
def serve(
    project_dir: Path,
    env: str | None,
    output: Path | None,
    test_results: Path | None,
    port: int,
    open_browser: bool,
) -> int:
    """Generate the site, serve it on localhost and rebuild it when project files change."""
    import gc

    gc.enable()  # a long-running server: not one of the run-and-exit commands
    from streamt.docs.serve import start_server, watch

    def rebuild() -> None:
        render.context(project_dir, env).generate_docs(output, test_results)

    out = render.context(project_dir, env).generate_docs(output, test_results)
    server = start_server(out, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    render.echo(f"Serving {out} at {url} (Ctrl-C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        watch(project_dir, rebuild, render.echo, skip=out)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
