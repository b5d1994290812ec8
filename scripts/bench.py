#!/usr/bin/env python3
"""Measure the CLI on a generated project: `streamt --version`, `validate`, `compile`.

    .venv/bin/python scripts/bench.py [--models 1000] [--runs 5]

Generates the project with ../shared/bench/gen_project.py (or --generator PATH), runs each
command `--runs` times as a subprocess and prints median/min wall time, median CPU time
(user+sys of the child, which the load of other processes on the machine does not inflate)
and the target. `validate` and `compile` keep a content-keyed result cache (like ruff/mypy), so
the plain rows measure an unchanged project and the `--no-cache` rows the full cold work.
Exit 1 when a median wall time misses its target.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GENERATOR = ROOT.parent / "shared" / "bench" / "gen_project.py"


def streamt() -> list[str]:
    exe = Path(sys.executable).parent / "streamt"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "streamt"]


def measure(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            sys.stderr.write(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}\n")
            raise SystemExit(2)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="streamt-bench-") as tmp:
        project = Path(tmp) / f"p{args.models}"
        subprocess.run(
            [sys.executable, str(args.generator), str(args.models), str(project)], check=True
        )
        out = Path(tmp) / "target"
        validate = [*streamt(), "validate", "-p", str(project)]
        compile_ = [*streamt(), "compile", "-p", str(project), "-o", str(out)]
        n = args.models
        cases = [
            ("streamt --version", [*streamt(), "--version"], 0.15),
            # the first run fills the result cache; the median is over unchanged-project runs
            (f"streamt validate ({n} models)", validate, 0.4),
            (f"streamt compile ({n} models)", compile_, 0.8),
            # cold: everything loaded, compiled and checked again (the cost of any edit)
            (f"streamt validate --no-cache ({n})", [*validate, "--no-cache"], 0.4),
            (f"streamt compile --no-cache ({n})", [*compile_, "--no-cache"], 0.8),
        ]
        rows = []
        failed = False
        for label, cmd, target in cases:
            walls, cpus = measure(cmd, args.runs, env)
            median = statistics.median(walls)
            ok = median <= target
            failed |= not ok
            rows.append(
                (
                    label,
                    f"{median:.3f}",
                    f"{min(walls):.3f}",
                    f"{statistics.median(cpus):.3f}",
                    f"{target:.2f}",
                    "ok" if ok else "SLOW",
                )
            )
    headers = ("command", "median s", "min s", "cpu s", "target s", "")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(f"runs={args.runs}  load average={os.getloadavg()[0]:.2f}  cpus={os.cpu_count()}")
    for row in (headers, *rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
