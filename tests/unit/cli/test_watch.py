"""`streamt validate --watch` / `compile --watch`: a resident process that reports again on
every save — new diagnostics after an edit, gone after the fix — and whose re-validation after
editing one model of a 1,000-model project costs a small share of a cold validate (measured with
scripts/bench.py's own functions, side by side in one run)."""

from __future__ import annotations

import importlib.util
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]
STREAMT = [sys.executable, "-m", "streamt"]
# a re-validate after one edit costs at most this share of a cold validate's CPU time, both
# measured in the same run. Not an absolute bound: CPU time grows with the machine's load too
# (one cold validate of this project took 0.42 s of CPU on a quiet machine, 1.4-1.7 s beside
# another 1,000-model benchmark, where a re-validate took 0.12 s against 0.04 s), so a fixed
# number fails with the machine, not with the code. `scripts/bench.py` reports the 0.1 s target.
WATCH_RATIO = 0.2


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STREAMT_NO_CACHE",)}
    env["NO_COLOR"] = "1"
    return env


def _save(path: Path, text: str) -> None:
    saving = path.with_name(path.name + ".saving")
    saving.write_text(text)
    saving.replace(path)


class _Lines:
    """A watch process's output lines, read by a thread (so a missing report fails, not hangs)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)


LINES: dict[int, _Lines] = {}


def _report(proc: subprocess.Popen[str], timeout: float = 120) -> list[str]:
    """The lines of the next run's report, its `[watch]` line last."""
    lines: list[str] = []
    while True:
        line = LINES[proc.pid].queue.get(timeout=timeout)  # queue.Empty: no report came
        if line is None:
            raise AssertionError(f"the watch process ended (exit {proc.wait()}): {lines}")
        lines.append(line)
        if line.startswith("[watch]"):
            return lines


PROJECT = """\
project:
  name: watched
sources:
  - name: orders
    topic: raw.orders.v1
    columns:
      - name: id
        type: STRING
      - name: amount
        type: DOUBLE
models:
  - name: big
    sql: |
      SELECT id, amount FROM {{ source("orders") }} WHERE amount > 10
  - name: bigger
    sql: |
      SELECT id, amount FROM {{ ref("big") }} WHERE amount > 100
"""


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*STREAMT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
        cwd=cwd,
    )
    LINES[proc.pid] = _Lines(proc)
    return proc


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_validate_watch_reports_each_save(tmp_path: Path) -> None:
    path = tmp_path / "stream_project.yml"
    path.write_text(PROJECT)
    proc = _start(["validate", "--watch", "-p", str(tmp_path)], tmp_path)
    try:
        first = _report(proc)
        assert first[-1].startswith("[watch] ok"), first
        assert "Project 'watched' is valid" in "\n".join(first)
        _save(path, PROJECT.replace("amount FROM {{ source", "amount, nope FROM {{ source"))
        broken = _report(proc)
        assert broken[-1].startswith("[watch] exit 1"), broken
        assert (
            "stream_project.yml:14:26: error S003: model 'big': unknown column 'nope'" in broken
        ), broken
        _save(path, PROJECT.replace('ref("big")', 'ref("bgi")'))  # the first error fixed
        other = "\n".join(_report(proc))
        assert "nope" not in other and "'bgi'" in other and "G0" in other, other
        _save(path, PROJECT)
        fixed = _report(proc)
        assert fixed[-1].startswith("[watch] ok"), fixed
    finally:
        code = _stop(proc)
    assert code == 0


def test_validate_watch_reads_schemas_lock_again_when_it_changes(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(PROJECT)
    proc = _start(["validate", "--watch", "-p", str(tmp_path)], tmp_path)
    try:
        assert _report(proc)[-1].startswith("[watch] ok")
        _save(tmp_path / "schemas.lock", '{"version": 999}')
        broken = "\n".join(_report(proc))
        assert "L020" in broken and "schemas.lock" in broken, broken
        (tmp_path / "schemas.lock").unlink()
        assert _report(proc)[-1].startswith("[watch] ok")
    finally:
        assert _stop(proc) == 0


def test_compile_watch_writes_the_artifacts_of_each_save(tmp_path: Path) -> None:
    path = tmp_path / "stream_project.yml"
    path.write_text(PROJECT)
    out = tmp_path / "out"
    proc = _start(["compile", "--watch", "-p", str(tmp_path), "-o", str(out)], tmp_path)
    try:
        assert _report(proc)[-1].startswith("[watch] ok")
        before = sorted(p.name for p in (out / "flink").iterdir())
        _save(path, PROJECT.replace("amount > 100", "amount > 1000"))
        assert _report(proc)[-1].startswith("[watch] ok")
        job = next((out / "flink").glob("*bigger*"))
        assert "1000" in job.read_text()
        assert sorted(p.name for p in (out / "flink").iterdir()) == before
    finally:
        assert _stop(proc) == 0


def test_watch_refuses_json(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(PROJECT)
    proc = subprocess.run(
        [*STREAMT, "validate", "--watch", "--format", "json", "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert proc.returncode == 2 and "--watch" in proc.stdout + proc.stderr


def _thousand_models(root: Path) -> None:
    """The bench's shape (scripts/bench.py, /work/shared/bench/gen_project.py): 100 sources,
    1,000 models in one YAML file, each filtering a source or an earlier model."""
    lines = ["project:", "  name: bench", "sources:"]
    for i in range(100):
        lines += [f"  - name: src_{i}", f"    topic: raw.src_{i}.v1", "    columns:"]
        for name, kind in (("id", "STRING"), ("user_id", "STRING"), ("amount", "DOUBLE")):
            lines += [f"      - name: {name}", f"        type: {kind}"]
    lines.append("models:")
    for i in range(1000):
        read = f'ref("m_{i * 7919 % i}")' if i > 100 else f'source("src_{i % 100}")'
        lines += [
            f"  - name: m_{i}",
            f"    description: model {i}",
            "    sql: |",
            f"      SELECT id, user_id, amount FROM {{{{ {read} }}}} WHERE amount > {i}",
        ]
    root.mkdir()
    (root / "stream_project.yml").write_text("\n".join(lines) + "\n")


def test_rewatch_after_one_edit_costs_a_small_share_of_a_cold_validate(tmp_path: Path) -> None:
    bench = _bench()
    project = tmp_path / "p1000"
    _thousand_models(project)
    env = _env()
    validate = [*STREAMT, "validate", "-p", str(project)]
    subprocess.run(validate, capture_output=True, env=env, check=False)  # bytecode
    _, cold = bench.measure([*validate, "--no-cache"], 3, env)
    edit = bench.edit_one_model(project, "m_512")
    walls, cpus = bench.watch_latency([*validate, "--watch"], 7, env, edit)
    cpu, cold_cpu = statistics.median(cpus), statistics.median(cold)
    shown = f"watch cpu {cpus} wall {walls}; cold validate cpu {cold}"
    assert cpu <= WATCH_RATIO * cold_cpu, shown
