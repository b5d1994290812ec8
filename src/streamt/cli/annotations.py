"""`--format github`: diagnostics and failed data tests as GitHub Actions workflow commands.

One line each, `::error file=F,line=L,col=C,title=CODE::message`, which the Actions runner
turns into an annotation on the file's line in the pull request. Values are escaped as the
runner reads them (actions/toolkit `command.ts`): in the message `%`, `\\r` and `\\n`; in a
property also `:` and `,` — so a name from the project can neither end the command early nor
forge a second one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from streamt.diagnostics import Diagnostic, Location, Severity, StreamtError, terminal_safe

if TYPE_CHECKING:  # `validate` imports this module: it does not pay for the test runner's
    from streamt.testing.results import TestResult

F = TypeVar("F", bound=Callable[..., Any])

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, location: Location, title: str, root: Path) -> str:
    """One workflow command; the file is given relative to where streamt runs (the checkout in
    CI) by prefixing the project directory, as the runner expects a path from the repo root."""
    props: list[tuple[str, str]] = []
    if location.file:
        path = Path(location.file)
        props.append(("file", (path if path.is_absolute() else root / path).as_posix()))
        if location.line:
            props.append(("line", str(location.line)))
            props.append(("col", str(location.column or 1)))
    props.append(("title", title))
    head = ",".join(f"{k}={escape_property(terminal_safe(v))}" for k, v in props)
    return f"::{level} {head}::{escape_data(terminal_safe(message, keep_newlines=True))}"


def diagnostic_lines(
    diagnostics: Iterable[Diagnostic], root: Path, *, infos: bool = True
) -> list[str]:
    """A workflow command per diagnostic (info ones as notices only with `infos` or the global
    `-v`), its hint on the annotation's second line."""
    from streamt.cli import logs

    infos = infos or logs.SETTINGS.verbose
    return [
        command(
            LEVEL[d.severity],
            f"{d.message}\nhint: {d.hint}" if d.hint else d.message,
            d.location,
            d.code,
            root,
        )
        for d in diagnostics
        if infos or d.severity is not Severity.INFO
    ]


def result_lines(results: Iterable[TestResult], root: Path) -> list[str]:
    """A workflow command per failed data test (a `warning` test as a warning), at the test."""
    lines = []
    for r in results:
        if not r.failed:
            continue
        details = [f"{o.assertion}: {o.message}" for o in r.outcomes if not o.passed]
        what = "failed" if r.status.value == "fail" else "could not run"
        head = f"{r.type} test on {r.target} {what}" + (f": {r.message}" if r.message else "")
        text = "\n".join([head, *details, *([r.diff] if r.diff else [])])
        level = "warning" if r.severity == "warning" else "error"
        lines.append(command(level, text, r.location, f"data test {r.name}", root))
    return lines


def github_errors(command: F) -> F:
    """With `--format github`, the diagnostics a command stops on (a project that does not
    load or compile) are printed as workflow commands too, with the same exit code."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except StreamtError as exc:
            if kwargs.get("fmt") != "github":
                raise
            for line in diagnostic_lines(exc.diagnostics, kwargs["project_dir"]):
                click.echo(line)
            return exc.exit_code

    return run  # type: ignore[return-value]
