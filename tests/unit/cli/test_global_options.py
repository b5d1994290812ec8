"""The global options (`cli/logs.py`): each one's effect, before or after the command name;
librdkafka's lines go through Python logging and reach stderr only when asked."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from streamt.cli import logs, main, render
from streamt.cli.argv import hoist

QUICKSTART = str(Path(__file__).resolve().parents[3] / "examples" / "quickstart")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


READ_A_DEAD_BROKER = """
import logging, sys
if sys.argv[2] == "logging":
    logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="LOG %(name)s %(message)s")
from streamt.adapters.protocols import AdapterError
from streamt.testing.kafka_io import read_records
try:
    read_records(f"127.0.0.1:{sys.argv[1]}", "t", max_records=1, timeout_s=1.5)
except AdapterError:
    print("read failed")
"""


@pytest.mark.parametrize("logging_on", [False, True])
def test_librdkafka_lines_go_through_python_logging_only(logging_on: bool) -> None:
    argv = [sys.executable, "-c", READ_A_DEAD_BROKER, str(_closed_port())]
    run = subprocess.run(
        [*argv, "logging" if logging_on else "silent"], capture_output=True, text=True, timeout=60
    )
    assert "read failed" in run.stdout
    assert run.stderr == ""  # no `%3|...|FAIL|rdkafka#consumer-1| ... Connection refused`
    routed = [line for line in run.stdout.splitlines() if line.startswith("LOG streamt.librdkafka")]
    if logging_on:  # the same lines, as log records of streamt.librdkafka
        assert any("Connection refused" in line for line in routed), run.stdout
    else:
        assert routed == []


@pytest.fixture
def sampled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose sample test reads a broker nothing listens on, the preflight skipped so
    the consumer itself meets the closed port."""
    (tmp_path / "stream_project.yml").write_text(
        "project:\n  name: sampled\n"
        f"runtime:\n  kafka:\n    bootstrap_servers: 127.0.0.1:{_closed_port()}\n"
        "sources:\n  - name: s\n    topic: s.v1\n    columns:\n      - {name: id, type: BIGINT}\n"
        "tests:\n  - name: ids\n    model: s\n    type: sample\n    sample_size: 5\n    timeout_seconds: 2\n"
        "    assertions:\n      - not_null: {columns: [id]}\n"
    )
    monkeypatch.setattr("streamt.state.probe.preflight", lambda *a, **kw: None)
    return tmp_path


def test_a_dead_kafka_prints_no_librdkafka_line_by_default(
    sampled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "-p", str(sampled)]) == 5
    err = capsys.readouterr().err
    assert "rdkafka" not in err and "Connection refused" not in err
    kept = (sampled / "target" / "streamt.log").read_text()  # the run log keeps them
    assert "streamt.librdkafka" in kept and "Connection refused" in kept


def test_debug_after_the_command_shows_them_as_json_lines(
    sampled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "-p", str(sampled), "--debug", "--log-format", "json"]) == 5
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line[:1] == "{"]
    assert any(r["logger"] == "streamt.librdkafka" and r["level"] for r in lines)
    assert any("Connection refused" in r["message"] for r in lines)


def test_log_level_before_the_command_filters_by_level(
    sampled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--log-level", "critical", "test", "-p", str(sampled)]) == 5
    assert "Connection refused" not in capsys.readouterr().err  # librdkafka logs at ERROR
    assert main(["--log-level=error", "test", "-p", str(sampled)]) == 5
    assert "Connection refused" in capsys.readouterr().err


def test_hoist_moves_global_options_in_front_and_stops_at_double_dash() -> None:
    args = ["plan", "-p", "x", "-v", "--log-level", "DEBUG", "--log-format=json", "--", "-q"]
    assert hoist(args) == [
        "-v",
        "--log-level",
        "DEBUG",
        "--log-format=json",
        "plan",
        "-p",
        "x",
        "--",
        "-q",
    ]


@pytest.fixture
def info_project(tmp_path: Path) -> Path:
    """A valid project with more than three info diagnostics (C012: stateless models on Flink)."""
    models = "".join(
        f"  - name: m{i}\n    sql: SELECT id FROM {{{{ source('s') }}}}\n" for i in range(4)
    )
    (tmp_path / "stream_project.yml").write_text(
        "project:\n  name: chatty\nsources:\n  - name: s\n    topic: s.v1\n"
        f"    columns:\n      - {{name: id, type: BIGINT}}\nmodels:\n{models}"
    )
    return tmp_path


def _diagnostic_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": info " in line or ": warning " in line]


def test_verbose_before_or_after_shows_info_and_quiet_hides_all_but_errors(
    info_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["validate", "-p", str(info_project), "--no-cache"]
    assert main(base) == 0
    default = capsys.readouterr().err
    assert "info message(s)" in default  # summarised: more than three
    assert main(["-v", *base]) == 0
    before = _diagnostic_lines(capsys.readouterr().err)
    assert main([*base, "-v"]) == 0
    after = _diagnostic_lines(capsys.readouterr().err)
    assert before == after and len([x for x in before if ": info " in x]) > 3
    assert main([*base, "-q"]) == 0
    quiet = capsys.readouterr().err
    assert _diagnostic_lines(quiet) == [] and "info message(s)" not in quiet


def test_no_color_turns_rich_off_even_on_a_terminal() -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    logs.reset()
    try:
        logs.configure(False, False, False, None, "text", color=False)
        assert render.use_rich(Tty()) is False  # type: ignore[arg-type]
    finally:
        logs.reset()


def test_global_options_leave_nothing_behind(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    before = list(logging.getLogger("streamt").handlers)
    assert main(["--debug", "validate", "-p", QUICKSTART, "-q", "--no-color"]) == 0
    assert logging.getLogger("streamt").handlers == before and logs.Settings() == logs.SETTINGS
