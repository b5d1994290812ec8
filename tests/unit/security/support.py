"""Running the CLI in-process on a project written to a temporary folder, timed."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from streamt.cli import main

SOURCE = """project: {name: shop}
sources:
  - name: s
    topic: s.v1
    columns: [{name: a, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
    event_time: {column: ts}
"""
# Generous for a loaded 2-core machine, far below every hang these tests replay. Mutation runs
# (scripts/mutation: every call through mutmut's trampoline, at nice 19) raise it.
BOUND_S = float(os.environ.get("STREAMT_TEST_TIME_BOUND_S", "8.0"))


@dataclass(frozen=True)
class Run:
    exit_code: int
    codes: list[str]
    output: str
    seconds: float


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    return root


def run(
    capsys: pytest.CaptureFixture[str], root: Path, *args: str, json_output: bool = True
) -> Run:
    """`streamt <args> -p root` in this process; diagnostics codes from JSON or text output."""
    argv = [*args, "--project-dir", str(root)]
    if json_output:
        argv += ["--format", "json"]
    capsys.readouterr()
    start = time.perf_counter()
    code = main(argv)
    seconds = time.perf_counter() - start
    out = capsys.readouterr()
    text = out.out + out.err
    if json_output and out.out.strip().startswith("{"):
        diags = json.loads(out.out).get("diagnostics", [])
        codes = [d["code"] for d in diags if d["severity"] != "info"]
    else:
        codes = re.findall(r"\b(?:error|warning) ([A-Z]\d{3}):", text)
    assert code != 70, text  # never an internal error
    assert "Traceback" not in text and "internal error" not in text, text
    return Run(code, codes, text, seconds)
