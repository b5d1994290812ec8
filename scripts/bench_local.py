#!/usr/bin/env python3
"""Measures the local stack: cold start (empty cache: download time and size), warm start to
all healthy, idle RSS per process. Runs a private stack (own home, own cache unless
--keep-cache, ports shifted by --port-offset) so a running default stack is not touched.

    .venv/bin/python scripts/bench_local.py [--runs 3] [--skip-cold] [--port-offset 10000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from streamt.local.config import load_config
from streamt.local.fetch import Source, ensure_bundles
from streamt.local.javacheck import check_java
from streamt.local.stack import REGISTRY_MIN_JAVA, Stack, bundles_needed, resolve


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _log(message: str) -> None:
    sys.stderr.write(f"  {message}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="warm starts to time")
    parser.add_argument("--skip-cold", action="store_true", help="use the normal cache")
    parser.add_argument("--port-offset", type=int, default=10000)
    parser.add_argument("--idle-seconds", type=float, default=15.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="streamt-bench-"))
    env = {"STREAMT_LOCAL_HOME": str(work / "home")}
    if not args.skip_cold:
        env["STREAMT_CACHE_DIR"] = str(work / "cache")
    import os

    cfg = load_config(port_offset=args.port_offset, env={**os.environ, **env})
    stack = Stack(cfg, _log)
    result: dict[str, object] = {"home": str(cfg.home), "cache": str(cfg.cache)}
    try:
        major = check_java(cfg.java)
        needed = bundles_needed(stack.bundles, resolve(()))
        if major < REGISTRY_MIN_JAVA:
            needed.append(stack.bundles.registry_jre)
        started = time.monotonic()
        ensure_bundles(cfg.cache, needed, _log, Source.of(cfg))
        if not args.skip_cold:
            result["cold_download_seconds"] = round(time.monotonic() - started, 1)
            result["cold_download_bytes"] = _size(cfg.cache)
            result["bundles_bytes"] = _size(cfg.cache / "local")
        started = time.monotonic()
        stack.up(wait=True, timeout=600)
        result["first_start_seconds"] = round(time.monotonic() - started, 1)
        stack.down()
        warm: list[float] = []
        for _ in range(args.runs):
            started = time.monotonic()
            stack.up(wait=True, timeout=600)
            warm.append(round(time.monotonic() - started, 1))
            if len(warm) < args.runs:
                stack.down()
        result["warm_start_seconds"] = warm
        time.sleep(args.idle_seconds)
        result["idle_rss_mib"] = {s.name: round((s.rss_bytes or 0) / 2**20) for s in stack.status()}
        result["idle_rss_total_mib"] = sum(result["idle_rss_mib"].values())  # type: ignore[attr-defined]
    finally:
        stack.down(purge=True)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
