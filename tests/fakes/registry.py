"""Confluent Schema Registry REST API (docs.confluent.io, Schema Registry API reference) as a model.

What it holds: schemas with global ids (the same type + text under any subject gets the same
id), subjects as lists of versions (soft-deleted ones hidden), compatibility levels (global
BACKWARD, per subject overrides). What it answers, as the registry does:
- `GET /subjects`, `GET /subjects/{s}/versions`, `GET /subjects/{s}/versions/latest`,
  `GET /schemas?latestOnly=true` (`schemaType` left out for AVRO, as the registry does);
- `POST /subjects/{s}/versions` -> `{"id"}`; the same schema again -> its id, no new version;
  unparsable schema -> 422 / 42201; incompatible with the subject's level -> 409;
- `POST /compatibility/subjects/{s}/versions/latest[?verbose=true]` -> `{"is_compatible",
  "messages"}`; unknown subject -> 404 / 40401;
- `DELETE /subjects/{s}` soft (-> versions), `?permanent=true` only after the soft delete
  (else 404 / 40405); a soft-deleted subject answers 404 / 40404 to a second soft delete;
- `GET /config/{s}?defaultToGlobal=false` -> `{"compatibilityLevel"}`, 404 / 40408 without an
  override; `PUT /config/{s}` -> `{"compatibility"}`, an unknown level -> 422 / 42203.

Compatibility of Avro records is this model's own reading of the Avro resolution rules: a reader
field missing in the writer needs a default (READER_FIELD_MISSING_DEFAULT_VALUE); a field in
both needs the writer's type to be readable as the reader's (TYPE_MISMATCH); BACKWARD checks
new-reads-old, FORWARD old-reads-new, FULL both, *_TRANSITIVE against every version. JSON and
PROTOBUF schemas are only checked to parse (JSON) and are always compatible here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from .http import Router, json_body, reply

LEVELS = frozenset(
    {"NONE", "BACKWARD", "FORWARD", "FULL"}
    | {f"{x}_TRANSITIVE" for x in ("BACKWARD", "FORWARD", "FULL")}
)
PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


def _error(status: int, code: int, message: str) -> httpx.Response:
    return reply(status, {"error_code": code, "message": message})


@dataclass
class Version:
    version: int
    schema_id: int
    deleted: bool = False


@dataclass
class Subject:
    versions: list[Version] = field(default_factory=list)
    deleted: bool = False  # soft-deleted as a whole

    def live(self) -> list[Version]:
        return [v for v in self.versions if not v.deleted]


def _avro_problem(schema: Any, named: set[str]) -> str | None:
    """Why `schema` is not valid Avro, or None."""
    if isinstance(schema, str):
        return None if schema in PRIMITIVES or schema in named else f"unknown type {schema!r}"
    if isinstance(schema, list):
        for branch in schema:
            problem = _avro_problem(branch, named)
            if problem:
                return problem
        return None
    if not isinstance(schema, dict) or "type" not in schema:
        return "a schema must be a type name, a union or an object with a type"
    kind = schema["type"]
    if kind == "record":
        if not isinstance(schema.get("name"), str) or not isinstance(schema.get("fields"), list):
            return "a record needs a name and fields"
        named.add(schema["name"])
        for f in schema["fields"]:
            if not isinstance(f, dict) or not isinstance(f.get("name"), str) or "type" not in f:
                return "a field needs a name and a type"
            problem = _avro_problem(f["type"], named)
            if problem:
                return problem
        return None
    if kind in ("array", "map"):
        return _avro_problem(schema.get("items" if kind == "array" else "values"), named)
    if kind in ("enum", "fixed"):
        named.add(str(schema.get("name")))
        return None
    return _avro_problem(kind, named)


def _type_name(schema: Any) -> str:
    if isinstance(schema, dict):
        return (
            str(schema.get("name") or schema["type"])
            if schema["type"] in ("record", "enum", "fixed")
            else str(schema["type"])
        )
    return str(schema)


def _readable(writer: Any, reader: Any) -> bool:
    """Whether data written with `writer` can be read with `reader` (Avro schema resolution)."""
    if isinstance(writer, list):
        return all(_readable(w, reader) for w in writer)
    if isinstance(reader, list):
        return any(_readable(writer, r) for r in reader)
    w, r = _type_name(writer), _type_name(reader)
    if (
        isinstance(writer, dict)
        and isinstance(reader, dict)
        and writer["type"] == reader["type"] == "record"
    ):
        return w == r and not _record_problems(writer, reader)
    if (
        isinstance(writer, dict)
        and isinstance(reader, dict)
        and writer["type"] == reader["type"] == "array"
    ):
        return _readable(writer["items"], reader["items"])
    if (
        isinstance(writer, dict)
        and isinstance(reader, dict)
        and writer["type"] == reader["type"] == "map"
    ):
        return _readable(writer["values"], reader["values"])
    return w == r or r in PROMOTIONS.get(w, set())


def _record_problems(writer: dict[str, Any], reader: dict[str, Any]) -> list[str]:
    written = {f["name"]: f for f in writer.get("fields", [])}
    problems = []
    for i, f in enumerate(reader.get("fields", [])):
        name = f["name"]
        if name not in written:
            if "default" not in f:
                problems.append(
                    f"{{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field "
                    f"'{name}' at path '/fields/{i}' in the new schema has no default value and is "
                    f"missing in the old schema', additionalInfo:'{name}'}}"
                )
        elif not _readable(written[name]["type"], f["type"]):
            problems.append(
                f"{{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/{i}/type') of "
                f"a field in the new schema does not match with the old schema', "
                f"additionalInfo:'reader type: {_type_name(f['type'])} not compatible with writer "
                f"type: {_type_name(written[name]['type'])}'}}"
            )
    return problems


def _resolution_problems(writer: Any, reader: Any) -> list[str]:
    if (
        isinstance(writer, dict)
        and isinstance(reader, dict)
        and writer.get("type") == reader.get("type") == "record"
    ):
        if writer.get("name") != reader.get("name"):
            return [
                f"{{errorType:'NAME_MISMATCH', description:'The name of the schema has changed', additionalInfo:'expected: {writer.get('name')}'}}"
            ]
        return _record_problems(writer, reader)
    if _readable(writer, reader):
        return []
    return [
        f"{{errorType:'TYPE_MISMATCH', description:'The type of the schema has changed', additionalInfo:'reader type: {_type_name(reader)} not compatible with writer type: {_type_name(writer)}'}}"
    ]


class RegistryServer:
    def __init__(self) -> None:
        self.schemas: list[tuple[str, str]] = []  # id - 1 -> (schemaType, schema text)
        self.subjects: dict[str, Subject] = {}
        self.global_level = "BACKWARD"
        self.levels: dict[str, str] = {}
        self.router = Router()
        r = self.router
        r.add("GET", "/subjects", self._list_subjects)
        r.add("GET", "/schemas", self._list_schemas)
        r.add("GET", "/schemas/ids/{sid}", self._schema_by_id)
        r.add("GET", "/subjects/{s}/versions", self._versions)
        r.add("GET", "/subjects/{s}/versions/{v}", self._version)
        r.add("POST", "/subjects/{s}/versions", self._register)
        r.add("POST", "/compatibility/subjects/{s}/versions/{v}", self._compatibility)
        r.add("DELETE", "/subjects/{s}", self._delete)
        r.add("GET", "/config/{s}", self._get_config)
        r.add("PUT", "/config/{s}", self._put_config)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.router.dispatch(
            request, lambda what: _error(404, 404, f"HTTP 404 Not Found: {what}")
        )

    # ------------------------------------------------------------ model

    def latest(self, subject: str) -> tuple[int, str, str] | None:
        """(version, type, schema) of the subject's latest live version."""
        s = self.subjects.get(subject)
        live = s.live() if s and not s.deleted else []
        if not live:
            return None
        schema_type, text = self.schemas[live[-1].schema_id - 1]
        return live[-1].version, schema_type, text

    def _live(self, subject: str) -> Subject | None:
        s = self.subjects.get(subject)
        return s if s is not None and not s.deleted and s.live() else None

    def _item(self, subject: str, v: Version) -> dict[str, object]:
        schema_type, text = self.schemas[v.schema_id - 1]
        item: dict[str, object] = {
            "subject": subject,
            "version": v.version,
            "id": v.schema_id,
            "schema": text,
        }
        if schema_type != "AVRO":
            item["schemaType"] = schema_type
        return item

    def _level(self, subject: str) -> str:
        return self.levels.get(subject, self.global_level)

    def _problems(self, subject: str, schema_type: str, text: str) -> list[str]:
        s = self._live(subject)
        if s is None or schema_type != "AVRO":
            return []
        level = self._level(subject)
        if level == "NONE":
            return []
        versions = s.live() if level.endswith("_TRANSITIVE") else s.live()[-1:]
        new = json.loads(text)
        problems: list[str] = []
        for v in versions:
            old_type, old_text = self.schemas[v.schema_id - 1]
            if old_type != schema_type:
                problems.append(
                    f"Incompatible because of different schema type: {old_type} vs {schema_type}"
                )
                continue
            old = json.loads(old_text)
            if level.startswith(("BACKWARD", "FULL")):
                problems += _resolution_problems(old, new)
            if level.startswith(("FORWARD", "FULL")):
                problems += _resolution_problems(new, old)
        return problems

    @staticmethod
    def _parse(body: Any) -> tuple[str, str] | str:
        """(type, text) of a registration body, or why it is invalid."""
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            return "the request needs a schema string"
        schema_type = body.get("schemaType", "AVRO")
        if schema_type not in ("AVRO", "JSON", "PROTOBUF"):
            return f"Invalid schema type {schema_type}"
        text = body["schema"]
        if schema_type == "PROTOBUF":
            return (
                (schema_type, text)
                if "syntax" in text or "message" in text
                else "Invalid schema: not a .proto"
            )
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            return f"Invalid schema {text[:40]}, details: {exc}"
        if schema_type == "AVRO":
            problem = _avro_problem(parsed, set())
            if problem:
                return f"Invalid schema {text[:40]}, details: {problem}"
        elif not isinstance(parsed, (dict, bool)):
            return "Invalid schema: a JSON schema is an object or a boolean"
        return schema_type, text

    def _schema_in(self, request: httpx.Request) -> tuple[str, str] | httpx.Response:
        """(type, text) of the schema a request carries, or the registry's refusal."""
        try:
            parsed = self._parse(json_body(request))
        except ValueError:
            return _error(400, 400, "Unrecognized request body")
        return _error(422, 42201, parsed) if isinstance(parsed, str) else parsed

    # ------------------------------------------------------------ routes

    def _list_subjects(self, request: httpx.Request) -> httpx.Response:
        return reply(200, sorted(name for name in self.subjects if self._live(name)))

    def _list_schemas(self, request: httpx.Request) -> httpx.Response:
        latest_only = request.url.params.get("latestOnly") == "true"
        items = []
        for name in sorted(self.subjects):
            s = self._live(name)
            if s is None:
                continue
            for v in s.live()[-1:] if latest_only else s.live():
                items.append(self._item(name, v))
        return reply(200, items)

    def _schema_by_id(self, request: httpx.Request, sid: str) -> httpx.Response:
        if not sid.isdigit() or not 0 < int(sid) <= len(self.schemas):
            return _error(404, 40403, "Schema not found")
        schema_type, text = self.schemas[int(sid) - 1]
        body: dict[str, object] = {"schema": text}
        if schema_type != "AVRO":
            body["schemaType"] = schema_type
        return reply(200, body)

    def _versions(self, request: httpx.Request, s: str) -> httpx.Response:
        subject = self._live(s)
        if subject is None:
            return _error(404, 40401, f"Subject '{s}' not found.")
        return reply(200, [v.version for v in subject.live()])

    def _version(self, request: httpx.Request, s: str, v: str) -> httpx.Response:
        subject = self._live(s)
        if subject is None:
            return _error(404, 40401, f"Subject '{s}' not found.")
        live = subject.live()
        found = live[-1] if v == "latest" else next((x for x in live if str(x.version) == v), None)
        if found is None:
            return _error(404, 40402, f"Version {v} not found.")
        return reply(200, self._item(s, found))

    def _register(self, request: httpx.Request, s: str) -> httpx.Response:
        parsed = self._schema_in(request)
        if isinstance(parsed, httpx.Response):
            return parsed
        schema_type, text = parsed
        subject = self.subjects.setdefault(s, Subject())
        known = next((i + 1 for i, x in enumerate(self.schemas) if x == parsed), None)
        if not subject.deleted and known and any(v.schema_id == known for v in subject.live()):
            return reply(200, {"id": known})
        problems = self._problems(s, schema_type, text)
        if problems:
            return _error(
                409,
                409,
                f'Schema being registered is incompatible with an earlier schema for subject "{s}", details: [{", ".join(problems)}]',
            )
        if known is None:
            self.schemas.append(parsed)
            known = len(self.schemas)
        if subject.deleted:  # registering again revives a soft-deleted subject
            subject.deleted = False
            for v in subject.versions:
                v.deleted = True
        number = max((v.version for v in subject.versions), default=0) + 1
        subject.versions.append(Version(number, known))
        return reply(200, {"id": known})

    def _compatibility(self, request: httpx.Request, s: str, v: str) -> httpx.Response:
        if self._live(s) is None:
            return _error(404, 40401, f"Subject '{s}' not found.")
        parsed = self._schema_in(request)
        if isinstance(parsed, httpx.Response):
            return parsed
        problems = self._problems(s, *parsed)
        body: dict[str, object] = {"is_compatible": not problems}
        if request.url.params.get("verbose") == "true":
            body["messages"] = (
                [
                    *problems,
                    "{oldSchemaVersion: latest}",
                    f"{{compatibility: '{self._level(s)}'}}",
                ]
                if problems
                else []
            )
        return reply(200, body)

    def _delete(self, request: httpx.Request, s: str) -> httpx.Response:
        subject = self.subjects.get(s)
        if subject is None or not subject.versions:
            return _error(404, 40401, f"Subject '{s}' not found.")
        versions = [v.version for v in subject.versions if not v.deleted] or [
            v.version for v in subject.versions
        ]
        if request.url.params.get("permanent") == "true":
            if not subject.deleted:
                return _error(
                    404,
                    40405,
                    f"Subject '{s}' was not deleted first before being permanently deleted",
                )
            del self.subjects[s]
            return reply(200, versions)
        if subject.deleted:
            return _error(
                404,
                40404,
                f"Subject '{s}' was soft deleted.Set permanent=true to delete permanently",
            )
        subject.deleted = True
        return reply(200, versions)

    def _get_config(self, request: httpx.Request, s: str) -> httpx.Response:
        if s in self.levels:
            return reply(200, {"compatibilityLevel": self.levels[s]})
        if request.url.params.get("defaultToGlobal") == "true":
            return reply(200, {"compatibilityLevel": self.global_level})
        return _error(
            404, 40408, f"Subject '{s}' does not have subject-level compatibility configured"
        )

    def _put_config(self, request: httpx.Request, s: str) -> httpx.Response:
        body = json_body(request)
        level = body.get("compatibility") if isinstance(body, dict) else None
        if level not in LEVELS:
            return _error(
                422,
                42203,
                "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive",
            )
        self.levels[s] = str(level)
        return reply(200, {"compatibility": level})
