"""Helpers for the plan/apply integration tests (no tests here): hand-built desired states with
real Flink SQL, and one `deploy()` that runs observe -> plan -> apply under the lock exactly as
`streamt apply` does, against the real local stack and the real `_streamt_state` ledger."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient

from streamt.apply.deployment import Deployment
from streamt.apply.executor import ApplyReport
from streamt.apply.step import ApplyOptions
from streamt.compile.specs import ChangelogMode, DesiredState
from streamt.resources import (
    Action,
    ConnectorSpec,
    JobSpec,
    Plan,
    ResourceKind,
    TopicSpec,
    digest,
)
from streamt.state import Systems, systems_from_runtime
from tests.stack import endpoints, runtime_config

ENV = "it"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def systems() -> Systems:
    return systems_from_runtime(runtime_config(), {})


def session(desired: DesiredState, chosen: Systems | None = None) -> Deployment:
    return Deployment(chosen or systems(), desired, ENV)


def deploy(
    desired: DesiredState, *, chosen: Systems | None = None, **options: object
) -> tuple[Plan, ApplyReport]:
    s = session(desired, chosen)
    plan = s.plan(reset_state=bool(options.pop("reset_state", False)))
    starts = [
        c
        for c in plan.pending
        if c.kind is ResourceKind.JOB and c.action in (Action.CREATE, Action.REPLACE)
    ]
    if starts:
        wait_for_slots(len(starts))
    opts = ApplyOptions(job_stable_s=3.0, **options)  # type: ignore[arg-type]
    return plan, s.apply(plan, opts)


def table_ddl(
    name: str,
    topic: str,
    columns: Sequence[tuple[str, str]],
    *,
    group: str | None = None,
    key: str | None = None,
    bootstrap: str | None = None,
) -> str:
    cols = ", ".join(f"`{c}` {t}" for c, t in columns)
    if key:
        cols += f", PRIMARY KEY (`{key}`) NOT ENFORCED"
        opts = {
            "connector": "upsert-kafka",
            "key.format": "json",
            "value.format": "json",
        }
    else:
        opts = {"connector": "kafka", "format": "json"}
        if group:
            opts["scan.startup.mode"] = "earliest-offset"
    opts.update(
        {"topic": topic, "properties.bootstrap.servers": bootstrap or endpoints().kafka_bootstrap}
    )
    if group:
        opts["properties.group.id"] = group
    with_ = ", ".join(f"'{k}' = '{v}'" for k, v in opts.items())
    return f"CREATE TABLE `{name}` ({cols}) WITH ({with_})"


def flink_job(
    project: str,
    name: str,
    source_ddl: str,
    sink_ddl: str,
    query: str,
    sink_table: str,
    *,
    config: Mapping[str, str] | None = None,
    meta: str = "m",
    changelog: ChangelogMode = ChangelogMode.APPEND,
) -> JobSpec:
    pipeline = f"streamt.{project}.{name}"
    cfg = dict(config or {})
    return JobSpec(
        node=f"model.{project}.{name}",
        name=name,
        pipeline_name=pipeline,
        statements=(source_ddl, sink_ddl, f"INSERT INTO `{sink_table}` {query}"),
        query=query,
        config=cfg,
        changelog=changelog,
        data_fingerprint=digest([source_ddl, sink_ddl, query, sorted(cfg.items())]),
        metadata_fingerprint=digest(meta),
    )


@dataclass(frozen=True)
class FilterProject:
    """raw topic -> Flink filter job -> clean topic -> FileStream sink connector."""

    name: str
    raw: str
    clean: str
    out_file: str

    def desired(self, *, extra_where: str = "", sink: bool = True) -> DesiredState:
        src = table_ddl(
            "raw",
            self.raw,
            [("id", "STRING"), ("amount", "INT")],
            group=f"streamt.{self.name}.clean",
        )
        dst = table_ddl("clean", self.clean, [("id", "STRING"), ("amount", "INT")])
        query = f"SELECT `id`, `amount` FROM `raw` WHERE `amount` > 0{extra_where}"
        connectors = (
            ConnectorSpec(
                f"{self.name}-file",
                file_sink_config(self.clean, self.out_file),
                topics=(self.clean,),
                node=f"model.{self.name}.file",
            ),
        )
        return DesiredState(
            project=self.name,
            topics=(
                TopicSpec(self.raw, 2, 1, {}, node=f"source.{self.name}.raw"),
                TopicSpec(
                    self.clean, 3, 1, {"retention.ms": "3600000"}, node=f"model.{self.name}.clean"
                ),
            ),
            jobs=(flink_job(self.name, "clean", src, dst, query, "clean"),),
            connectors=connectors if sink else (),
        )


def read_all(
    bootstrap: str,
    topic: str,
    *,
    expect: int,
    timeout: float = 90.0,
    settle: float = 2.0,
    config: Mapping[str, Any] | None = None,
) -> list[tuple[object, object]]:
    """(key, value) JSON pairs from the start of `topic`; waits for `expect` records, then
    keeps reading `settle` seconds to catch anything extra. `config`: more client settings."""
    consumer = Consumer(
        {
            **(config or {}),
            "bootstrap.servers": bootstrap,
            "group.id": unique("it-read"),
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    out: list[tuple[object, object]] = []
    deadline = time.monotonic() + timeout
    extra_until: float | None = None
    try:
        while time.monotonic() < deadline:
            if len(out) >= expect and extra_until is None:
                extra_until = time.monotonic() + settle
            if extra_until is not None and time.monotonic() > extra_until:
                break
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() in (
                    KafkaError._PARTITION_EOF,
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                ):
                    continue
                raise RuntimeError(str(msg.error()))
            key = json.loads(msg.key()) if msg.key() else None
            value = json.loads(msg.value()) if msg.value() is not None else None
            out.append((key, value))
    finally:
        consumer.close()
    return out


def wait_for(predicate, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def cleanup(desired_sets: Sequence[DesiredState], chosen: Systems | None = None) -> None:
    """Cancel this test's jobs, delete its connectors and topics (best effort)."""
    s = chosen or systems()
    pipelines = {j.pipeline_name for d in desired_sets for j in d.jobs}
    assert s.flink is not None and s.connect is not None and s.kafka is not None
    for job in s.flink.list_jobs():
        if job.name in pipelines and job.state in {
            "RUNNING",
            "CREATED",
            "RESTARTING",
            "INITIALIZING",
        }:
            s.flink.cancel(job.job_id)
    names = {c.name for d in desired_sets for c in d.connectors}
    for c in s.connect.list_connectors():
        if c.name in names:
            s.connect.delete_connector(c.name)
    topics = sorted({t.name for d in desired_sets for t in d.topics})
    existing = {t.name for t in s.kafka.list_topics()}
    if [t for t in topics if t in existing]:
        s.kafka.delete_topics([t for t in topics if t in existing])


