"""A deployment made by an earlier streamt plans empty with this one.

`tests/fixtures/ledger_v1/` holds, for every example, the ledger records an apply by the
version before `streamt.resources` wrote (byte for byte) and the live state it left behind
(see `record.py` there). Read with today's code, the entries load, and each example planned
against that ledger and that live state has nothing to do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.compile import compile_project
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.plan import PlanOptions, build_plan
from streamt.plan.test_jobs import KIND
from streamt.resources import (
    LEDGER_SCHEMA_VERSION,
    Action,
    JobSpec,
    LedgerEntry,
    ResourceKind,
    TopicState,
)
from streamt.state import MemoryLedgerStore, Systems, observe, read_ledger
from streamt.testing.deployed import violations_topic, with_test_jobs
from tests.fakes.connect import Connector
from tests.fakes.flink import Job
from tests.unit.apply.fakes import FakeConnect, FakeFlink, FakeKafka, FakeRegistry, fake_systems

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "ledger_v1"
EXAMPLES = sorted(p.name.split(".")[0] for p in FIXTURES.glob("*.ledger.jsonl"))
# examples added after the v1 recording: no v1 ledger of them can exist
ADDED_AFTER_V1 = ["ci"]


def _systems(example: str) -> Systems:
    """Fake systems holding the recorded live state (seeded through each model server), and a
    ledger store holding the recorded records."""
    live = json.loads((FIXTURES / f"{example}.live.json").read_text(encoding="utf-8"))
    systems = fake_systems()
    kafka, registry, flink, connect = (
        systems.kafka,
        systems.registry,
        systems.flink,
        systems.connect,
    )
    assert isinstance(kafka, FakeKafka) and isinstance(registry, FakeRegistry)
    assert isinstance(flink, FakeFlink) and isinstance(connect, FakeConnect)
    kafka.topics = {t[0]: TopicState(t[0], t[1], t[2], t[3]) for t in live["topics"]}
    for subject, versions in live["subjects"].items():
        for schema in versions:
            registry.register(subject, "AVRO", schema)
    flink.server.jobs = {j[0]: Job(*j) for j in live["jobs"]}
    connect.server.connectors = {
        name: Connector(dict(config), "sink", tasks=["RUNNING"])
        for name, config in live["connectors"].items()
    }
    assert live["interceptors"] == {}  # no example has a gateway rule without a gateway
    store = MemoryLedgerStore()
    lines = (FIXTURES / f"{example}.ledger.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    store.write([(r["key"], None if r["value"] is None else r["value"].encode()) for r in records])
    return Systems(kafka, registry, flink, connect, store, systems.gateway)


def test_every_example_was_recorded() -> None:
    examples = sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
    assert examples == sorted(EXAMPLES + ADDED_AFTER_V1)


@pytest.mark.parametrize("example", EXAMPLES)
def test_an_old_deployment_plans_empty(example: str) -> None:
    loaded = load_project(REPO / "examples" / example)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    desired = compile_project(loaded.project, graph).desired
    systems = _systems(example)
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, "dev")
    kinds = {e.kind for e in ledger.entries}
    assert len(ledger) >= len(desired.topics) and kinds
    live = observe(desired, ledger, systems)
    plan = build_plan(desired, live, ledger, PlanOptions("dev"))
    assert plan.changes, "the plan covers the example's resources"
    assert not plan.has_changes, [(c.address, c.action.value, c.reason) for c in plan.pending]


@pytest.mark.parametrize("example", EXAMPLES)
def test_old_entries_read_and_written_again_are_the_same_json(example: str) -> None:
    """The recorded entries (none with a previous job version) read and written back are the
    same JSON object but for the schema version, migrated on read to this one's."""
    lines = (FIXTURES / f"{example}.ledger.jsonl").read_text(encoding="utf-8").splitlines()
    values = [json.loads(line)["value"] for line in lines]
    entries = [v for v in values if v is not None and '"schema_version"' in v]
    assert entries
    for text in entries:
        entry = LedgerEntry.model_validate_json(text)
        assert json.loads(text)["schema_version"] == 1 and LEDGER_SCHEMA_VERSION == 2
        assert entry.schema_version == LEDGER_SCHEMA_VERSION
        assert json.loads(entry.model_dump_json()) == {**json.loads(text), "schema_version": 2}
        if entry.spec is not None:
            assert entry.spec.node == entry.node  # the value knows its node again
        if isinstance(entry.spec, JobSpec):
            assert entry.spec.name == entry.name and entry.spec.changelog is None


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_ledger_holds_the_values_compile_emits(example: str) -> None:
    """Every value an old apply recorded reads back equal to the value compile emits today
    (jobs included: one `JobSpec` from compile to the ledger, no payload converted from it)."""
    loaded = load_project(REPO / "examples" / example)
    assert loaded.project is not None
    desired = compile_project(loaded.project, build_graph(loaded.project)[0]).desired
    systems = _systems(example)
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, "dev")
    values = [
        *((ResourceKind.TOPIC, t.name, t) for t in desired.topics),
        *((ResourceKind.SUBJECT, s.subject, s) for s in desired.subjects),
        *((ResourceKind.JOB, j.name, j) for j in desired.jobs),
        *((ResourceKind.CONNECTOR, c.name, c) for c in desired.connectors),
    ]
    assert values
    for kind, name, value in values:
        entry = ledger.get(kind, name)
        assert entry is not None and entry.spec == value, (kind, name)


def test_a_version_1_previous_job_version_is_migrated_to_the_job_value_it_ran() -> None:
    """Version 1 kept a previous job version flat (statements, config, query, fingerprint);
    read now, it is the entry's job value with those four replaced, named after the entry,
    and written again in version 2's form it reads back the same."""
    lines = (FIXTURES / "quickstart.ledger.jsonl").read_text(encoding="utf-8").splitlines()
    values = [json.loads(line)["value"] for line in lines]
    entries = [json.loads(v) for v in values if v is not None and '"schema_version"' in v]
    recorded = next(e for e in reversed(entries) if e["kind"] == "flink_job" and e["spec"])
    old = {
        "statements": ["SET 'pipeline.name' = 'x'", "INSERT INTO `t` SELECT 1"],
        "config": {"pipeline.name": "x"},
        "query": "SELECT 1",
        "data_fingerprint": "f0",
        "job_id": "j0",
        "savepoint": "file:///sp/0",
        "deployed_at_ms": 5,
    }
    entry = LedgerEntry.model_validate({**recorded, "previous": [old]})
    (version,) = entry.previous
    assert isinstance(entry.spec, JobSpec) and isinstance(version.spec, JobSpec)
    assert (version.job_id, version.savepoint, version.deployed_at_ms) == ("j0", "file:///sp/0", 5)
    assert version.spec.statements == tuple(old["statements"])
    assert (version.spec.query, version.spec.data_fingerprint) == ("SELECT 1", "f0")
    assert dict(version.spec.config) == old["config"]
    assert version.spec.pipeline_name == entry.spec.pipeline_name
    assert version.spec.sink_topic == entry.spec.sink_topic
    assert (version.spec.node, version.spec.name) == (entry.node, entry.name)
    assert entry.schema_version == LEDGER_SCHEMA_VERSION
    again = LedgerEntry.model_validate_json(entry.model_dump_json())
    assert again == entry and again.previous[0].spec.name == entry.name


def test_a_continuous_test_deployed_before_it_was_planned_plans_empty_until_asked() -> None:
    """The datatests deployment as an earlier streamt left it, with the continuous test's job
    that `streamt test --deploy` started outside the plan (and the shared violations topic it
    wrote): planned with the test jobs in the desired state, as `Context` plans, nothing is
    to do; asked to deploy the tests, the plan takes that job over (replace) and creates the
    test's own topics."""
    loaded = load_project(REPO / "examples" / "datatests")
    assert loaded.project is not None
    compiled = compile_project(loaded.project, build_graph(loaded.project)[0])
    desired = with_test_jobs(loaded.project, compiled).desired
    (test_job,) = desired.test_jobs
    systems = _systems("datatests")
    assert isinstance(systems.flink, FakeFlink) and isinstance(systems.kafka, FakeKafka)
    systems.flink.server.jobs["old"] = Job("old", test_job.pipeline_name, "RUNNING", 9)
    systems.kafka.topics["_streamt_violations"] = TopicState("_streamt_violations", 1, 1, {})
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, "dev")
    live = observe(desired, ledger, systems)
    plan = build_plan(desired, live, ledger, PlanOptions("dev"))
    assert not plan.has_changes, [(c.address, c.action.value, c.reason) for c in plan.pending]

    asked = build_plan(desired, live, ledger, PlanOptions("dev", tests=True))
    assert {(c.address, c.action, c.live_job_id) for c in asked.pending} == {
        (f"{KIND.value}.{test_job.name}", Action.REPLACE, "old"),
        (f"topic.{violations_topic('', desired.project, test_job.name)}", Action.CREATE, None),
        ("topic.datatests.orders.dlq", Action.CREATE, None),
    }
