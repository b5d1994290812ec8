"""Kafka Connect REST API (kafka.apache.org/documentation/#connect_rest) as a model.

What it holds: connectors (config, connector state, task states, traces) and the installed
plugins with the keys each requires. What it answers, as Connect does:
- `GET /connectors` -> names; with `?expand=status` / `?expand=info` -> `{name: {status, info}}`;
- `PUT /connectors/{name}/config` -> 201 + `{name, config, tasks, type}` when created, 200 when
  updated; the stored config gains `name`; a `name` in the body that differs from the URL, a
  missing `connector.class`, a missing required key or a sink without `topics`/`topics.regex`
  -> 400 `{"error_code": 400, "message": "Connector configuration is invalid ..."}`; an unknown
  class -> 500; while a rebalance runs every write -> 409;
- `DELETE /connectors/{name}` -> 204; pause / resume -> 202 (state PAUSED / RUNNING);
  `POST /connectors/{name}/restart` -> 204, or 202 + status with `includeTasks`/`onlyFailed`;
  an unknown connector -> 404 `{"error_code": 404, "message": "Connector x not found"}`;
- `PUT /connector-plugins/{class}/config/validate` -> 200 `{name, error_count, groups, configs}`
  with the errors per key; a class that differs from the body's -> 400; unknown -> 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from .http import Router, json_body, reply

JDBC_SINK = "io.debezium.connector.jdbc.JdbcSinkConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


@dataclass(frozen=True)
class Plugin:
    type: str  # sink | source
    required: tuple[str, ...] = ()


PLUGINS = {
    JDBC_SINK: Plugin("sink", ("connection.url",)),
    FILE_SINK: Plugin("sink"),
    FILE_SOURCE: Plugin("source", ("topic",)),
}


@dataclass
class Connector:
    config: dict[str, str]
    type: str
    state: str = "RUNNING"
    tasks: list[str] = field(default_factory=list)
    trace: str = ""  # of the connector, when FAILED
    task_traces: dict[int, str] = field(default_factory=dict)


def _error(status: int, message: str) -> httpx.Response:
    return reply(status, {"error_code": status, "message": message})


class ConnectServer:
    def __init__(self, plugins: dict[str, Plugin] | None = None, worker: str = "w:8083") -> None:
        self.plugins = dict(PLUGINS if plugins is None else plugins)
        self.connectors: dict[str, Connector] = {}
        self.rebalancing = False  # True: writes answer 409 as during a worker rebalance
        self.worker = worker
        self.router = Router()
        r = self.router
        r.add("GET", "/connectors", self._list)
        r.add("GET", "/connectors/{name}/config", self._get_config)
        r.add("GET", "/connectors/{name}/status", self._get_status)
        r.add("PUT", "/connectors/{name}/config", self._put_config)
        r.add("DELETE", "/connectors/{name}", self._delete)
        r.add("PUT", "/connectors/{name}/pause", self._pause)
        r.add("PUT", "/connectors/{name}/resume", self._resume)
        r.add("POST", "/connectors/{name}/restart", self._restart)
        r.add("PUT", "/connector-plugins/{cls}/config/validate", self._validate)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.router.dispatch(
            request, lambda what: _error(404, f"HTTP 404 Not Found: {what}")
        )

    # ------------------------------------------------------------ test hooks

    def fail_task(self, name: str, task: int, trace: str) -> None:
        self.connectors[name].tasks[task] = "FAILED"
        self.connectors[name].task_traces[task] = trace

    # ------------------------------------------------------------ model

    def _problems(self, name: str, config: dict[str, str]) -> list[str]:
        cls = config.get("connector.class", "")
        plugin = self.plugins[cls]
        problems = [
            f'Missing required configuration "{k}" which has no default value.'
            for k in plugin.required
            if not config.get(k)
        ]
        if plugin.type == "sink" and bool(config.get("topics")) == bool(config.get("topics.regex")):
            problems.append("Must configure one of topics or topics.regex")
        tasks_max = config.get("tasks.max", "1")
        if not tasks_max.isdigit() or int(tasks_max) < 1:
            problems.append(f"Invalid value {tasks_max} for configuration tasks.max")
        return problems

    def _status(self, name: str) -> dict[str, object]:
        c = self.connectors[name]
        connector: dict[str, object] = {"state": c.state, "worker_id": self.worker}
        if c.trace:
            connector["trace"] = c.trace
        tasks = []
        for i, state in enumerate(c.tasks):
            task: dict[str, object] = {"id": i, "state": state, "worker_id": self.worker}
            if i in c.task_traces:
                task["trace"] = c.task_traces[i]
            tasks.append(task)
        return {"name": name, "connector": connector, "tasks": tasks, "type": c.type}

    def _info(self, name: str) -> dict[str, object]:
        c = self.connectors[name]
        tasks = [{"connector": name, "task": i} for i in range(len(c.tasks))]
        return {"name": name, "config": dict(c.config), "tasks": tasks, "type": c.type}

    # ------------------------------------------------------------ routes

    def _list(self, request: httpx.Request) -> httpx.Response:
        expand = request.url.params.get_list("expand")
        names = sorted(self.connectors)
        if not expand:
            return reply(200, names)
        out: dict[str, dict[str, object]] = {}
        for name in names:
            out[name] = {}
            if "status" in expand:
                out[name]["status"] = self._status(name)
            if "info" in expand:
                out[name]["info"] = self._info(name)
        return reply(200, out)

    def _missing(self, name: str) -> httpx.Response | None:
        return None if name in self.connectors else _error(404, f"Connector {name} not found")

    def _get_config(self, request: httpx.Request, name: str) -> httpx.Response:
        return self._missing(name) or reply(200, dict(self.connectors[name].config))

    def _get_status(self, request: httpx.Request, name: str) -> httpx.Response:
        return self._missing(name) or reply(200, self._status(name))

    def _put_config(self, request: httpx.Request, name: str) -> httpx.Response:
        if self.rebalancing:
            return _error(
                409,
                "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
            )
        try:
            body = json_body(request)
        except ValueError:
            return _error(400, "Cannot deserialize the request body")
        if not isinstance(body, dict) or any(isinstance(v, (dict, list)) for v in body.values()):
            return _error(
                500,
                "Cannot deserialize value of type `java.util.HashMap<java.lang.String,java.lang.String>`",
            )
        config = {
            k: v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in body.items()
            if v is not None
        }
        if "name" in config and config["name"] != name:
            return _error(
                400,
                f"Connector name configuration ({config['name']}) doesn't match connector name in the URL ({name})",
            )
        cls = config.get("connector.class")
        if not cls:
            return _error(400, f"Connector config {config} contains no connector type")
        if cls not in self.plugins:
            return _error(
                500,
                f"Failed to find any class that implements Connector and which name matches {cls}",
            )
        problems = self._problems(name, config)
        if problems:
            return _error(
                400,
                f"Connector configuration is invalid and contains the following {len(problems)} error(s):\n"
                + "\n".join(problems)
                + "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
            )
        config["name"] = name
        created = name not in self.connectors
        plugin = self.plugins[cls]
        tasks = int(config.get("tasks.max", "1"))
        old = self.connectors.get(name)
        state = old.state if old else "RUNNING"
        self.connectors[name] = Connector(config, plugin.type, state, [state] * tasks)
        return reply(201 if created else 200, self._info(name))

    def _delete(self, request: httpx.Request, name: str) -> httpx.Response:
        if self.rebalancing:
            return _error(
                409,
                "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
            )
        missing = self._missing(name)
        if missing:
            return missing
        del self.connectors[name]
        return reply(204)

    def _set_state(self, name: str, state: str) -> httpx.Response:
        missing = self._missing(name)
        if missing:
            return missing
        c = self.connectors[name]
        c.state, c.tasks = state, [state] * len(c.tasks)
        return reply(202)

    def _pause(self, request: httpx.Request, name: str) -> httpx.Response:
        return self._set_state(name, "PAUSED")

    def _resume(self, request: httpx.Request, name: str) -> httpx.Response:
        return self._set_state(name, "RUNNING")

    def _restart(self, request: httpx.Request, name: str) -> httpx.Response:
        missing = self._missing(name)
        if missing:
            return missing
        c = self.connectors[name]
        params = request.url.params
        include_tasks = params.get("includeTasks", "false") == "true"
        only_failed = params.get("onlyFailed", "false") == "true"
        if not include_tasks and not only_failed:
            if c.state == "FAILED":
                c.state, c.trace = "RUNNING", ""
            return reply(204)
        if not only_failed or c.state == "FAILED":
            c.state, c.trace = "RUNNING", ""
        if include_tasks:
            for i, state in enumerate(c.tasks):
                if not only_failed or state == "FAILED":
                    c.tasks[i] = "RUNNING"
                    c.task_traces.pop(i, None)
        return reply(202, self._status(name))

    def _validate(self, request: httpx.Request, cls: str) -> httpx.Response:
        body = json_body(request)
        if not isinstance(body, dict):
            return _error(400, "Cannot deserialize the request body")
        config = {k: str(v) for k, v in body.items()}
        if config.get("connector.class", cls) != cls:
            return _error(
                400,
                f"Included connector type {config['connector.class']} does not match request type {cls}",
            )
        if cls not in self.plugins:
            return _error(
                500,
                f"BadRequestException: Failed to find any class that implements Connector and which name matches {cls}, available connectors are: {sorted(self.plugins)}",
            )
        config.setdefault("connector.class", cls)
        problems = self._problems(config.get("name", ""), config)
        by_key: dict[str, list[str]] = {}
        for problem in problems:
            key = (
                "topics"
                if "topics" in problem
                else problem.split('"')[1]
                if '"' in problem
                else "tasks.max"
            )
            by_key.setdefault(key, []).append(problem)
        keys = sorted({*config, *self.plugins[cls].required, "topics"})
        configs = [
            {
                "definition": {"name": k},
                "value": {"name": k, "value": config.get(k), "errors": by_key.get(k, [])},
            }
            for k in keys
        ]
        return reply(
            200,
            {"name": cls, "error_count": len(problems), "groups": ["Common"], "configs": configs},
        )
