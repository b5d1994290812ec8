"""The command line: thin commands over `streamt.context.Context`.

Subcommands are registered by dotted path and imported only when invoked, so
`streamt --version` does not pay for pydantic, sqlglot or confluent-kafka.
Exit codes: 0 ok, 1 user error / validation failed, 2 usage, 3 changes pending
(plan --detailed-exitcode) or drift (status), 4 data tests failed, 5 a system could not be
reached (never 4), 70 internal error (the crash file and message are redacted).
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any, NoReturn

import click

from streamt import __version__
from streamt.diagnostics import UNREACHABLE, StreamtError

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

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; the cycle collector is left as it was found, however the group is
        called (`main`, or click's own runner in a test or an embedding process)."""
        collecting = gc.isenabled()
        try:
            return super().invoke(ctx)
        finally:
            if collecting:
                gc.enable()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="streamt")
def cli() -> None:
    """streamt — dbt for streaming: Kafka topics, Flink SQL jobs and Connect connectors from YAML + SQL."""


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
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except StreamtError as exc:
        for diag in exc.diagnostics:
            click.echo(diag.render(), err=True)
        return exc.exit_code
    except Exception as exc:  # a bug: keep a traceback the user can paste into an issue
        return _unreachable(exc) or _crash(exc)
    return int(result or 0)


def _unreachable(exc: Exception) -> int:
    """A failed call to a system, surfacing where no command expected it: exit 5 with the
    (redacted) reason when the system could not be reached, 1 for any other adapter error
    (e.g. a malformed URL), instead of a crash; 0 when `exc` is something else."""
    from streamt.adapters.protocols import AdapterError

    if not isinstance(exc, AdapterError):
        return 0
    click.echo(f"error: {exc}", err=True)
    if not exc.unreachable:  # the system answered, or its address is malformed: not a bug
        return 1
    click.echo("  hint: is the stack up? (streamt local status)", err=True)
    return UNREACHABLE


def _crash(exc: BaseException) -> int:
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
    return 70


if __name__ == "__main__":  # pragma: no cover
    run()
