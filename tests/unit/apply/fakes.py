"""In-memory systems with the adapters' semantics, for apply logic and error paths only
(the feature's proof is on the real stack: tests/integration/test_apply_*.py)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import httpx

from streamt.adapters.gateway import ConduktorGatewayClient
from streamt.adapters.http import NO_RETRY
from streamt.adapters.protocols import (
    AdapterError,
    CheckpointState,
    ConnectorState,
    GroupLag,
    JobState,
    SubjectState,
    TopicState,
)
from streamt.compile.specs import TopicSpec
from streamt.state import MemoryLedgerStore, Systems


class FakeKafka:
    def __init__(self) -> None:
        self.topics: dict[str, TopicState] = {}
        self.calls = 0
        self.created: list[str] = []

    def list_topics(self) -> Sequence[TopicState]:
        self.calls += 1
        return list(self.topics.values())

    def create_topics(self, topics: Sequence[TopicSpec]) -> None:
        self.calls += 1
        for t in topics:
            if t.name in self.topics:
                raise AdapterError("kafka", f"topic {t.name} already exists")
            self.topics[t.name] = TopicState(
                t.name, t.partitions, t.replication_factor, dict(t.config)
            )
            self.created.append(t.name)

    def alter_topic_config(self, name: str, config: Mapping[str, str | None]) -> None:
        self.calls += 1
        t = self.topics[name]
        merged = {**t.config, **{k: v for k, v in config.items() if v is not None}}
        self.topics[name] = TopicState(name, t.partitions, t.replication_factor, merged)

    def alter_topic_configs(self, changes: Mapping[str, Mapping[str, str | None]]) -> None:
        for name, config in changes.items():
            self.alter_topic_config(name, config)

    def add_partitions(self, name: str, total: int) -> None:
        self.calls += 1
        t = self.topics[name]
        self.topics[name] = TopicState(name, total, t.replication_factor, t.config)

    def delete_topics(self, names: Sequence[str]) -> None:
        self.calls += 1
        for n in names:
            del self.topics[n]

    def message_counts(self, topics: Sequence[str]) -> Mapping[str, int]:
        self.calls += 1
        return {t: 0 for t in topics}

    def consumer_lag(self, groups: Sequence[str]) -> Mapping[str, GroupLag]:
        self.calls += 1
        return {g: GroupLag(g, 0, {}, has_offsets=False) for g in groups}


class FakeRegistry:
    def __init__(self) -> None:
        self.subjects: dict[str, list[str]] = {}
        self.calls = 0
        self.compatible = True
        self.levels: dict[str, str] = {}

    def list_subjects(self) -> Sequence[SubjectState]:
        self.calls += 1
        return [SubjectState(s, len(v), len(v), "AVRO", v[-1]) for s, v in self.subjects.items()]

    def check_compatibility(
        self, subject: str, schema_type: str, schema: str
    ) -> tuple[bool, list[str]]:
        self.calls += 1
        return (True, []) if self.compatible else (False, ["READER_FIELD_MISSING_DEFAULT_VALUE"])

    def register(self, subject: str, schema_type: str, schema: str) -> int:
        self.calls += 1
        self.subjects.setdefault(subject, []).append(schema)
        return len(self.subjects[subject])

    def delete_subject(self, subject: str, *, permanent: bool = False) -> None:
        self.calls += 1
        del self.subjects[subject]

    def get_compatibility(self, subject: str) -> str | None:
        return self.levels.get(subject)

    def set_compatibility(self, subject: str, level: str) -> None:
        self.levels[subject] = level


class FakeFlink:
    """Jobs start RUNNING unless `fail_next` says otherwise; savepoints are counted paths."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobState] = {}
        self.submitted: list[tuple[list[str], dict[str, str]]] = []
        self.calls = 0
        self._ids = itertools.count(1)
        self.fail_next: str | None = None  # state of the next submitted job, e.g. "FAILED"
        self.crash_on_submit: int | None = None  # raise on the n-th submit from now (1 = next)
        self.dead = False
        self.exceptions: dict[str, list[str]] = {}  # job id -> root causes, newest first
        self.fail_cause: list[str] = []  # the exceptions of the next job that fails
        self.parallelism = 1
        self.slots = (8, 8)  # (available, total)

    def list_jobs(self) -> Sequence[JobState]:
        self.calls += 1
        return list(self.jobs.values())

    def submit(self, statements: Sequence[str], config: Mapping[str, str]) -> str:
        self.calls += 1
        if self.crash_on_submit is not None:
            self.crash_on_submit -= 1
            if self.crash_on_submit == 0:
                self.crash_on_submit = None
                self.dead = True
        if self.dead:  # the apply process was killed: nothing after that point happens
            raise KeyboardInterrupt("simulated kill of the apply process")
        job_id = f"job{next(self._ids)}"
        state = self.fail_next or "RUNNING"
        if self.fail_next:
            self.exceptions[job_id] = list(self.fail_cause)
        self.fail_next = None
        self.jobs[job_id] = JobState(job_id, config["pipeline.name"], state, len(self.jobs) + 1)
        self.submitted.append((list(statements), dict(config)))
        return job_id

    def explain(self, statements: Sequence[str]) -> list[str]:
        return []

    def stop_with_savepoint(self, job_id: str, directory: str | None = None) -> str:
        self.calls += 1
        self._end(job_id, "FINISHED")
        return f"file:///savepoints/savepoint-{job_id}"

    def cancel(self, job_id: str) -> None:
        self.calls += 1
        self._end(job_id, "CANCELED")

    def _end(self, job_id: str, state: str) -> None:
        j = self.jobs[job_id]
        self.jobs[job_id] = JobState(j.job_id, j.name, state, j.start_time_ms)

    def checkpoint_stats(self, job_id: str) -> CheckpointState:
        return CheckpointState(1, 0)

    def job_exceptions(self, job_id: str) -> list[str]:
        return list(self.exceptions.get(job_id, []))

    def job_parallelism(self, job_id: str) -> int:
        return self.parallelism

    def free_slots(self) -> tuple[int, int]:
        return self.slots

    def running(self) -> list[JobState]:
        return [j for j in self.jobs.values() if j.state == "RUNNING"]


class FakeConnect:
    def __init__(self) -> None:
        self.connectors: dict[str, dict[str, str]] = {}
        self.calls = 0

    def list_connectors(self) -> Sequence[ConnectorState]:
        self.calls += 1
        return [ConnectorState(n, c, "RUNNING", ("RUNNING",)) for n, c in self.connectors.items()]

    def put_connector(self, name: str, config: Mapping[str, str]) -> None:
        self.calls += 1
        self.connectors[name] = {**config, "name": name}

    def delete_connector(self, name: str) -> None:
        self.calls += 1
        del self.connectors[name]

    def pause_connector(self, name: str) -> None: ...
    def resume_connector(self, name: str) -> None: ...
    def restart_connector(self, name: str, *, only_failed: bool = False) -> None: ...


def fake_systems() -> Systems:
    return Systems(
        FakeKafka(), FakeRegistry(), FakeFlink(), FakeConnect(), MemoryLedgerStore(), FakeGateway()
    )


class GatewayServer:
    """The Conduktor Gateway admin API v2 as documented (conduktor/ctl `gateway.yaml`, see
    tests/fixtures/gateway_recordings): interceptor documents stored as PUT, listed as stored
    with the scope filled in, deleted by name. It never asks streamt what a rule should look
    like, so a client that sends one thing and expects another sees a difference."""

    def __init__(self) -> None:
        self.interceptors: dict[str, dict[str, Any]] = {}  # name -> stored document

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/gateway/v2/interceptor" and request.method == "GET":
            return httpx.Response(200, json=list(self.interceptors.values()))
        if path == "/gateway/v2/interceptor" and request.method == "PUT":
            return self._upsert(json.loads(request.content))
        prefix = "/gateway/v2/interceptor/"
        if path.startswith(prefix) and request.method == "DELETE":
            gone = self.interceptors.pop(unquote(path[len(prefix) :]), None)
            if gone is None:
                return httpx.Response(404, json={"title": "The given interceptor does not exist"})
            return httpx.Response(204)
        if path == "/gateway/v2/alias-topic" and request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(404, json={"title": f"no route {request.method} {path}"})

    def _upsert(self, body: dict[str, Any]) -> httpx.Response:
        metadata, spec = body.get("metadata"), body.get("spec")
        problems = [
            body.get("kind") != "Interceptor" and "kind must be Interceptor",
            body.get("apiVersion") != "gateway/v2" and "apiVersion must be gateway/v2",
            not (isinstance(metadata, dict) and isinstance(metadata.get("name"), str))
            and "metadata.name is required",
            not (isinstance(spec, dict) and isinstance(spec.get("pluginClass"), str))
            and "spec.pluginClass is required",
            isinstance(spec, dict)
            and not isinstance(spec.get("priority"), int)
            and "spec.priority must be an integer",
            isinstance(spec, dict)
            and not isinstance(spec.get("config"), dict)
            and "spec.config must be an object",
        ]
        if any(problems):
            return httpx.Response(400, json={"title": "; ".join(p for p in problems if p)})
        assert isinstance(metadata, dict) and isinstance(spec, dict)
        scope = {"vCluster": None, "group": None, "username": None, **metadata.get("scope", {})}
        stored = {
            "kind": "Interceptor",
            "apiVersion": "gateway/v2",
            "metadata": {"name": metadata["name"], "scope": scope},
            "spec": dict(spec),
        }
        created = metadata["name"] not in self.interceptors
        self.interceptors[metadata["name"]] = stored
        result = "CREATED" if created else "UPDATED"
        return httpx.Response(200, json={"resource": stored, "upsertResult": result})


class FakeGateway(ConduktorGatewayClient):
    """The real Gateway client talking to an in-memory `GatewayServer`."""

    def __init__(self) -> None:
        self.server = GatewayServer()
        transport = httpx.MockTransport(self.server)
        super().__init__(
            httpx.Client(transport=transport, base_url="http://gateway"), retry=NO_RETRY
        )
