"""Support for the data-test integration tests (no tests here): a project on disk, topics, a TestEnv."""

from __future__ import annotations

import textwrap
import time
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

from streamt.load import load_project
from streamt.load.model import Project
from streamt.local.endpoints import Endpoints
from streamt.testing.env import TestEnv, env_from_project


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def create_topics(bootstrap: str, *names: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(n, 1, 1) for n in names], operation_timeout=15)
    for f in futures.values():
        f.result(timeout=15)


def write_project(root: Path, stack: Endpoints, body: str) -> Project:
    runtime = f"""\
project: {{name: {unique("dt")}}}
runtime:
  kafka: {{bootstrap_servers: "{stack.kafka_bootstrap}"}}
  schema_registry: {{url: "{stack.schema_registry_url}"}}
  flink:
    default: local
    clusters:
      local: {{rest_url: "{stack.flink_rest_url}", sql_gateway_url: "{stack.sql_gateway_url}"}}
"""
    (root / "stream_project.yml").write_text(runtime + textwrap.dedent(body))
    result = load_project(root)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.project is not None
    return result.project


def env_for(project: Project) -> TestEnv:
    return env_from_project(project, {})


def now_ms() -> int:
    return int(time.time() * 1000)
