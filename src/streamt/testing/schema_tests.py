"""Schema tests: not_null and accepted_types judged against schemas, without reading data.

Statically against the compiled output schema (columns exist, compiled types fit), and, when a
Schema Registry is configured, against the latest registered value schema of the target's topic
(`<topic>-value`, Avro or JSON Schema): the columns exist, a not_null column is not nullable
there, types fit. A configured registry that cannot be asked makes the test an ERROR (exit 5
when unreachable), never a pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from streamt.adapters.protocols import AdapterError
from streamt.testing.assertions import AcceptedTypes, NotNull, TypeName
from streamt.testing.continuous_sql import TargetTable
from streamt.testing.env import TestEnv
from streamt.testing.records import Outcome
from streamt.testing.results import Status, TestResult
from streamt.testing.spec import ParsedTest

Field = tuple[bool, frozenset[TypeName]]  # (nullable, types the field's values can have)

_FLINK: dict[str, frozenset[TypeName]] = {
    **dict.fromkeys(("STRING", "VARCHAR", "CHAR"), frozenset({TypeName.STRING})),
    **dict.fromkeys(
        ("TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"),
        frozenset({TypeName.INTEGER, TypeName.NUMBER}),
    ),
    **dict.fromkeys(
        ("FLOAT", "DOUBLE", "DECIMAL", "NUMERIC", "REAL"), frozenset({TypeName.NUMBER})
    ),
    "BOOLEAN": frozenset({TypeName.BOOLEAN}),
    **dict.fromkeys(("TIMESTAMP", "TIMESTAMP_LTZ"), frozenset({TypeName.TIMESTAMP})),
    "DATE": frozenset({TypeName.DATE}),
    "TIME": frozenset({TypeName.TIME}),
    **dict.fromkeys(("ARRAY", "MULTISET"), frozenset({TypeName.ARRAY})),
    **dict.fromkeys(("ROW", "MAP"), frozenset({TypeName.OBJECT})),
}


def flink_types(sql_type: str) -> frozenset[TypeName]:
    base = sql_type.strip().upper().split("(")[0].split("<")[0].split(" ")[0]
    return _FLINK.get(base, frozenset())


def run_schema_test(
    spec: ParsedTest, target: TargetTable | None, env: TestEnv | None
) -> TestResult:
    if target is None:
        return TestResult(
            spec.name,
            "schema",
            spec.target,
            Status.ERROR,
            f"'{spec.target}' has no topic or schema",
        )
    compiled: dict[str, Field] = {
        c: (True, flink_types(t) if t else frozenset()) for c, t in target.columns
    }
    outcomes = [
        _judge(a.label, a.spec, compiled, "compiled schema", False) for a in spec.assertions
    ]
    note = ""
    try:
        registered, why = registered_fields(env, target.topic) if env is not None else (None, "")
    except AdapterError as exc:  # never a pass: the registered schema was not checked
        return TestResult(
            spec.name,
            "schema",
            spec.target,
            Status.ERROR,
            f"the registered schema could not be checked: {exc}",
            tuple(outcomes),
            unreachable=exc.unreachable,
        )
    if registered is not None:
        outcomes += [
            _judge(a.label + "@registry", a.spec, registered, "registered schema", True)
            for a in spec.assertions
        ]
    elif why:
        note = f" ({why})"
    failed = [o for o in outcomes if not o.passed]
    status = Status.FAIL if failed else Status.PASS
    checked = "compiled and registered schemas" if registered is not None else "compiled schema"
    message = (
        f"{len(failed)} of {len(outcomes)} checks failed"
        if failed
        else f"{checked} satisfy {len(spec.assertions)} assertions"
    )
    return TestResult(spec.name, "schema", spec.target, status, message + note, tuple(outcomes))


def _judge(
    label: str, spec: object, fields: Mapping[str, Field], where: str, check_null: bool
) -> Outcome:
    problems: list[str] = []
    if isinstance(spec, NotNull):
        for col in spec.columns:
            if col not in fields:
                problems.append(f"{col} is not in the {where}")
            elif check_null and fields[col][0]:
                problems.append(f"{col} is nullable in the {where}")
    elif isinstance(spec, AcceptedTypes):
        for col, wanted in spec.types:
            if col not in fields:
                problems.append(f"{col} is not in the {where}")
            elif fields[col][1] and wanted not in fields[col][1]:
                have = "/".join(sorted(t.value for t in fields[col][1]))
                problems.append(f"{col} is {have} in the {where}, not {wanted.value}")
    if problems:
        return Outcome(label, False, "; ".join(problems), len(fields), len(problems))
    return Outcome(label, True, f"ok against the {where}", len(fields))


def registered_fields(env: TestEnv, topic: str) -> tuple[dict[str, Field] | None, str]:
    if env.registry is None:
        return None, ""
    subject = f"{topic}-value"
    found = [s for s in env.registry.list_subjects() if s.subject == subject]
    if not found:
        return None, f"no subject {subject} registered"
    state = found[0]
    try:
        doc = json.loads(state.schema)
    except (ValueError, RecursionError):
        return None, f"subject {subject} is {state.schema_type}, not checked"
    if state.schema_type.upper() == "JSON":
        return _json_fields(doc), ""
    return _avro_fields(doc), ""


def _avro_fields(doc: Any) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in doc.get("fields", []) if isinstance(doc, dict) else []:
        branches = f["type"] if isinstance(f.get("type"), list) else [f.get("type")]
        nullable = "null" in branches
        types: set[TypeName] = set()
        for b in branches:
            types |= _avro_type(b)
        out[str(f["name"])] = (nullable, frozenset(types))
    return out


def _avro_type(t: Any) -> set[TypeName]:
    if isinstance(t, dict):
        logical = t.get("logicalType")
        if logical in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis"):
            return {TypeName.TIMESTAMP}
        if logical == "date":
            return {TypeName.DATE}
        t = t.get("type")
        if t == "array":
            return {TypeName.ARRAY}
        if t in ("record", "map"):
            return {TypeName.OBJECT}
        if t == "enum":
            return {TypeName.STRING}
    return {
        "string": {TypeName.STRING},
        "int": {TypeName.INTEGER, TypeName.NUMBER},
        "long": {TypeName.INTEGER, TypeName.NUMBER},
        "float": {TypeName.NUMBER},
        "double": {TypeName.NUMBER},
        "boolean": {TypeName.BOOLEAN},
    }.get(str(t), set())


def _json_fields(doc: Any) -> dict[str, Field]:
    props = doc.get("properties", {}) if isinstance(doc, dict) else {}
    required = set(doc.get("required", [])) if isinstance(doc, dict) else set()
    out: dict[str, Field] = {}
    for name, prop in props.items():
        kinds = prop.get("type", []) if isinstance(prop, dict) else []
        kinds = kinds if isinstance(kinds, list) else [kinds]
        types: set[TypeName] = set()
        for k in kinds:
            types |= {
                "string": {TypeName.STRING}
                | ({TypeName.TIMESTAMP} if prop.get("format") == "date-time" else set()),
                "integer": {TypeName.INTEGER, TypeName.NUMBER},
                "number": {TypeName.NUMBER},
                "boolean": {TypeName.BOOLEAN},
                "array": {TypeName.ARRAY},
                "object": {TypeName.OBJECT},
            }.get(str(k), set())
        out[str(name)] = ("null" in kinds or name not in required, frozenset(types))
    return out
