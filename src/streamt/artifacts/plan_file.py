"""`plan.json`: the versioned contract between `streamt plan` and `streamt apply --plan`.

The file is a `streamt.resources.Plan` written as is (sorted keys); reading it back checks
the schema version and validates every change. The JSON Schema in
`schemas/plan.schema.json` is generated from those values (`plan_json_schema()`); a test
fails when the committed copy differs.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from streamt.diagnostics import Diagnostic, Location, StreamtError
from streamt.resources.plan import PLAN_SCHEMA_VERSION, Plan


def plan_to_json(plan: Plan) -> str:
    """Deterministic JSON text (sorted keys, trailing newline)."""
    data = plan.model_dump(mode="json")
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def plan_from_json(text: str, *, source: str = "plan.json") -> Plan:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(source, f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except (ValueError, RecursionError):  # integers past 4,300 digits, nesting past recursion
        raise _bad(source, "not a plan: too deeply nested or a number too long") from None
    if not isinstance(raw, dict):
        raise _bad(source, "expected a JSON object")
    version = raw.get("schema_version")
    if version != PLAN_SCHEMA_VERSION:
        raise _bad(
            source,
            f"schema_version {version!r} is not supported (this streamt writes {PLAN_SCHEMA_VERSION})",
        )
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _bad(source, f"invalid plan file at {where}: {first['msg']}") from None


def plan_json_schema() -> dict[str, object]:
    schema = Plan.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://streamt.dev/schemas/plan.v{PLAN_SCHEMA_VERSION}.json"
    return schema


def _bad(source: str, message: str) -> StreamtError:
    return StreamtError(
        Diagnostic(
            "P010",
            message,
            location=Location(source),
            hint="write a fresh plan with `streamt plan --out plan.json`",
        )
    )
