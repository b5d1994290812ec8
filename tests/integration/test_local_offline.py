"""Once the cache is complete, a start needs no network: Kafka comes up healthy inside a
network namespace that has only a loopback interface (root and iproute2, as on CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from streamt.local.bundles import bundles_for
from streamt.local.config import load_config
from streamt.local.fetch import Source, ensure_bundles

pytestmark = pytest.mark.integration

STREAMT = str(Path(sys.executable).parent / "streamt")


def test_a_warm_cache_starts_without_network(tmp_path):
    cfg = load_config()
    ensure_bundles(cfg.cache, [bundles_for(cfg.versions).kafka], lambda _m: None, Source.of(cfg))
    netns = f"streamt-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    env = {**os.environ, "STREAMT_LOCAL_HOME": str(tmp_path / "home")}

    def inside(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", netns, *args],
            env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip

    try:
        inside("ip", "link", "set", "lo", "up")
        outside = inside(
            sys.executable, "-c", "import socket; socket.create_connection(('pypi.org', 443), 3)"
        )
        assert outside.returncode != 0  # really offline
        up = inside(STREAMT, "local", "up", "--wait", "--only", "kafka")
        assert up.returncode == 0, up.stderr
        assert "fetching" not in up.stderr
        status = json.loads(inside(STREAMT, "local", "status", "--format", "json").stdout)
        states = {p["name"]: p["state"] for p in status["processes"]}
        assert states["kafka"] == "healthy"
    finally:
        down = inside(STREAMT, "local", "down", "--purge")
        subprocess.run(["ip", "netns", "delete", netns], check=False)
    assert down.returncode == 0 and "stopped 1 process(es)" in down.stderr
