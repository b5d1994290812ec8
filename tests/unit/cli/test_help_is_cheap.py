"""`streamt --help` lists the commands without importing them (as cheap as `--version`)."""

import json
import subprocess
import sys

import click
import pytest

from streamt.cli import COMMANDS, cli
from streamt.cli.summaries import SUMMARIES

HEAVY = ("pydantic", "sqlglot", "httpx", "confluent_kafka", "jinja2", "yaml", "streamt.local")


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import json, sys\n"
        "from streamt.cli import cli\n"
        f"try:\n    cli.main({argv!r}, prog_name='streamt')\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in proc.stdout or argv == ["--version"]
    return set(json.loads(proc.stderr))


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"]])
def test_help_and_version_import_no_command_and_no_heavy_library(argv):
    loaded = _modules_after(argv)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    commands = sorted(m for m in loaded if m.startswith("streamt.cli.commands."))
    assert heavy == [] and commands == []


def test_every_command_has_the_summary_of_its_own_help():
    assert set(SUMMARIES) == set(COMMANDS)
    ctx = click.Context(cli, resilient_parsing=True)  # get_command leaves gc as it is
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert SUMMARIES[name] == first_paragraph, name


def test_the_listing_is_what_click_prints_from_the_commands_themselves():
    ctx = click.Context(cli, info_name="streamt", resilient_parsing=True)
    lazy = click.HelpFormatter(width=80)
    cli.format_commands(ctx, lazy)
    eager = click.HelpFormatter(width=80)
    click.Group.format_commands(cli, ctx, eager)  # imports every command for its short help
    assert lazy.getvalue() == eager.getvalue()
    assert "validate  Check the project" in lazy.getvalue()


def test_listing_the_commands_leaves_the_cycle_collector_on() -> None:
    import gc

    assert gc.isenabled()
    ctx = click.Context(cli, info_name="streamt")
    cli.format_commands(ctx, click.HelpFormatter(width=80))
    assert gc.isenabled()
