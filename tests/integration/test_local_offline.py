"""The local stack's downloads and its offline start. A fresh cache is filled from Maven
Central with exactly the locked files (no Maven: a `mvn` on PATH that records any call stays
unused); once the cache is complete, a start needs no network: Kafka comes up healthy inside a
network namespace that has only a loopback interface (root and iproute2, as on CI)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from streamt.local.bundles import bundles_for
from streamt.local.config import load_config
from streamt.local.fetch import MARKER, Source, bundle_dir, ensure_bundles
from streamt.local.lock import read_lock

pytestmark = pytest.mark.integration

STREAMT = str(Path(sys.executable).parent / "streamt")


def _kafka_in_netns(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """`streamt local up --only kafka` without network; returns the up run and the states."""
    netns = f"streamt-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)

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
        status = json.loads(inside(STREAMT, "local", "status", "--format", "json").stdout or "{}")
        states = {p["name"]: p["state"] for p in status.get("processes", [])}
    finally:
        down = inside(STREAMT, "local", "down", "--purge")
        subprocess.run(["ip", "netns", "delete", netns], check=False)
    assert down.returncode == 0 and "stopped 1 process(es)" in down.stderr
    return up, states


def test_a_warm_cache_starts_without_network(tmp_path):
    cfg = load_config()
    ensure_bundles(cfg.cache, [bundles_for(cfg.versions).kafka], lambda _m: None, Source.of(cfg))
    up, states = _kafka_in_netns({**os.environ, "STREAMT_LOCAL_HOME": str(tmp_path / "home")})
    assert up.returncode == 0, up.stderr
    assert "fetching" not in up.stderr
    assert states["kafka"] == "healthy"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_fresh_cache_gets_the_locked_files_without_maven_and_kafka_starts_on_it(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    calls = tmp_path / "mvn-calls"
    (shim / "mvn").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexit 127\n')
    (shim / "mvn").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{shim}:{os.environ['PATH']}",
        "STREAMT_CACHE_DIR": str(tmp_path / "cache"),
        "STREAMT_LOCAL_HOME": str(tmp_path / "home"),
    }
    cfg = load_config(env=env)
    bundles = bundles_for(cfg.versions)
    wanted = [bundles.kafka, bundles.connect_file, bundles.flink_extra]  # ~90 MB, 95 files
    code = (
        "from streamt.local.bundles import bundles_for\n"
        "from streamt.local.config import load_config\n"
        "from streamt.local.fetch import Source, ensure_bundles\n"
        "cfg = load_config(); b = bundles_for(cfg.versions)\n"
        "ensure_bundles(cfg.cache, [b.kafka, b.connect_file, b.flink_extra], print, Source.of(cfg))\n"
    )
    fetched = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert fetched.returncode == 0, fetched.stderr
    assert not calls.exists(), calls.read_text()
    lock = read_lock(cfg.jars_lock)
    for bundle in wanted:
        root = bundle_dir(cfg.cache, bundle)
        on_disk = {p.name: p for p in root.rglob("*") if p.is_file() and p.name != MARKER}
        locked = {f.name: f for f in lock.files_of(bundle)}
        assert set(on_disk) == set(locked), bundle.key
        for name, f in locked.items():
            assert (on_disk[name].stat().st_size, _sha256(on_disk[name])) == (f.size, f.sha256)
        assert f"fetched {bundle.label}: " in fetched.stdout
    up, states = _kafka_in_netns(env)
    assert up.returncode == 0, up.stderr
    assert states["kafka"] == "healthy"
    assert not calls.exists()
