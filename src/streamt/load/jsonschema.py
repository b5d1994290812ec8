"""JSON Schema of `stream_project.yml`, generated from the project model (editor completion).

The committed copy is `streamt/load/project.schema.json`; a unit test fails when it differs
from what the code generates. Regenerate with:

    .venv/bin/python -m streamt.load.jsonschema > src/streamt/load/project.schema.json

Point an editor at it, e.g. `# yaml-language-server: $schema=<path>/project.schema.json`.
Node files under `sources/ models/ tests/ exposures/` use the same list sections.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ConfigDict, Field

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


class ProjectFile(Declared):
    """The keys of `stream_project.yml` (only `project` is required)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="stream_project.yml")

    project: ProjectInfo
    runtime: RuntimeConfig | None = Field(
        default=None, description="omit to use the local stack (streamt local up)"
    )
    defaults: Defaults | None = None
    rules: Rules | None = None
    sources: tuple[Source, ...] = ()
    models: tuple[Model, ...] = ()
    tests: tuple[DataTest, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    functions: tuple[UserFunction, ...] = ()


def project_json_schema() -> dict[str, Any]:
    schema = ProjectFile.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render() -> str:
    return json.dumps(project_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
