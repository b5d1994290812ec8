"""The command line: thin commands over `streamt.context.Context`.

Subcommands are registered by dotted path and imported only when invoked, so
`streamt --version` does not pay for pydantic, sqlglot or confluent-kafka.
Exit codes and the `--format json` document: `streamt.cli.output` (one mapping for every
command); the crash file and message of exit 70 are redacted.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from streamt import __version__
from streamt.cli import output

if TYPE_CHECKING:
    from streamt.diagnostics import Diagnostic

# command name -> "module:attribute"; each module lives in streamt.cli.commands.*
COMMANDS: dict[str, str] = {
    "validate": "streamt.cli.commands.validate:validate",
    "lineage": "streamt.cli.commands.lineage:lineage",
    "compile": "streamt.cli.commands.compile:compile_command",
    "local": "streamt.local.cli:local",
    "test": "streamt.cli.commands.test:test_command",
    "plan": "streamt.cli.commands.plan:plan_command",
    "apply": "streamt.cli.commands.apply:apply_command",
    "rollback": "streamt.cli.commands.rollback:rollback_command",
    "status": "streamt.cli.commands.status:status_command",
    "schemas": "streamt.cli.commands.schemas:schemas",
    "destroy": "streamt.cli.commands.destroy:destroy_command",
    "docs": "streamt.cli.commands.docs:docs",
    "debug": "streamt.cli.commands.debug:debug_command",
    "init": "streamt.cli.commands.init:init_command",
    "envs": "streamt.cli.commands.envs:envs",
    "schema": "streamt.cli.commands.schema:schema_command",
    "explain": "streamt.cli.commands.explain:explain_command",
}


# Commands that read the project, compute and exit: their memory is bounded by the project and
# the cyclic garbage they make (sqlglot trees) is small, so the cycle collector only costs time
# (~10% of a cold validate of 1000 models, peak memory unchanged). Commands that talk to
# services or wait (apply, test, local, ...) keep it.
NO_GC_COMMANDS = frozenset({"validate", "compile", "lineage", "docs"})


class SuggestingGroup(click.Group):
    """A group whose mistyped command gets the one did-you-mean hint (`valdate` -> validate)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            from streamt.diagnostics import did_you_mean

            hint = did_you_mean(args[0], self.list_commands(ctx)) if args else ""
            if not hint:
                raise
            raise click.UsageError(f"{exc.message} {hint[0].upper()}{hint[1:]}", ctx) from None


class LazyGroup(SuggestingGroup):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from streamt.cli.argv import hoist

        return super().parse_args(ctx, hoist(args))  # global options after the command too

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        if cmd_name in NO_GC_COMMANDS and not ctx.resilient_parsing:
            gc.disable()  # for this run only: `invoke` turns it back on
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from `summaries.SUMMARIES`: `--help` imports no command module."""
        from streamt.cli.summaries import SUMMARIES

        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [
            (n, click.Command(n, help=SUMMARIES.get(n)).get_short_help_str(limit)) for n in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; the cycle collector is left as it was found, however the group is
        called (`main`, or click's own runner in a test or an embedding process)."""
        collecting = gc.isenabled()
        document = output.begin()  # `--format json`: one document, however the command ends
        try:
            code = super().invoke(ctx)
        except BaseException as exc:
            if not isinstance(exc, click.exceptions.Exit):  # --help, --version
                document.finish(*output.outcome(exc))
            raise
        else:
            document.finish(int(code or 0))
            return code
        finally:
            from streamt.cli.logs import reset

            reset()
            if collecting:
                gc.enable()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="streamt")
@click.option("-q", "--quiet", is_flag=True, help="Errors only: no warnings, info or log lines.")
@click.option("-v", "--verbose", is_flag=True, help="Info messages and INFO log lines.")
@click.option("--debug", is_flag=True, help="DEBUG log lines (librdkafka's included) on stderr.")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], case_sensitive=False),
    default=None,
    help="Log lines from this level on stderr (default: none).",
)
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal.")
def cli(
    quiet: bool, verbose: bool, debug: bool, log_level: str | None, log_format: str, no_color: bool
) -> None:
    """streamt — dbt for streaming: Kafka topics, Flink SQL jobs and Connect connectors from YAML + SQL.

    Global options go before or after the command name.
    """
    from streamt.cli.logs import configure

    configure(quiet, verbose, debug, log_level and log_level.upper(), log_format, not no_color)


# A run builds many short-lived cyclic objects (sqlglot nodes point to their parents) next to
# large, long-lived module and pydantic state; the default thresholds (700, 10, 10) make the
# collector rescan that state over and over. Collecting less often cuts ~10% of the CPU of a cold
# validate / compile of 1000 models for ~5% more peak memory.
GC_THRESHOLDS = (10_000, 20, 20)


def run() -> NoReturn:
    """The console script: `main()`, then a quick exit (see `exit_now`)."""
    exit_now(_main(None))


def exit_now(code: int) -> NoReturn:
    """Exit without tearing the heap down object by object.

    Interpreter shutdown frees every module and object one at a time, ~70 ms after a validate
    of 1000 models, and nothing depends on it: output is flushed and the atexit handlers run
    (logging, temporary files) exactly as at a normal exit. With other threads still running
    the normal exit (which joins them) is taken.
    """
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    gc.disable()  # a last collection over the whole heap would only delay the exit
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120  # what Python exits with when stdout cannot be flushed
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line in this process (tests, embedding); returns the exit code."""
    collecting = gc.isenabled()
    try:
        return _main(argv)
    finally:
        if collecting:
            gc.enable()  # a NO_GC_COMMANDS command turned it off for its run only


def _main(argv: list[str] | None) -> int:
    """Every byte the commands print goes through `streamt.redact` (see `RedactingStream`)."""
    from streamt.redact import RedactingStream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(out), RedactingStream(err)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: list[str] | None) -> int:
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        result: Any = cli.main(args=argv, prog_name="streamt", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as exc:
        code, diagnostics = output.outcome(exc)
        _report(exc, code, diagnostics)
        return code
    return int(result or 0)


def _report(exc: BaseException, code: int, diagnostics: tuple[Diagnostic, ...]) -> None:
    """A failed run on stderr (stdout holds only a `--format json` document)."""
    if isinstance(exc, click.exceptions.Exit):
        return
    if isinstance(exc, click.ClickException):
        exc.show()
    elif isinstance(exc, click.exceptions.Abort):
        click.echo("Aborted.", err=True)
    elif isinstance(exc, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
    elif code == output.ExitCode.BUG:  # keep a traceback the user can paste into an issue
        _crash(exc)
    else:
        for diag in diagnostics:
            click.echo(diag.render(), err=True)


def _crash(exc: BaseException) -> None:
    import tempfile
    import traceback

    from streamt.redact import redact

    text = redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    with tempfile.NamedTemporaryFile(
        "w", prefix="streamt-crash-", suffix=".log", delete=False
    ) as fh:
        fh.write(text)
    click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
    click.echo(f"  this is a bug in streamt; the traceback is in {fh.name}", err=True)


if __name__ == "__main__":  # pragma: no cover
    run()
