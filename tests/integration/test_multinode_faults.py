"""The multi-node profile (3 KRaft brokers, 2 TaskManagers) and the faults it exists for.

A module-scoped stack of its own (`streamt local up --brokers 3 --taskmanagers 2`: Kafka,
Flink and the SQL Gateway, shrunken heaps, a temporary home, ports shifted by 23000), stopped
and purged at the end. Every test applies its own project through the CLI, produces keyed
records with an idempotent producer (so the input itself holds no duplicates), and reads the
output back with `read_committed`, as the rows a reader of the topic sees:

- replication: a topic applied with replication factor 3 is described back with 3 replicas in
  sync (and `min.insync.replicas` 2); a governance rule on replication refuses one with less;
- a job of parallelism 2 runs on both TaskManagers (the Flink REST API says where);
- a TaskManager SIGKILLed mid-stream during `GROUP BY k` / `COUNT(*)`: the job restarts from
  its checkpoint; exactly_once: every key's committed updates are exactly 1, 2, ..., N (no row
  lost, none twice); at_least_once: no count missing and the final count right, duplicates
  counted and printed;
- a broker SIGKILLed while the job runs (the leader of the output topic): no committed row
  lost or doubled;
- a broker SIGKILLed during `apply`: apply completes or the re-run converges (the next plan is
  empty), one job per model, the output exact.

Run it alone: `.venv/bin/python -m pytest tests/integration/test_multinode_faults.py -s`
(`-s` shows what each fault lost or duplicated; `STREAMT_MULTINODE_PORT_OFFSET` moves the
stack from offset 23000). The whole module takes 4.5 minutes on a quiet 2-core machine (8-10 busy);
`scripts/test` (CI) runs all of it; `-m "not multinode_full"` keeps a quick subset
(replication, spread, the exactly-once TaskManager kill: about 2 minutes quiet, 4-5 busy).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from streamt.local import procs
from streamt.local.config import StackConfig, broker_name, load_config
from streamt.local.spec import Component
from streamt.local.stack import Stack
from tests.stack import private_offset

from .test_apply_support import streamt

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# tests/stack.py's offset for this module; STREAMT_MULTINODE_PORT_OFFSET moves it, e.g. away
# from a stack a developer runs on those ports
PORT_OFFSET = int(os.environ.get("STREAMT_MULTINODE_PORT_OFFSET") or private_offset(__name__))
HEAPS = {
    "STREAMT_LOCAL_HEAP_KAFKA": "256m",
    "STREAMT_LOCAL_HEAP_JOBMANAGER_PROCESS": "768m",
    "STREAMT_LOCAL_HEAP_TASKMANAGER_PROCESS": "1024m",
    "STREAMT_LOCAL_HEAP_SQL_GATEWAY": "384m",
    "STREAMT_LOCAL_TASKMANAGER_SLOTS": "4",
}
COMPONENTS = (Component.KAFKA, Component.FLINK, Component.SQL_GATEWAY)
KEYS = 8
PER_KEY = 150  # records per key in one scenario


def _progress(message: str) -> None:
    sys.stderr.write(f"[multi-node stack] {message}\n")


@pytest.fixture(scope="module")
def multinode(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMT_LOCAL_")}
    home = tmp_path_factory.mktemp("multinode")
    cfg = load_config(
        home=home, port_offset=PORT_OFFSET, env=env | HEAPS, brokers=3, taskmanagers=2
    )
    stack = Stack(cfg, _progress)
    try:
        stack.up(COMPONENTS, wait=True, timeout=480.0)
        yield cfg
    finally:  # a throwaway stack: no graceful shutdown (a last broker waits for a quorum)
        for name in reversed(stack.known_names()):
            record = procs.read_pid(cfg.run_dir, name)
            if record is not None:
                procs.stop(record, cfg.run_dir, 2.0)
        shutil.rmtree(home, ignore_errors=True)


# --- the CLI on a project of this stack --------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One test's names: project, input topic, model (= output topic and job)."""

    tag: str
    path: Path

    @property
    def project(self) -> str:
        return f"mn{self.tag}"

    @property
    def source_topic(self) -> str:
        return f"clicks_{self.tag}"

    @property
    def model(self) -> str:
        return f"counts_{self.tag}"

    @property
    def pipeline(self) -> str:
        return f"streamt.{self.project}.{self.model}"


def write_project(
    root: Path, cfg: StackConfig, *, delivery: str, replication: int = 3, extra_models: str = ""
) -> Scenario:
    sc = Scenario(uuid.uuid4().hex[:8], root)
    ep = cfg.endpoints
    root.mkdir(parents=True, exist_ok=True)
    (root / "stream_project.yml").write_text(
        f"""\
project: {{name: {sc.project}}}
runtime:
  kafka: {{bootstrap_servers: "{ep.kafka_bootstrap}"}}
  flink:
    default: local
    clusters:
      local: {{rest_url: "{ep.flink_rest_url}", sql_gateway_url: "{ep.sql_gateway_url}"}}
defaults:
  topic: {{replication_factor: {replication}, min_insync_replicas: 2}}
rules:
  topics: {{min_replication_factor: 3}}
sources:
  - name: clicks
    topic: {sc.source_topic}
    columns: [{{name: k, type: STRING}}, {{name: n, type: BIGINT}}]
models:
  - name: {sc.model}
    sql: SELECT k, COUNT(*) AS c FROM {{{{ source("clicks") }}}} GROUP BY k
    advanced:
      topic: {{partitions: 2}}
      flink: {{delivery: {delivery}, parallelism: 2, checkpoint_interval_ms: 2000}}
{extra_models}"""
    )
    return sc


def apply(sc: Scenario) -> None:
    done = streamt("apply", "-p", str(sc.path), "--auto-approve")
    assert done.returncode == 0, done.stdout + done.stderr


# --- Kafka --------------------------------------------------------------------------------------


def admin(cfg: StackConfig) -> AdminClient:
    return AdminClient({"bootstrap.servers": cfg.endpoints.kafka_bootstrap})


def create_input(cfg: StackConfig, topic: str) -> None:
    from confluent_kafka.admin import NewTopic

    client = admin(cfg)
    futures = client.create_topics([NewTopic(topic, num_partitions=2, replication_factor=3)])
    futures[topic].result(timeout=30)


def records(start: int, count: int) -> list[tuple[str, int]]:
    """`count` records spread evenly over the keys, numbered from `start`."""
    return [(f"k{i % KEYS}", i) for i in range(start, start + count)]


def produce(cfg: StackConfig, topic: str, rows: list[tuple[str, int]], per_second: float) -> None:
    """Idempotent, acks=all: a broker failure makes it retry, never write a record twice."""
    producer = Producer(
        {
            "bootstrap.servers": cfg.endpoints.kafka_bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
        }
    )
    failed: list[str] = []

    def report(err, _msg) -> None:  # type: ignore[no-untyped-def]
        if err is not None:
            failed.append(str(err))

    for i, (key, n) in enumerate(rows):
        value = json.dumps({"k": key, "n": n}).encode()
        producer.produce(topic, key=key.encode(), value=value, on_delivery=report)
        producer.poll(0)
        if per_second and i % 10 == 9:
            time.sleep(10 / per_second)
    assert producer.flush(120) == 0, "records still unsent after 120 s"
    assert not failed, failed


