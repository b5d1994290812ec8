#!/usr/bin/env python3
"""Measure the CLI on a generated project: `streamt --version`/`--help`, `validate`, `compile`, `docs`.

    .venv/bin/python scripts/bench.py [--models 1000] [--runs 5]

Generates the project with ../shared/bench/gen_project.py (or --generator PATH), runs each
command `--runs` times as a subprocess and prints median/min wall time, median CPU time
(user+sys of the child, which the load of other processes on the machine does not inflate)
and the target. Three states of the caches under `target/.streamt-cache`:

- cold: `--no-cache`, everything loaded, analysed and compiled again;
- warm, unchanged: nothing changed since the last run (the whole-project entry answers);
- warm, one model edited: before each run one model's SQL is edited (its filter literal flips),
  so the whole-project entry misses and the per-model memo re-analyses that model (and only
  those children whose inputs it changed: none, for a filter).

The generated models are a few templates (a filter, a projection with a filter, a window) over
different inputs with different filter values, which the shape memo analyses once each
(`streamt/compile/shapes.py`). Two informational rows (no target) measure the same project with
every query made distinct (a `'<n>' AS shape_tag` column added to each SELECT): the cost when
nothing can be shared.

`validate --watch` (one resident process) is measured from the save of the same one-model edit
(written as editors save: a new file renamed over the old one) to the `[watch]` line ending its
report: wall time and the process's CPU time over that span (its polling included); its target
is 0.1 s, and its CPU time is reported as a ratio to the cold validate's measured in this run.

`docs generate` (the whole site: every page, the laid-out graph, column lineage) is measured
right after the cold validate, into the same output folder each run (the first run creates the
files, the measured ones rewrite them); its CPU time may be at most twice the cold validate's
(the ratio row).

`--help` lists the commands from their summaries without importing them; its CPU time is
reported as a ratio to `--version`'s (informational).

Children run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed from their environment)
as after a normal install; the machine's load average is printed because it is shared.
Exit 1 when a median wall time misses its target.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GENERATOR = ROOT.parent / "shared" / "bench" / "gen_project.py"
DOCS_RATIO = 2.0  # docs generate may cost at most twice a cold validate (CPU)
WATCH_TARGET = 0.1  # s from saving one model to `validate --watch`'s new report


def streamt() -> list[str]:
    exe = Path(sys.executable).parent / "streamt"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "streamt"]


def edit_one_model(project: Path, model: str) -> Callable[[], None]:
    """A function that flips one model's filter literal each call (a real, small SQL edit)."""
    path = project / "stream_project.yml"
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == f"- name: {model}")
    sql = next(i for i in range(at, len(lines)) if "SELECT" in lines[i])
    original = lines[sql]
    edited = original.replace(" WHERE ", " WHERE id <> 'bench-edit' AND ", 1)
    assert edited != original, f"{model} has no WHERE clause to edit"
    state = {"flip": False}

    def edit() -> None:  # saved as most editors save: a new file renamed over the old one
        state["flip"] = not state["flip"]
        lines[sql] = edited if state["flip"] else original
        saved = path.with_name(f"{path.name}.saving")
        saved.write_text("".join(lines))
        saved.replace(path)

    return edit


def watch_latency(
    cmd: list[str], runs: int, env: dict[str, str], edit: Callable[[], None], pause: float = 0.5
) -> tuple[list[float], list[float]]:
    """Start `cmd` (a `--watch` command), then `runs` times: edit, and time until its next
    `[watch]` line — wall time from the save, and the process's CPU time over the same span
    (its polling included). `pause` lets the process finish collecting garbage, as it does
    between a user's saves, before the next edit."""
    import psutil

    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, bufsize=1
    )
    assert proc.stdout is not None
    walls, cpus = [], []
    try:
        _next_report(proc)
        child = psutil.Process(proc.pid)
        for _ in range(runs):
            time.sleep(pause)
            before = child.cpu_times()
            start = time.perf_counter()
            edit()
            _next_report(proc)
            walls.append(time.perf_counter() - start)
            after = child.cpu_times()
            cpus.append(after.user - before.user + after.system - before.system)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return walls, cpus


