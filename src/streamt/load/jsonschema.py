"""JSON Schema of `stream_project.yml`, generated from the project model (editor completion).

The committed copies are `streamt/load/<kind>.schema.json` for `project`
(stream_project.yml), `environment` (environments/*.yml) and `nodes` (the YAML files under
sources/ models/ tests/ exposures/), printed by `streamt schema [--environment | --nodes]`; a
unit test fails when they differ from what the code generates. Regenerate with:

    for k in project environment nodes; do
      .venv/bin/python -m streamt.load.jsonschema $k > src/streamt/load/$k.schema.json; done

Point an editor at one, e.g. `# yaml-language-server: $schema=<path>/project.schema.json`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ConfigDict, Field

from streamt.config.environments import EnvironmentConfig
from streamt.config.runtime import Declared, RuntimeConfig
from streamt.load.model import (
    DataTest,
    Defaults,
    Exposure,
    Model,
    ProjectInfo,
    Rules,
    Source,
    UserFunction,
)

SCHEMA_ID = "https://streamt.dev/schemas/stream_project.json"
ENVIRONMENT_SCHEMA_ID = "https://streamt.dev/schemas/environment.json"
NODES_SCHEMA_ID = "https://streamt.dev/schemas/nodes.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
NODE_SECTIONS = {
    "sources": "Source",
    "models": "Model",
    "tests": "DataTest",
    "exposures": "Exposure",
    "functions": "UserFunction",
}


class ProjectFile(Declared):
    """The keys of `stream_project.yml` (only `project` is required)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="stream_project.yml")

    project: ProjectInfo = Field(
        description="the project's name, version, description and name prefix",
        examples=[{"name": "payments", "prefix": "pay."}],
    )
    runtime: RuntimeConfig | None = Field(
        default=None,
        description="omit to use the local stack (streamt local up)",
        examples=[{"kafka": {"bootstrap_servers": "${KAFKA_BOOTSTRAP}"}}],
    )
    defaults: Defaults | None = Field(
        default=None,
        description="defaults for topics, sources, models and tests",
        examples=[{"topic": {"replication_factor": 3}}],
    )
    rules: Rules | None = Field(
        default=None,
        description="governance rules checked by validate",
        examples=[{"models": {"require_owner": True}}],
    )
    sources: tuple[Source, ...] = Field(
        default=(),
        description="the Kafka topics the project reads",
        examples=[[{"name": "orders", "topic": "orders.v1"}]],
    )
    models: tuple[Model, ...] = Field(
        default=(),
        description="the SQL models (Flink jobs, topics, virtual topics, sinks)",
        examples=[
            [
                {
                    "name": "big_orders",
                    "sql": "SELECT * FROM {{ source('orders') }} WHERE amount > 100",
                }
            ]
        ],
    )
    tests: tuple[DataTest, ...] = Field(
        default=(),
        description="the data tests",
        examples=[
            [
                {
                    "name": "orders_valid",
                    "model": "big_orders",
                    "type": "schema",
                    "assertions": [{"not_null": {"columns": ["id"]}}],
                }
            ]
        ],
    )
    exposures: tuple[Exposure, ...] = Field(
        default=(),
        description="who reads or writes the data outside the project",
        examples=[
            [{"name": "dashboard", "type": "dashboard", "depends_on": [{"ref": "big_orders"}]}]
        ],
    )
    functions: tuple[UserFunction, ...] = Field(
        default=(),
        description="user-defined functions models may call",
        examples=[
            [
                {
                    "name": "fraud_score",
                    "class": "com.acme.udf.FraudScore",
                    "jar": "lib/udfs.jar",
                    "returns": "DOUBLE",
                }
            ]
        ],
    )


def project_json_schema() -> dict[str, Any]:
    schema = ProjectFile.model_json_schema(by_alias=True)
    return {"$schema": DRAFT, "$id": SCHEMA_ID, **schema}


def environment_json_schema() -> dict[str, Any]:
    """`environments/<env>.yml`: its own keys (`environment`, `safety`), then what it overlays
    on the project (`load/overlay.py`): the header sections merged key by key, so any key may be
    left out, and node patches matched by `name` (the one key they need; `sql` and `name` are
    never changed by a patch, so a patch has no `sql`)."""
    project = project_json_schema()
    own = EnvironmentConfig.model_json_schema(by_alias=True)
    whole = _list_items(project["$defs"])  # a list replaces the project's: its items are whole
    defs = {name: d if name in whole else _optional_keys(d) for name, d in project["$defs"].items()}
    for node in NODE_SECTIONS.values():
        patch = dict(defs[node], required=["name"], title=f"{node} patch")
        patch["properties"] = {k: v for k, v in patch["properties"].items() if k != "sql"}
        defs[f"{node}Patch"] = patch
    defs.update(own.get("$defs", {}))
    properties = {
        **own["properties"],
        **{k: v for k, v in project["properties"].items() if k not in NODE_SECTIONS},
        **{
            section: {
                "description": f"patches of the project's {section}, matched by name",
                "examples": [[{"name": f"my_{section[:-1]}", "description": "changed here"}]],
                "items": {"$ref": f"#/$defs/{node}Patch"},
                "type": "array",
            }
            for section, node in NODE_SECTIONS.items()
        },
    }
    return {
        "$schema": DRAFT,
        "$id": ENVIRONMENT_SCHEMA_ID,
        "$defs": defs,
        "additionalProperties": False,
        "description": own.get("description", ""),
        "properties": properties,
        "title": "environments/<env>.yml",
        "type": "object",
    }


def nodes_json_schema() -> dict[str, Any]:
    """A node file under `sources/ models/ tests/ exposures/`: the project's list sections only,
    none required (`version:`, dbt's file marker, is accepted and ignored)."""
    project = project_json_schema()
    properties = {k: v for k, v in project["properties"].items() if k in NODE_SECTIONS}
    properties["version"] = {
        "description": "ignored (dbt writes it at the top of its YAML files)",
        "examples": [2],
    }
    return {
        "$schema": DRAFT,
        "$id": NODES_SCHEMA_ID,
        "$defs": project["$defs"],
        "additionalProperties": False,
        "description": "a YAML file under sources/, models/, tests/ or exposures/",
        "properties": properties,
        "title": "streamt node file",
        "type": "object",
    }


def _optional_keys(definition: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in definition.items() if k != "required"}


def _list_items(defs: dict[str, Any]) -> set[str]:
    """The definitions reached through a list (`items`) inside another definition, and the
    definitions those reach."""
    found: set[str] = set()
    todo: list[tuple[object, bool]] = [(d, False) for d in defs.values()]
    while todo:
        node, in_items = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            name = ref.rpartition("/")[2] if isinstance(ref, str) else ""
            if in_items and name and name not in found:
                found.add(name)
                todo.append((defs[name], True))
            todo.extend((v, in_items or k == "items") for k, v in node.items())
        elif isinstance(node, list):
            todo.extend((v, in_items) for v in node)
    return found


SCHEMAS = {
    "project": project_json_schema,
    "environment": environment_json_schema,
    "nodes": nodes_json_schema,
}  # kind -> the schema, committed as src/streamt/load/<kind>.schema.json


def render(kind: str = "project") -> str:
    return json.dumps(SCHEMAS[kind](), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(render(sys.argv[1] if len(sys.argv) > 1 else "project"), end="")
