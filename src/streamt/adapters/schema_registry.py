"""Schema Registry adapter (Confluent REST API, or a registry speaking it, e.g. Apicurio ccompat).

Listing uses `GET /schemas?latestOnly=true` (one call) when the registry supports it and falls
back to `GET /subjects` + `GET /subjects/{s}/versions/latest` per subject otherwise; the mode
found is remembered in `listing_mode`. Subject names are URL-encoded. Basic auth and TLS come
from the injected httpx client (see `http.http_client`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from urllib.parse import quote

import httpx

from streamt.adapters._json import Shape
from streamt.adapters.http import HttpApi, Reply, RetryPolicy
from streamt.adapters.protocols import AdapterError
from streamt.resources import SubjectState

SYSTEM = "schema-registry"
SUBJECT_NOT_FOUND = 40401
VERSION_NOT_FOUND = 40402


class ListingMode(str, enum.Enum):
    UNKNOWN = "unknown"
    LATEST_ONLY = "GET /schemas?latestOnly=true"
    PER_SUBJECT = "GET /subjects + GET /subjects/{s}/versions/latest"


def _subject_path(subject: str) -> str:
    return "/subjects/" + quote(subject, safe="")


def _error_code(reply: Reply) -> int | None:
    try:
        body = reply.json()
    except AdapterError:
        return None
    code = body.get("error_code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


class SchemaRegistryClient:
    """`SchemaRegistry` over the Confluent REST API."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        listing_mode: ListingMode = ListingMode.UNKNOWN,
    ) -> None:
        self.api = HttpApi(SYSTEM, client, retry=retry)
        self.listing_mode = listing_mode  # preset it to skip the probe when the registry is known

    @property
    def calls(self) -> int:
        return self.api.calls

    # ------------------------------------------------------------ listing

    def list_subjects(self) -> Sequence[SubjectState]:
        if self.listing_mode is not ListingMode.PER_SUBJECT:
            found = self._list_latest_only()
            if found is not None:
                self.listing_mode = ListingMode.LATEST_ONLY
                return found
            self.listing_mode = ListingMode.PER_SUBJECT
        return self._list_per_subject()

    def _list_latest_only(self) -> list[SubjectState] | None:
        """None when the registry lacks `/schemas?latestOnly=true`."""
        reply = self.api.request(
            "GET", "/schemas", params={"latestOnly": "true"}, ok=(200,), allow=(404, 405)
        )
        if reply.status != 200:
            return None
        shape = Shape(SYSTEM, reply.url)
        items = [shape.obj(item, "schema") for item in shape.arr(reply.json(), "schemas")]
        if any("subject" not in item or "version" not in item for item in items):
            return None
        latest: dict[str, SubjectState] = {}
        for item in items:
            state = self._state(shape, item, shape.str_(item, "subject"))
            if state.subject not in latest or latest[state.subject].version < state.version:
                latest[state.subject] = state
        return sorted(latest.values(), key=lambda s: s.subject)

    def _list_per_subject(self) -> list[SubjectState]:
        states = [s for s in map(self.latest, self.subject_names()) if s is not None]
        return sorted(states, key=lambda s: s.subject)

    def subject_names(self) -> list[str]:
        """`GET /subjects`: every subject's name (one request)."""
        reply = self.api.request("GET", "/subjects", ok=(200,))
        shape = Shape(SYSTEM, reply.url)
        names = shape.arr(reply.json(), "subjects")
        for name in names:
            if not isinstance(name, str):
                raise shape.fail("expected subject names", name)
        return [str(n) for n in names]

    def latest(self, subject: str) -> SubjectState | None:
        """The subject's latest version; None when it does not exist (or was just deleted)."""
        reply = self.api.request("GET", f"{_subject_path(subject)}/versions/latest", allow=(404,))
        if reply.status == 404:
            return None
        shape = Shape(SYSTEM, reply.url)
        return self._state(shape, shape.obj(reply.json()), subject)

    @staticmethod
    def _state(shape: Shape, item: object, subject: str) -> SubjectState:
        data = shape.obj(item, "schema version")
        return SubjectState(
            subject=subject,
            version=shape.int_(data, "version"),
            schema_id=shape.int_(data, "id"),
            schema_type=shape.opt_str(data, "schemaType", "AVRO"),
            schema=shape.str_(data, "schema"),
        )

    # ------------------------------------------------------------ changes

    def check_compatibility(
        self, subject: str, schema_type: str, schema: str
    ) -> tuple[bool, list[str]]:
        reply = self.api.request(
            "POST",
            f"/compatibility{_subject_path(subject)}/versions/latest",
            params={"verbose": "true"},
            json_body=self._payload(schema_type, schema),
            ok=(200,),
            allow=(404,),
        )
        if reply.status == 404 and _error_code(reply) in (
            SUBJECT_NOT_FOUND,
            VERSION_NOT_FOUND,
            None,
        ):
            return True, []  # nothing registered yet: anything is compatible
        shape = Shape(SYSTEM, reply.url)
        body = shape.obj(reply.json())
        compatible = body.get("is_compatible")
        if not isinstance(compatible, bool):
            raise shape.fail("expected boolean 'is_compatible'", dict(body))
        found = body.get("messages")
        messages = [str(m) for m in found] if isinstance(found, list) else []
        if not compatible and not messages:  # e.g. Apicurio answers only {"is_compatible": false}
            messages = [f"not compatible with the latest version of {subject} (no details given)"]
        return compatible, messages

    def register(self, subject: str, schema_type: str, schema: str) -> int:
        reply = self.api.request(
            "POST",
            f"{_subject_path(subject)}/versions",
            json_body=self._payload(schema_type, schema),
            ok=(200,),
        )
        shape = Shape(SYSTEM, reply.url)
        return shape.int_(shape.obj(reply.json()), "id")

    def schema_text(self, schema_id: int) -> str:
        """The schema registered under `schema_id` (GET /schemas/ids/{id})."""
        reply = self.api.request("GET", f"/schemas/ids/{int(schema_id)}", ok=(200,))
        shape = Shape(SYSTEM, reply.url)
        return shape.str_(shape.obj(reply.json()), "schema")

    def delete_subject(self, subject: str, *, permanent: bool = False) -> None:
        path = _subject_path(subject)
        self.api.request("DELETE", path, ok=(200,), allow=(404,))
        if permanent:
            self.api.request("DELETE", path, params={"permanent": "true"}, ok=(200,), allow=(404,))

    def get_compatibility(self, subject: str) -> str | None:
        reply = self.api.request(
            "GET",
            "/config/" + quote(subject, safe=""),
            params={"defaultToGlobal": "false"},
            allow=(404,),
        )
        if reply.status == 404:
            return None
        shape = Shape(SYSTEM, reply.url)
        body = shape.obj(reply.json())
        level = body.get("compatibilityLevel", body.get("compatibility"))
        return level if isinstance(level, str) else None

    def set_compatibility(self, subject: str, level: str) -> None:
        self.api.request(
            "PUT",
            "/config/" + quote(subject, safe=""),
            json_body={"compatibility": level},
            ok=(200,),
        )

    @staticmethod
    def _payload(schema_type: str, schema: str) -> dict[str, str]:
        return {"schema": schema, "schemaType": schema_type.upper()}
