"""In-memory systems for apply logic and error paths only (the feature's proof is on the real
stack: tests/integration/test_apply_*.py). Registry, Flink, Connect and Gateway are the real
adapters talking over `httpx.MockTransport` to the model servers of `tests/fakes`, which answer
from their own reading of each documented API; Kafka (not HTTP) is an in-memory admin."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import httpx

from streamt.adapters.connect import ConnectClient
from streamt.adapters.flink import FlinkClient
from streamt.adapters.gateway import ConduktorGatewayClient
from streamt.adapters.http import NO_RETRY
from streamt.adapters.protocols import AdapterError, GroupLag
from streamt.adapters.schema_registry import SchemaRegistryClient
from streamt.adapters.waiting import Waits
from streamt.resources import JobState, TopicSpec, TopicState
from streamt.state import MemoryLedgerStore, Systems
from tests.fakes.connect import ConnectServer
from tests.fakes.flink import FlinkServer
from tests.fakes.gateway import GatewayServer
from tests.fakes.registry import RegistryServer


class FakeKafka:
    def __init__(self) -> None:
        self.topics: dict[str, TopicState] = {}
        self.calls = 0
        self.created: list[str] = []
        self.deleted_groups: list[str] = []

    def list_topics(self) -> Sequence[TopicState]:
        self.calls += 1
        return list(self.topics.values())

    def create_topics(self, topics: Sequence[TopicSpec]) -> None:
        self.calls += 1
        for t in topics:
            if t.name in self.topics:
                continue  # TOPIC_ALREADY_EXISTS: the real adapter takes it as done
            collides = [n for n in self.topics if n.replace(".", "_") == t.name.replace(".", "_")]
            if collides:  # Kafka's INVALID_TOPIC_EXCEPTION, as the adapter reports it
                raise AdapterError(
                    "kafka",
                    f"create_topics failed for 1 of 1: {t.name}: KafkaError{{code=TOPIC_EXCEPTION,"
                    f"val=17,str=\"Topic '{t.name}' collides with existing topic: {collides[0]}\"}}",
                )
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

    def delete_consumer_groups(self, groups: Sequence[str]) -> None:
        self.calls += 1
        self.deleted_groups.extend(groups)


def _http(server: Callable[[httpx.Request], httpx.Response], base: str) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(server), base_url=base)


class FakeRegistry(SchemaRegistryClient):
    """The real registry client talking to an in-memory `RegistryServer`."""

    def __init__(self) -> None:
        self.server = RegistryServer()
        super().__init__(_http(self.server, "http://registry"), retry=NO_RETRY)


class FakeFlink(FlinkClient):
    """The real Flink client talking to an in-memory `FlinkServer` (REST + SQL Gateway).

    Jobs start RUNNING unless `fail_next` says otherwise (with `fail_cause` as their exception
    history); `crash_on_submit` kills "the apply process" on the n-th submit from now."""

    def __init__(self) -> None:
        self.server = FlinkServer()
        super().__init__(
            _http(self.server, "http://flink"),
            _http(self.server, "http://sql-gateway"),
            retry=NO_RETRY,
            timeout_s=5,
            sleep=lambda seconds: None,
        )
        self.crash_on_submit: int | None = None  # raise on the n-th submit from now (1 = next)
        self.dead = False

    def submit(
        self, statements: Sequence[str], config: Mapping[str, str], waits: Waits | None = None
    ) -> str:
        if self.crash_on_submit is not None:
            self.crash_on_submit -= 1
            if self.crash_on_submit == 0:
                self.crash_on_submit = None
                self.dead = True
        if self.dead:  # the apply process was killed: nothing after that point happens
            raise KeyboardInterrupt("simulated kill of the apply process")
        return super().submit(statements, config, waits)

    @property
    def jobs(self) -> dict[str, JobState]:
        return {
            j.jid: JobState(j.jid, j.name, j.state, j.start, j.end)
            for j in self.server.jobs.values()
        }

    @property
    def submitted(self) -> list[tuple[list[str], dict[str, str]]]:
        return self.server.submitted

    def running(self) -> list[JobState]:
        return [j for j in self.jobs.values() if j.state == "RUNNING"]

    def set_state(self, job_id: str, state: str, exceptions: Sequence[str] = ()) -> None:
        job = self.server.jobs[job_id]
        job.state = state
        if exceptions:
            job.exceptions = list(exceptions)

    @property
    def fail_next(self) -> str | None:
        return self.server.next_state

    @fail_next.setter
    def fail_next(self, state: str | None) -> None:
        self.server.next_state = state

    @property
    def fail_cause(self) -> list[str]:
        return self.server.next_causes

    @fail_cause.setter
    def fail_cause(self, causes: list[str]) -> None:
        self.server.next_causes = list(causes)

    @property
    def parallelism(self) -> int | None:
        return self.server.parallelism

    @parallelism.setter
    def parallelism(self, value: int) -> None:
        self.server.parallelism = value

    @property
    def slots(self) -> tuple[int, int]:
        return self.free_slots()

    @slots.setter
    def slots(self, value: tuple[int, int]) -> None:
        self.server.slots_available, self.server.slots_total = value


class FakeConnect(ConnectClient):
    """The real Connect client talking to an in-memory `ConnectServer`."""

    def __init__(self) -> None:
        self.server = ConnectServer()
        super().__init__(_http(self.server, "http://connect"), retry=NO_RETRY)

    @property
    def connectors(self) -> dict[str, dict[str, str]]:
        return {name: dict(c.config) for name, c in self.server.connectors.items()}


def fake_systems() -> Systems:
    return Systems(
        FakeKafka(), FakeRegistry(), FakeFlink(), FakeConnect(), MemoryLedgerStore(), FakeGateway()
    )


class FakeGateway(ConduktorGatewayClient):
    """The real Gateway client talking to an in-memory `GatewayServer`."""

    def __init__(self) -> None:
        self.server = GatewayServer()
        transport = httpx.MockTransport(self.server)
        super().__init__(
            httpx.Client(transport=transport, base_url="http://gateway"), retry=NO_RETRY
        )
