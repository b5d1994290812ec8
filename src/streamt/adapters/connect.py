"""Kafka Connect adapter (Connect REST API).

`list_connectors` is one call (`GET /connectors?expand=status&expand=info`); `put_connector` is
the idempotent `PUT /connectors/{name}/config` (creates or updates). Connector names are
URL-encoded. Basic auth / TLS come from the injected httpx client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

import httpx

from streamt.adapters._json import Shape
from streamt.adapters.http import HttpApi, RetryPolicy
from streamt.resources import ConnectorState

SYSTEM = "kafka-connect"


def _path(name: str, suffix: str = "") -> str:
    return "/connectors/" + quote(name, safe="") + suffix


def _task_id(task: Mapping[str, object]) -> int:
    value = task.get("id")
    return value if isinstance(value, int) else 0


def _first_line(trace: object) -> str:
    return trace.strip().splitlines()[0] if isinstance(trace, str) and trace.strip() else ""


class ConnectClient:
    """`KafkaConnect` over the Connect REST API."""

    def __init__(self, client: httpx.Client, *, retry: RetryPolicy | None = None) -> None:
        self.api = HttpApi(SYSTEM, client, retry=retry)

    @property
    def calls(self) -> int:
        return self.api.calls

    def list_connectors(self) -> Sequence[ConnectorState]:
        reply = self.api.request(
            "GET", "/connectors", params={"expand": ["status", "info"]}, ok=(200,)
        )
        shape = Shape(SYSTEM, reply.url)
        body = shape.obj(reply.json(), "connectors")
        return [self._state(shape, name, entry) for name, entry in sorted(body.items())]

    @staticmethod
    def _state(shape: Shape, name: str, entry: object) -> ConnectorState:
        data = shape.obj(entry, f"connector {name!r}")
        info = shape.obj(data.get("info", {}), "info")
        status = shape.obj(data.get("status", {}), "status")
        connector = shape.obj(status.get("connector", {}), "status.connector")
        tasks = [shape.obj(t, "task status") for t in shape.arr(status.get("tasks", []), "tasks")]
        tasks.sort(key=_task_id)
        errors = [_first_line(connector.get("trace"))] + [
            _first_line(t.get("trace")) for t in tasks
        ]
        return ConnectorState(
            name=name,
            config=shape.str_map(info.get("config", {}), "info.config"),
            state=shape.opt_str(connector, "state", "UNKNOWN"),
            tasks=tuple(shape.opt_str(t, "state", "UNKNOWN") for t in tasks),
            type=shape.opt_str(info, "type", shape.opt_str(status, "type")),
            errors=tuple(e for e in errors if e),
        )

    def put_connector(self, name: str, config: Mapping[str, str]) -> None:
        self.api.request("PUT", _path(name, "/config"), json_body=dict(config), ok=(200, 201))

    def delete_connector(self, name: str) -> None:
        self.api.request("DELETE", _path(name), ok=(200, 204), allow=(404,))

    def pause_connector(self, name: str) -> None:
        self.api.request("PUT", _path(name, "/pause"), ok=(202,))

    def resume_connector(self, name: str) -> None:
        self.api.request("PUT", _path(name, "/resume"), ok=(202,))

    def validate_connector(self, name: str, config: Mapping[str, str]) -> list[str]:
        """Connect's own check of a config (`PUT /connector-plugins/{class}/config/validate`):
        `["key: message", ...]`, [] when valid. An unknown plugin class is one error, not a raise."""
        plugin = config.get("connector.class", "")
        if not plugin:
            return ["connector.class: missing"]
        path = f"/connector-plugins/{quote(plugin, safe='')}/config/validate"
        body_in = {"name": name, **config}  # Connect requires the name in the validated config
        reply = self.api.request("PUT", path, json_body=body_in, ok=(200,), allow=(400, 404, 500))
        shape = Shape(SYSTEM, reply.url)
        body = shape.obj(reply.json(), "validation")
        if reply.status != 200:
            message = shape.opt_str(body, "message", reply.text[:300])
            return [f"connector.class: {message.split(', available connectors are:')[0]}"]
        errors = []
        for item in shape.arr(body.get("configs", []), "configs"):
            value = shape.obj(shape.obj(item, "config").get("value", {}), "config value")
            for error in shape.arr(value.get("errors", []), "errors"):
                errors.append(f"{shape.opt_str(value, 'name', '?')}: {error}")
        return errors

    def restart_connector(self, name: str, *, only_failed: bool = False) -> None:
        params = {"includeTasks": "true", "onlyFailed": "true" if only_failed else "false"}
        self.api.request("POST", _path(name, "/restart"), params=params, ok=(200, 202, 204))