def destroy(project: str, environment: str = ENV) -> None:
    """Remove everything the ledger says `project` owns in `environment` (frees Flink slots)."""
    s = Deployment(systems(), DesiredState(project=project), environment)
    plan = s.plan()
    report = s.apply(plan, ApplyOptions(allow_destructive=True))
    assert report.ok, [(r.change.address, r.message) for r in report.failed]


def ensure_source_topics(
    project_dir: Path, bootstrap: str | None = None, partitions: int = 1
) -> list[str]:
    """Create the topics of the project's declared sources that do not exist yet, as a producer
    would: sources are external, so `plan`/`apply` refuse a job on a missing one (P020).
    Returns the topics created."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from streamt.context import Context

    project = Context(project_dir).project()
    admin = AdminClient({"bootstrap.servers": bootstrap or endpoints().kafka_bootstrap})
    existing = set(admin.list_topics(timeout=10).topics)
    missing = sorted({s.topic for s in project.sources} - existing)
    if missing:
        futures = admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
        for future in futures.values():
            future.result(timeout=15)
    return missing


def quiet_period(started: float) -> float:
    """How long to wait for stragglers once the expected rows are there, measured rather than
    fixed: as long as those rows took to come since `started` (at least 3 s, at most 30 s), so
    a slow or loaded cluster gets a longer wait."""
    return max(3.0, min(30.0, time.monotonic() - started))


def file_sink_config(topic: str, out: str) -> dict[str, str]:
    """Connect's FileStreamSink: `topic`'s values, as text lines, appended to the file `out`."""
    return {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "topics": topic,
        "file": out,
        "tasks.max": "1",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }


# examples/payments' input scenario: (id, customer, amount, currency, status, seconds after the
# run's origin); the last one only moves the watermark past every window
PAYMENTS = (
    ("p1", "c1", 10.0, "EUR", "paid", 0),
    ("p2", "c1", 5.5, "EUR", "paid", 10),
    ("p3", "c2", -3.0, "EUR", "paid", 20),
    ("p4", "c2", 7.25, "USD", "paid", 30),
    ("p5", "c2", 2.0, "EUR", None, 40),
    ("p6", "c3", 1.0, "EUR", "refunded", 70),
    ("flush", "c9", 0.01, "EUR", "paid", 7200),
)


def wait_for_slots(needed: int, timeout: float = 180.0, flink_rest: str | None = None) -> None:
    """The local TaskManager has few slots and other tests run jobs too: wait for `needed`
    (on this run's stack, or the Flink at `flink_rest`)."""
    import httpx

    overview = f"{flink_rest or endpoints().flink_rest_url}/overview"
    deadline = time.monotonic() + timeout
    free = 0
    while time.monotonic() < deadline:
        free = int(httpx.get(overview, timeout=10).json()["slots-available"])
        if free >= needed:
            return
        time.sleep(2)
    raise AssertionError(f"only {free} free Flink task slots after {timeout:.0f}s, {needed} needed")


# --- CLI projects on the shared stack (apply guards, ownership, bad records) -------------------

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = {"INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING", "FAILING"}


def streamt(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it (`python -m streamt`, real exit codes)."""
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def write_cli_project(root: Path, stack, name: str, body: str, *, registry: bool = False) -> Path:  # type: ignore[no-untyped-def]
    """`root/stream_project.yml`: project `name` on the local stack's runtime, then `body`
    (sources:, models:, tests: ... as YAML text)."""
    root.mkdir(parents=True, exist_ok=True)
    schema_registry = (
        f'  schema_registry: {{url: "{stack.schema_registry_url}"}}\n' if registry else ""
    )
    (root / "stream_project.yml").write_text(
        f"""\
project: {{name: {name}}}
runtime:
  kafka: {{bootstrap_servers: "{stack.kafka_bootstrap}"}}
{schema_registry}  flink:
    default: local
    clusters:
      local: {{rest_url: "{stack.flink_rest_url}", sql_gateway_url: "{stack.sql_gateway_url}"}}
{body}"""
    )
    return root


def paid_source(topic: str, extra: str = "") -> str:
    """A JSON source `raw` (id STRING, amount INT, paid_at TIMESTAMP(3) event time); `extra`
    is YAML lines added to the source (e.g. its on_bad_record)."""
    return f"""\
sources:
  - name: raw
    topic: {topic}
{extra}    columns:
      - {{name: id, type: STRING}}
      - {{name: amount, type: INT}}
      - {{name: paid_at, type: TIMESTAMP(3)}}
    event_time:
      column: paid_at
      watermark: {{max_out_of_orderness_ms: 1000}}
"""


def produce_values(  # type: ignore[no-untyped-def]
    stack,
    topic: str,
    values: Sequence[bytes | None],
    *,
    create: bool = True,
    keys: Sequence[bytes | None] | None = None,
) -> None:
    """Produce raw record values (in order, one partition, with `keys` if given; None: a
    tombstone) to `topic`, creating it first."""
    if create:
        from tests.kafka_helpers import create_topic

        create_topic(stack.kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap})
    for key, value in zip(keys or [None] * len(values), values, strict=True):
        producer.produce(topic, value, key=key)
    assert producer.flush(10) == 0, f"records to {topic} not delivered"


def topics(stack) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        AdminClient({"bootstrap.servers": stack.kafka_bootstrap}).list_topics(timeout=10).topics
    )


def jobs(stack, pipeline: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    import httpx

    body = httpx.get(f"{stack.flink_rest_url}/jobs/overview", timeout=10).json()
    return [(j["jid"], j["state"]) for j in body["jobs"] if j["name"] == pipeline]


def drop_topics(stack, *names: str) -> None:  # type: ignore[no-untyped-def]
    """Delete the topics of `names` that exist; one a `destroy` just deleted (still listed by
    a stale metadata answer) is already gone, not an error."""
    from confluent_kafka import KafkaException

    admin = AdminClient({"bootstrap.servers": stack.kafka_bootstrap})
    existing = set(admin.list_topics(timeout=10).topics)
    gone = [n for n in names if n in existing]
    if gone:
        for future in admin.delete_topics(gone).values():
            try:
                future.result(timeout=15)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise
