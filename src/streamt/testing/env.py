"""What running data tests needs from the outside world, built once per `streamt test`.

`TestEnv` holds resolved endpoints and clients (Kafka bootstrap + properties, the Schema
Registry, the Flink cluster), the environment mapping for `${VAR}` in alert URLs, a clock and
an HTTP poster (replaceable in tests). `targets_from_compile` turns the compiled project into the
topics and typed columns tests read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from streamt.adapters.protocols import AdapterError, FlinkCluster, KafkaAdmin, SchemaRegistry
from streamt.compile.facts import writes_in_transactions
from streamt.compile.result import CompiledNode, CompileResult
from streamt.config.env import resolve
from streamt.load.model import Project
from streamt.sql.types import TypeSyntaxError, parse_type
from streamt.testing.continuous_sql import TargetTable

Poster = Callable[[str, Mapping[str, Any]], int]  # (url, json body) -> HTTP status


def post_json(url: str, body: Mapping[str, Any]) -> int:
    response = httpx.post(url, json=dict(body), timeout=10.0)
    return response.status_code


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class TestEnv:
    __test__ = False

    project: str
    bootstrap: str
    # where the project's names live (`Project.job_scope`, `Project.name_prefix`): a continuous
    # test's job and violations topic are named by them (None: the project's name, no prefix)
    job_scope: str | None = None
    name_prefix: str = ""
    kafka_properties: Mapping[str, str] = field(default_factory=dict)
    registry_url: str | None = None
    registry: SchemaRegistry | None = None
    flink: FlinkCluster | None = None
    kafka_admin: KafkaAdmin | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    now_ms: Callable[[], int] = _now_ms
    post: Poster = post_json

    def schema_text(self, schema_id: int) -> str:
        """The Avro schema registered under `schema_id` (for Confluent wire-format values)."""
        if not self.registry_url:
            raise ValueError("no schema registry configured to decode Avro values")
        url = f"{self.registry_url.rstrip('/')}/schemas/ids/{schema_id}"
        try:
            response = httpx.get(url, timeout=10.0)
            response.raise_for_status()
            return str(response.json()["schema"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            raise AdapterError(
                "schema-registry",
                f"cannot fetch schema {schema_id} ({type(exc).__name__})",
                url=url,
                status=status,
                transient=isinstance(exc, httpx.TransportError),
            ) from None


def env_from_project(project: Project, environ: Mapping[str, str]) -> TestEnv:
    from streamt.state.systems import kafka_properties, systems_for

    runtime = project.runtime
    systems = systems_for(project, environ)
    kafka = runtime.kafka
    bootstrap = resolve(kafka.bootstrap_servers, environ) if kafka else ""
    registry_url = (
        resolve(runtime.schema_registry.url, environ) if runtime.schema_registry else None
    )
    return TestEnv(
        project=project.name,
        bootstrap=bootstrap,
        job_scope=project.job_scope,
        name_prefix=project.name_prefix,
        kafka_properties=kafka_properties(kafka, environ) if kafka else {},
        registry_url=registry_url,
        registry=systems.registry,
        flink=systems.flink,
        kafka_admin=systems.kafka,
        environ=environ,
    )


def _table(node: CompiledNode, read_committed: bool) -> TargetTable | None:
    if not node.topic:
        return None
    cols = tuple(
        (c.name, c.type.sql(with_nullability=False)) for c in node.columns if not c.proctime
    )
    return TargetTable(node.name, node.topic, cols, read_committed)


def targets_from_compile(compiled: CompileResult, project: Project) -> dict[str, TargetTable]:
    """Name -> table for every source and model with a topic; a model wins over a same-named
    source. The topic of a model whose job writes in transactions is read committed."""
    models = {m.name: m for m in project.models}
    out: dict[str, TargetTable] = {}
    for node in sorted(compiled.nodes.values(), key=lambda n: n.kind != "source"):
        model = models.get(node.name) if node.kind == "model" else None
        committed = model is not None and writes_in_transactions(
            project, model, node.materialization
        )
        table = _table(node, committed)
        if table is not None:
            out[node.name] = table
    return out


def targets_from_project(project: Project) -> dict[str, TargetTable]:
    """Without a compiler: topics and declared columns only (types may be unknown)."""
    out: dict[str, TargetTable] = {}
    for source in project.sources:
        out[source.name] = TargetTable(
            source.name, source.topic, tuple((c.name, _flink_type(c.type)) for c in source.columns)
        )
    for model in project.models:
        out[model.name] = TargetTable(
            model.name,
            project.topic_of(model),
            tuple((c.name, _flink_type(c.type)) for c in model.columns),
        )
    return out


def _flink_type(text: str | None) -> str | None:
    """A declared type re-spelled from its parsed form (it is written into test SQL), or None
    (read as text) when it is not a Flink type: YAML text never reaches the SQL verbatim."""
    if not text:
        return None
    try:
        return parse_type(text).sql(with_nullability=False)
    except TypeSyntaxError:
        return None
