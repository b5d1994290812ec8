"""Live progress of `streamt test`: dbt-style START / outcome lines, as each test runs."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import pytest

from streamt.cli import render
from streamt.load.model import Project
from streamt.testing.env import TestEnv
from streamt.testing.results import Status, TestResult, progress_line
from streamt.testing.runner import RunOptions, run_tests
from streamt.testing.spec import ParsedTest

UNITS = """
- name: first
  model: orders_clean
  type: unit
  given: [{orders_raw: [{order_id: a}]}]
  expect: {rows: [{order_id: a}]}
- name: second
  model: orders_clean
  type: unit
  given: [{orders_raw: [{order_id: b}]}]
  expect: {rows: [{order_id: b}]}
"""


def test_each_test_prints_start_before_it_runs_and_its_outcome_after(
    make_project: Callable[[str], Project],
) -> None:
    project = make_project(UNITS)
    events: list[str] = []

    def unit(spec: ParsedTest, env: TestEnv) -> TestResult:
        events.append(f"running {spec.name}")
        status = Status.PASS if spec.name == "first" else Status.FAIL
        return TestResult(spec.name, "unit", spec.target, status, "")

    env = TestEnv(project="shop", bootstrap="")
    results = run_tests(project, None, env, RunOptions(), unit_runner=unit, progress=events.append)
    assert [r.status for r in results] == [Status.PASS, Status.FAIL]
    assert [e.split(" ....")[0].split(" .")[0] for e in events] == [
        "1 of 2 START unit test first on orders_clean",
        "running first",
        "1 of 2 PASS unit test first on orders_clean",
        "2 of 2 START unit test second on orders_clean",
        "running second",
        "2 of 2 FAIL unit test second on orders_clean",
    ]
    assert events[0].endswith("[RUN]")
    assert events[2].endswith(f"[PASS in {results[0].duration_s:.1f} s]")
    assert events[5].endswith("[FAIL in 0.0 s]")


def test_without_progress_nothing_is_printed(
    make_project: Callable[[str], Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(UNITS)
    env = TestEnv(project="shop", bootstrap="")

    def unit(spec: ParsedTest, env: TestEnv) -> TestResult:
        return TestResult(spec.name, "unit", spec.target, Status.PASS)

    run_tests(project, None, env, RunOptions(), unit_runner=unit)
    assert capsys.readouterr() == ("", "")


def test_the_line_is_dotted_to_one_width_like_dbts() -> None:
    result = TestResult("t", "sample", "m", Status.ERROR, duration_s=12.345)
    start = progress_line(3, 12, "sample test t on m")
    end = progress_line(3, 12, "sample test t on m", result)
    assert start == "3 of 12 START sample test t on m " + "." * 39 + " [RUN]"
    assert end == "3 of 12 ERROR sample test t on m " + "." * 39 + " [ERROR in 12.3 s]"
    long = progress_line(1, 1, "x" * 100)
    assert long.endswith(" ... [RUN]")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_lines_only_for_text_on_a_terminal_outside_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # piped
    assert render.live_lines("text") is None
    monkeypatch.setattr(sys, "stdout", _Terminal())
    assert render.live_lines("text") is render.echo
    assert render.live_lines("json") is None and render.live_lines("github") is None
    monkeypatch.setenv("CI", "true")
    assert render.live_lines("text") is None


def test_quiet_turns_live_lines_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from streamt.cli import logs

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.setattr(logs, "SETTINGS", replace(logs.SETTINGS, quiet=True))
    assert render.live_lines("text") is None