def committed_rows(cfg: StackConfig, topic: str, idle: float = 6.0) -> list[tuple[str, int]]:
    """Every committed (key, count) of the output topic in offset order, per partition."""
    consumer = Consumer(
        {
            "bootstrap.servers": cfg.endpoints.kafka_bootstrap,
            "group.id": f"mn-read-{uuid.uuid4().hex[:8]}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=15).topics[topic]
        consumer.assign([TopicPartition(topic, p, 0) for p in meta.partitions])
        out: list[tuple[str, int]] = []
        last = time.monotonic()
        while time.monotonic() - last < idle:
            msg = consumer.poll(0.5)
            if msg is None or msg.error() is not None:
                continue
            last = time.monotonic()
            value = msg.value()
            if value is not None:
                row = json.loads(value)
                out.append((str(row["k"]), int(row["c"])))
        return out
    finally:
        consumer.close()


def by_key(rows: list[tuple[str, int]]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for key, count in rows:
        seen.setdefault(key, []).append(count)
    return seen


def wait_final_counts(
    cfg: StackConfig, topic: str, expected: int, timeout: float = 240.0
) -> dict[str, list[int]]:
    """The committed counts per key once every key's last count is `expected` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = by_key(committed_rows(cfg, topic))
        finals = {k: v[-1] for k, v in seen.items()}
        if finals == {f"k{i}": expected for i in range(KEYS)} or time.monotonic() > deadline:
            return seen
        time.sleep(3)


def describe_partitions(cfg: StackConfig, topic: str) -> list[tuple[int, int, int]]:
    """(partition, replicas, in-sync replicas) of each partition."""
    meta = admin(cfg).list_topics(topic, timeout=15).topics[topic]
    return sorted((p.id, len(p.replicas), len(p.isrs)) for p in meta.partitions.values())


def leader_of(cfg: StackConfig, topic: str, partition: int = 0) -> int:
    meta = admin(cfg).list_topics(topic, timeout=15).topics[topic]
    return int(meta.partitions[partition].leader)


# --- Flink --------------------------------------------------------------------------------------


def rest(cfg: StackConfig, path: str) -> dict:  # type: ignore[type-arg]
    response = httpx.get(f"{cfg.endpoints.flink_rest_url}{path}", timeout=15)
    response.raise_for_status()
    data: dict = response.json()  # type: ignore[type-arg]
    return data


def running_jobs(cfg: StackConfig, pipeline: str) -> list[str]:
    jobs = rest(cfg, "/jobs/overview")["jobs"]
    return [j["jid"] for j in jobs if j["name"] == pipeline and j["state"] == "RUNNING"]


def the_job(cfg: StackConfig, pipeline: str) -> str:
    jobs = running_jobs(cfg, pipeline)
    assert len(jobs) == 1, f"{pipeline}: {len(jobs)} running jobs"
    return jobs[0]


def wait_checkpoints(cfg: StackConfig, jid: str, at_least: int, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        completed = int(rest(cfg, f"/jobs/{jid}/checkpoints")["counts"]["completed"])
        if completed >= at_least:
            return completed
        time.sleep(1)
    raise AssertionError(f"job {jid}: fewer than {at_least} completed checkpoints")


def restarts(cfg: StackConfig, jid: str) -> int:
    metrics = httpx.get(
        f"{cfg.endpoints.flink_rest_url}/jobs/{jid}/metrics", params={"get": "numRestarts"}
    ).json()
    return int(metrics[0]["value"]) if metrics else 0


def wait_restarted(cfg: StackConfig, jid: str, timeout: float = 180.0) -> int:
    """Wait until the job has restarted at least once and runs every task again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = rest(cfg, f"/jobs/{jid}")
        tasks = [v["status"] for v in job["vertices"]]
        if restarts(cfg, jid) >= 1 and job["state"] == "RUNNING" and set(tasks) == {"RUNNING"}:
            return restarts(cfg, jid)
        time.sleep(1)
    raise AssertionError(f"job {jid} did not restart and run again in {timeout:.0f} s")


def taskmanagers_of(cfg: StackConfig, jid: str) -> dict[str, set[str]]:
    """Each vertex's TaskManagers (resource ids), from the REST API."""
    out: dict[str, set[str]] = {}
    for vertex in rest(cfg, f"/jobs/{jid}")["vertices"]:
        tms = rest(cfg, f"/jobs/{jid}/vertices/{vertex['id']}/taskmanagers")["taskmanagers"]
        out[vertex["name"]] = {tm["taskmanager-id"] for tm in tms}
    return out


def cancel_all(cfg: StackConfig) -> None:
    for job in rest(cfg, "/jobs/overview")["jobs"]:
        if job["state"] not in ("CANCELED", "FINISHED", "FAILED"):
            httpx.patch(f"{cfg.endpoints.flink_rest_url}/jobs/{job['jid']}?mode=cancel")


# --- processes ----------------------------------------------------------------------------------


def kill(cfg: StackConfig, name: str) -> None:
    record = procs.read_pid(cfg.run_dir, name)
    assert record is not None and procs.is_running(record), f"{name} is not running"
    os.kill(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while procs.is_running(record) and time.monotonic() < deadline:
        procs.has_exited(record)
        time.sleep(0.2)
    _progress(f"SIGKILL {name} (pid {record.pid})")


def restore(cfg: StackConfig) -> None:
    """Start again whatever a test killed (up starts only what is missing)."""
    Stack(cfg, _progress).up(COMPONENTS, wait=True, timeout=300.0)


def report(name: str, seen: dict[str, list[int]], expected: int) -> tuple[int, int]:
    """(rows lost, rows duplicated) of the committed output, printed for the closing note."""
    lost = sum(len(set(range(1, expected + 1)) - set(v)) for v in seen.values())
    lost += (KEYS - len(seen)) * expected
    doubled = sum(len(v) - len(set(v)) for v in seen.values())
    rows = sum(len(v) for v in seen.values())
    print(
        f"\n[{name}] committed rows {rows}, expected {KEYS * expected}: lost {lost}, duplicated {doubled}"
    )
    return lost, doubled


def expect_exact(seen: dict[str, list[int]], expected: int) -> None:
    """Exactly once: every key's committed updates are 1, 2, ..., expected, once each."""
    assert sorted(seen) == [f"k{i}" for i in range(KEYS)]
    for key, counts in seen.items():
        assert counts == list(range(1, expected + 1)), (key, counts[:5], len(counts))


# --- the tests ----------------------------------------------------------------------------------


def test_replication_factor_3_is_applied_described_back_and_governed(
    multinode: StackConfig, tmp_path: Path
) -> None:
    low = write_project(tmp_path / "low", multinode, delivery="at_least_once", replication=1)
    refused = streamt("validate", "-p", str(low.path))
    assert refused.returncode != 0
    assert "V032" in refused.stdout + refused.stderr

    sc = write_project(tmp_path / "rf3", multinode, delivery="exactly_once")
    create_input(multinode, sc.source_topic)
    apply(sc)
    try:
        assert describe_partitions(multinode, sc.model) == [(0, 3, 3), (1, 3, 3)]
        resource = ConfigResource(ConfigResource.Type.TOPIC, sc.model)
        client = admin(multinode)
        described = client.describe_configs([resource])[resource].result(timeout=15)
        assert described["min.insync.replicas"].value == "2"
        # parallelism 2 runs on both TaskManagers: every vertex has a subtask on each
        jid = the_job(multinode, sc.pipeline)
        placement = taskmanagers_of(multinode, jid)
        assert placement and all(
            tms == {"taskmanager", "taskmanager-2"} for tms in placement.values()
        ), placement
    finally:
        cancel_all(multinode)


@pytest.mark.parametrize(
    "delivery", ["exactly_once", pytest.param("at_least_once", marks=pytest.mark.multinode_full)]
)
def test_a_taskmanager_killed_mid_stream_restarts_the_count_from_its_checkpoint(
    multinode: StackConfig, tmp_path: Path, delivery: str
) -> None:
    sc = write_project(tmp_path, multinode, delivery=delivery)
    create_input(multinode, sc.source_topic)
    first = KEYS * PER_KEY // 3
    produce(multinode, sc.source_topic, records(0, first), per_second=0)
    apply(sc)
    try:
        jid = the_job(multinode, sc.pipeline)
        wait_checkpoints(multinode, jid, 1)
        rest_of = records(first, KEYS * PER_KEY - first)
        writer = threading.Thread(target=produce, args=(multinode, sc.source_topic, rest_of, 120))
        writer.start()
        time.sleep(3)
        kill(multinode, "taskmanager-2")
        writer.join()
        print(f"\n[{delivery} taskmanager kill] job restarts: {wait_restarted(multinode, jid)}")
        seen = wait_final_counts(multinode, sc.model, PER_KEY)
        lost, doubled = report(f"{delivery} taskmanager kill", seen, PER_KEY)
        assert lost == 0
        assert {k: v[-1] for k, v in seen.items()} == {f"k{i}": PER_KEY for i in range(KEYS)}
        if delivery == "exactly_once":
            assert doubled == 0
            expect_exact(seen, PER_KEY)
    finally:
        cancel_all(multinode)
        restore(multinode)


@pytest.mark.multinode_full
def test_a_broker_killed_while_the_job_runs_loses_no_committed_row(
    multinode: StackConfig, tmp_path: Path
) -> None:
    sc = write_project(tmp_path, multinode, delivery="exactly_once")
    create_input(multinode, sc.source_topic)
    apply(sc)
    try:
        jid = the_job(multinode, sc.pipeline)
        wait_checkpoints(multinode, jid, 1)
        leader = leader_of(multinode, sc.model)
        writer = threading.Thread(
            target=produce, args=(multinode, sc.source_topic, records(0, KEYS * PER_KEY), 120)
        )
        writer.start()
        time.sleep(3)
        kill(multinode, broker_name(leader))
        writer.join()
        seen = wait_final_counts(multinode, sc.model, PER_KEY)
        print(f"\n[broker {leader} kill] job restarts: {restarts(multinode, jid)}")
        lost, doubled = report("exactly_once broker kill", seen, PER_KEY)
        assert (lost, doubled) == (0, 0)
        expect_exact(seen, PER_KEY)
    finally:
        cancel_all(multinode)
        restore(multinode)


@pytest.mark.multinode_full
def test_a_broker_killed_during_apply_converges_without_duplicates(
    multinode: StackConfig, tmp_path: Path
) -> None:
    sc = write_project(tmp_path, multinode, delivery="exactly_once")
    create_input(multinode, sc.source_topic)
    produce(multinode, sc.source_topic, records(0, KEYS * PER_KEY), per_second=0)
    running = subprocess.Popen(
        [sys.executable, "-m", "streamt", "apply", "-p", str(sc.path), "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        time.sleep(4)  # the plan is read and the topic created: the job is being submitted
        kill(multinode, "kafka-2")
        out, _ = running.communicate(timeout=600)
        attempts = [running.returncode]
        print(f"\n[broker kill during apply] first apply exit {running.returncode}:\n{out[-1500:]}")
        while attempts[-1] != 0 and len(attempts) < 3:
            again = streamt("apply", "-p", str(sc.path), "--auto-approve")
            attempts.append(again.returncode)
            print(f"re-run exit {again.returncode}:\n{(again.stdout + again.stderr)[-800:]}")
        assert attempts[-1] == 0, attempts
        plan = streamt("plan", "-p", str(sc.path))
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert "No changes." in plan.stdout, plan.stdout
        the_job(multinode, sc.pipeline)  # exactly one
        assert describe_partitions(multinode, sc.model)[0][1] == 3
        seen = wait_final_counts(multinode, sc.model, PER_KEY)
        lost, doubled = report("exactly_once broker kill during apply", seen, PER_KEY)
        assert (lost, doubled) == (0, 0)
        expect_exact(seen, PER_KEY)
    finally:
        if running.poll() is None:
            running.kill()
        cancel_all(multinode)
        restore(multinode)
