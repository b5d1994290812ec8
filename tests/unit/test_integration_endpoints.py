"""The integration suite runs on any stack (`tests/stack.py`): no integration test or helper
writes a default port of the local stack, or reaches for the defaults a project without
`runtime:` gets, instead of the run's endpoints. And those endpoints follow
STREAMT_LOCAL_PORT_OFFSET, Postgres included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from streamt.local.config import Ports

TESTS = Path(__file__).resolve().parents[1]
SCANNED = sorted([*TESTS.glob("integration/*.py"), *TESTS.glob("*.py")])
DEFAULT_PORTS = {getattr(Ports(), name) for name in Ports.__dataclass_fields__} | {55432}
# where the defaults are the base the run's ports are computed from
BASES = {TESTS / "postgres_helpers.py": {55432}}
DEFAULTS_BY_NAME = {"local_runtime", "DEFAULT_ENDPOINTS", "LOCAL_KAFKA_BOOTSTRAP",
                    "LOCAL_SCHEMA_REGISTRY_URL", "LOCAL_FLINK_REST_URL", "LOCAL_CONNECT_URL",
                    "LOCAL_SQL_GATEWAY_URL"}  # fmt: skip


def _default_ports_written(path: Path) -> list[str]:
    allowed = BASES.get(path, set())
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for port in re.findall(r"(?<![\d.])(\d{4,5})(?![\d.])", line):
            if int(port) in DEFAULT_PORTS - allowed:
                found.append(f"{path.name}:{number}: {line.strip()}")
    return found


def _defaults_named(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        name = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else None
        )
        if name in DEFAULTS_BY_NAME:
            found.append(f"{path.name}:{node.lineno}: {name}")
        if isinstance(node, ast.alias) and node.name in DEFAULTS_BY_NAME:
            found.append(f"{path.name}: imports {node.name}")
        called = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Endpoints"
        if called and not node.args and not node.keywords:  # type: ignore[attr-defined]
            found.append(f"{path.name}:{node.lineno}: Endpoints() (the default stack)")
    return found


def test_the_scan_covers_the_integration_tests_and_their_helpers() -> None:
    names = {p.name for p in SCANNED}
    assert {"conftest.py", "kafka_helpers.py", "isolation.py", "test_apply_support.py"} <= names
    assert len([p for p in SCANNED if p.name.startswith("test_")]) >= 40


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.name)
def test_no_integration_test_writes_a_default_port(path: Path) -> None:
    assert _default_ports_written(path) == []
    assert _defaults_named(path) == []


def test_the_scan_finds_what_it_is_for(tmp_path: Path) -> None:
    planted = tmp_path / "test_planted.py"
    planted.write_text(
        "from streamt.config.runtime import local_runtime\n"
        'BOOT = "localhost:9092"\n'
        "URL = f'http://localhost:{8082}/overview'\n"
        "ok = ('127.0.0.1:1', 19092, 8083.5, 'v1.8084')\n"
        "e = Endpoints()\n"
        "r = local_runtime()\n"
    )
    assert [f.split(":")[1] for f in _default_ports_written(planted)] == ["2", "3"]
    assert _defaults_named(planted) == [
        "test_planted.py: imports local_runtime",
        "test_planted.py:5: Endpoints() (the default stack)",
        "test_planted.py:6: local_runtime",
    ]


def test_the_run_endpoints_follow_the_port_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.stack import endpoints, runtime_overlay, runtime_yaml

    monkeypatch.setenv("STREAMT_LOCAL_PORT_OFFSET", "100")
    monkeypatch.delenv("STREAMT_LOCAL_PORT_KAFKA", raising=False)
    ep = endpoints()
    assert (ep.kafka_bootstrap, ep.flink_rest_url) == ("localhost:9192", "http://localhost:8182")
    assert 'bootstrap_servers: "localhost:9192"' in runtime_yaml()
    assert '{rest_url: "http://localhost:8183"}' in runtime_yaml()
    # a project's declared sections keep their names and other keys; only addresses change
    declared = {"kafka": {"bootstrap_servers": "localhost:9092"},
                "flink": {"default": "main", "clusters": {"main": {"rest_url": "x"}}}}  # fmt: skip
    assert runtime_overlay(declared) == {
        "kafka": {"bootstrap_servers": "localhost:9192"},
        "flink": {"clusters": {"main": {"rest_url": "http://localhost:8182",
                                        "sql_gateway_url": "http://localhost:8184"}}},
    }  # fmt: skip
    assert set(runtime_overlay(None)) == {"kafka", "schema_registry", "flink", "connect"}
    assert runtime_overlay(None)["connect"] == {
        "clusters": {"local": {"rest_url": "http://localhost:8183"}},
        "default": "local",
    }


def test_postgres_of_a_shifted_stack_is_its_own() -> None:
    import os
    import subprocess
    import sys

    probe = "from tests import postgres_helpers as p; print(p.DEFAULT.port, p.PG_DIR)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMT_TEST_PG")}
    out = [
        subprocess.run(
            [sys.executable, "-c", probe],
            env={**env, "STREAMT_LOCAL_PORT_OFFSET": offset},
            cwd=TESTS.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for offset in ("0", "100")
    ]
    assert out == [
        ["55432", "/var/tmp/streamt-test-postgres"],
        ["55532", "/var/tmp/streamt-test-postgres-100"],
    ]
