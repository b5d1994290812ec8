"""Console output for commands: rich on a TTY, plain text otherwise, JSON for `--format json`.

Commands hand values (diagnostics, tables, text) to these helpers and never format by hand.
With `--format json` the text goes to stderr and `emit_json` hands the payload to the one
document `streamt.cli.output` writes on stdout when the command ends.
Also the shared `-p/--project-dir` and `-e/--env` options.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from streamt.cli import logs, output
from streamt.diagnostics import Diagnostic, Severity, terminal_safe

if TYPE_CHECKING:
    from streamt.context import Context

F = TypeVar("F", bound=Callable[..., Any])

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def project_options(func: F) -> F:
    """`-p/--project-dir DIR` (default: current directory; its run log goes to
    `target/streamt.log`, `cli/logs.py`), `-e/--env NAME` and `--vars MAPPING` (read by
    `given_vars`)."""
    func = click.option(
        "--vars",
        "vars_",
        default=None,
        metavar="YAML",
        expose_value=False,
        callback=_vars,
        help="Values for var() in model SQL, a YAML or JSON mapping: '{region: eu}'.",
    )(func)
    func = click.option(
        "-e",
        "--env",
        default=None,
        help="Environment (environments/<env>.yml); default $STREAMT_ENV.",
    )(func)
    func = click.option(
        "-p",
        "--project-dir",
        type=click.Path(path_type=Path),
        default=Path("."),
        show_default=True,
        help="Project directory.",
        callback=_project_log,
    )(func)
    return func


def _vars(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    import yaml

    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise click.BadParameter(f"not YAML or JSON: {exc}", ctx, param) from None
    if parsed is None:
        parsed = {}
    if not isinstance(parsed, dict) or not all(isinstance(k, str) for k in parsed):
        raise click.BadParameter("give a mapping of names to values: '{region: eu}'", ctx, param)
    ctx.meta["streamt.vars"] = parsed


def given_vars() -> dict[str, object]:
    """The `--vars` mapping of the running command (empty when not given)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.meta.get("streamt.vars") if ctx else None
    return dict(found) if isinstance(found, dict) else {}


def context(project_dir: Path, env: str | None, **options: Any) -> Context:
    """The command's `Context`, with its `--vars`."""
    from streamt.context import Context

    return Context(project_dir, env, variables=given_vars(), **options)


def _project_log(_ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    from streamt.cli.logs import log_to

    log_to(value)
    return value


def use_rich(stream: TextIO) -> bool:
    if not logs.SETTINGS.color or os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    click.echo(text, err=err or output.json_requested(), nl=nl)


def live_lines(fmt: str) -> Callable[[str], None] | None:
    """Where live progress lines go: stdout for a person at a terminal; none with -q, when
    stdout is piped or redirected, in CI, with NO_COLOR, or when the output is a machine format."""
    return echo if fmt == "text" and not logs.SETTINGS.quiet and use_rich(sys.stdout) else None


def diagnostics(
    diags: Iterable[Diagnostic], err: bool = True, verbose: bool = False, root: Path | None = None
) -> None:
    """Render diagnostics, one block each, to stderr (or stdout); with the project `root`, each
    error and warning shows its source line with a caret under the position (`snippet`).

    Info diagnostics are summarised in one line unless `verbose` (or there are only a few).
    """
    err = err or output.json_requested()
    stream = sys.stderr if err else sys.stdout
    items = list(diags)
    if logs.SETTINGS.quiet:
        items = [d for d in items if d.is_error]
    verbose = verbose or logs.SETTINGS.verbose
    infos = [d for d in items if d.severity is Severity.INFO]
    if not verbose and len(infos) > 3:
        items = [d for d in items if d.severity is not Severity.INFO]
        codes = sorted({d.code for d in infos})
        click.echo(
            f"{len(infos)} info message(s) ({', '.join(codes)}); --verbose shows them", err=err
        )
    if not items:
        return
    from streamt.cli.snippet import Snippets

    snippets = Snippets(root)
    if use_rich(stream):
        from rich.console import Console
        from rich.markup import escape

        console = Console(file=stream, highlight=False)
        for d in items:
            where = f"{terminal_safe(str(d.location))}: " if str(d.location) else ""
            console.print(
                f"{escape(where)}[{_STYLE[d.severity]}]{d.severity.value} "
                f"{d.code}[/]: {escape(terminal_safe(d.message))}"
            )
            for line in snippets.lines(d):
                console.print(f"[dim]{escape(line)}[/]")
            if d.hint:
                console.print(
                    f"  [dim]hint:[/] {escape(terminal_safe(d.hint, keep_newlines=True))}"
                )
        return
    for d in items:
        head, _, hint = d.render().partition("\n")
        click.echo("\n".join([head, *snippets.lines(d), *([hint] if hint else [])]), err=err)


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    cells = [[str(c) for c in r] for r in rows]
    err = output.json_requested()
    if use_rich(sys.stderr if err else sys.stdout):
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title)
        for h in headers:
            t.add_column(h)
        for r in cells:
            t.add_row(*r)
        Console(stderr=err).print(t)
        return
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    if title:
        click.echo(title, err=err)
    click.echo(
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), err=err
    )
    for r in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), err=err)


def emit_json(payload: object, diagnostics: Iterable[Diagnostic] = ()) -> None:
    """The command's payload in its `--format json` document (written when the command ends);
    nothing in a text run, which has already printed the same for a reader."""
    if output.json_requested():
        output.set_payload(payload, tuple(diagnostics))


def selection_options(func: F) -> F:
    """`-s/--select`, `--exclude` (both selectors, dbt's grammar) and `--state DIR` (an earlier
    compile's output, for `state:modified`): the same on every command that selects nodes."""
    func = click.option(
        "--state",
        "state_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="An earlier compile's output dir, for the selector state:modified.",
    )(func)
    func = click.option(
        "--exclude", default=None, help="Leave these nodes out (selector, as --select)."
    )(func)
    return click.option(
        "-s",
        "--select",
        "selector",
        default=None,
        help="Only these nodes, e.g. '+orders_clean tag:finance'.",
    )(func)


TEST_TYPES = ("schema", "sample", "continuous", "unit")


def target_option(func: F) -> F:
    """`-t/--target MODEL`: only this model, on plan, apply and test alike (test's `-t` was
    `--type`: a test type given to it is a usage error naming `--type`)."""
    return click.option(
        "-t", "--target", default=None, help="Only this model.", callback=_not_a_type
    )(func)


def _not_a_type(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value in TEST_TYPES and ctx.info_name == "test":
        raise click.UsageError(
            f"-t is --target (a model) on every command; for the test type use --type {value}"
        )
    return value


def verbose_option(func: F) -> F:
    """`-v/--verbose` after the command: the global option (`cli/logs.py` moves it in front),
    listed in the command's --help too."""
    return click.option(
        "-v", "--verbose", is_flag=True, help="Show info messages too (global option)."
    )(func)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """`--format`; `json` makes stdout one JSON document, failures included (`cli.output`)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format (json: one document on stdout, failures included).",
        callback=_json_requested,
        is_eager=True,
    )


def _json_requested(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if value == "json":
        output.request_json(ctx.command_path)
    return value