def _next_report(proc: subprocess.Popen[str]) -> str:
    """The next `[watch]` line the process prints (the end of one run's report)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("[watch]"):
            return line
    raise SystemExit(f"the watch process ended (exit {proc.wait()}) before reporting")


def distinct_shapes(src: Path, dst: Path) -> None:
    """A copy of the project whose model queries are all different shapes."""
    dst.mkdir(parents=True)
    lines = (src / "stream_project.yml").read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.lstrip().startswith("SELECT "):
            lines[i] = line.replace("SELECT ", f"SELECT '{i}' AS shape_tag, ", 1)
    (dst / "stream_project.yml").write_text("".join(lines))


def measure(
    cmd: list[str], runs: int, env: dict[str, str], before: Callable[[], None] | None = None
) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime)
        if proc.returncode != 0:
            sys.stderr.write(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}\n")
            raise SystemExit(2)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    parser.add_argument("--edit", default="m_512", help="the model edited in the edit rows")
    args = parser.parse_args()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "STREAMT_NO_CACHE")
    }
    env["NO_COLOR"] = "1"
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="streamt-bench-") as tmp:
        project = Path(tmp) / f"p{args.models}"
        subprocess.run(
            [sys.executable, str(args.generator), str(args.models), str(project)], check=True
        )
        out = Path(tmp) / "target"
        validate = [*streamt(), "validate", "-p", str(project)]
        compile_ = [*streamt(), "compile", "-p", str(project), "-o", str(out)]
        edit = edit_one_model(project, args.edit)
        n = args.models
        distinct = Path(tmp) / f"d{args.models}"
        distinct_shapes(project, distinct)
        d_validate = [*streamt(), "validate", "-p", str(distinct), "--no-cache"]
        d_compile = [*streamt(), "compile", "-p", str(distinct), "-o", str(out), "--no-cache"]
        docs = [*streamt(), "docs", "generate", "-p", str(project), "-o", str(Path(tmp) / "docs")]
        subprocess.run(validate, capture_output=True, env=env, check=False)  # writes bytecode
        cases: list[tuple[str, list[str], float | None, Callable[[], None] | None]] = [
            ("streamt --version", [*streamt(), "--version"], 0.15, None),
            ("streamt --help", [*streamt(), "--help"], 0.15, None),
            (f"validate --no-cache ({n} models, cold)", [*validate, "--no-cache"], 0.4, None),
            (f"docs generate ({n} models)", docs, None, None),
            (f"compile --no-cache ({n} models, cold)", [*compile_, "--no-cache"], 0.8, None),
            # the first run fills the caches; the median is over unchanged-project runs
            (f"validate, warm, unchanged ({n})", validate, 0.4, None),
            (f"compile, warm, unchanged ({n})", compile_, 0.8, None),
            (f"validate, warm, {args.edit} edited ({n})", validate, 0.4, edit),
            (f"compile, warm, {args.edit} edited ({n})", compile_, 0.8, edit),
            (f"validate --no-cache ({n}, every query distinct)", d_validate, None, None),
            (f"compile --no-cache ({n}, every query distinct)", d_compile, None, None),
        ]
        rows = []
        cpu: dict[str, float] = {}
        failed = False
        for label, cmd, target, before in cases:
            if before is None:
                measure(cmd, 1, env)  # warm-up (fills the caches of the warm cases)
            else:
                measure(cmd, 1, env, before)
            walls, cpus = measure(cmd, args.runs, env, before)
            median = statistics.median(walls)
            cpu[label] = statistics.median(cpus)
            ok = target is None or median <= target
            failed |= not ok
            rows.append(
                (
                    label,
                    f"{median:.3f}",
                    f"{min(walls):.3f}",
                    f"{statistics.median(cpus):.3f}",
                    "-" if target is None else f"{target:.2f}",
                    "" if target is None else "ok" if ok else "SLOW",
                )
            )
        label = f"validate --watch, {args.edit} edited ({n})"
        walls, cpus = watch_latency([*validate, "--watch"], args.runs, env, edit)
        cpu[label] = statistics.median(cpus)
        ok = statistics.median(walls) <= WATCH_TARGET
        failed |= not ok
        rows.append(
            (
                label,
                f"{statistics.median(walls):.3f}",
                f"{min(walls):.3f}",
                f"{cpu[label]:.3f}",
                f"{WATCH_TARGET:.2f}",
                "ok" if ok else "SLOW",
            )
        )
        cold = cpu[f"validate --no-cache ({n} models, cold)"]
        rows.append(("watch / cold validate (cpu)", f"{cpu[label] / cold:.2f}x", "", "", "-", ""))
        help_ratio = cpu["streamt --help"] / cpu["streamt --version"]
        rows.append(("--help / --version (cpu)", f"{help_ratio:.2f}x", "", "", "-", ""))
        ratio = cpu[f"docs generate ({n} models)"] / cpu[f"validate --no-cache ({n} models, cold)"]
        failed |= ratio > DOCS_RATIO
        rows.append(
            (
                "docs generate / cold validate (cpu)",
                f"{ratio:.2f}x",
                "",
                "",
                f"{DOCS_RATIO:.0f}x",
                "ok" if ratio <= DOCS_RATIO else "SLOW",
            )
        )
    headers = ("command", "median s", "min s", "cpu s", "target s", "")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    load_after = os.getloadavg()
    print(
        f"runs={args.runs}  cpus={os.cpu_count()}  load average (1 min) before={load_before[0]:.2f}"
        f" after={load_after[0]:.2f}  (the machine is shared: wall times include waiting for"
        " a core; cpu s does not)"
    )
    for row in (headers, *rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
