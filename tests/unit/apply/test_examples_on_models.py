"""Every example and corpus project (tests/corpus: written from outside), as the compiler
really writes it, applied through the real adapters to the model servers of `tests/fakes`
(which judge the requests by their own reading of each API): the apply converges, each system ends up holding exactly the compiled resources, and a second
plan is empty. A client that sends one thing and observes another would plan again forever."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.apply.executor import execute_plan
from streamt.apply.step import ApplyOptions, StepContext
from streamt.compile import CompileResult, compile_project
from streamt.compile.specs import DesiredState
from streamt.config.runtime import ConduktorConfig, GatewayConfig
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.plan import PlanOptions, build_plan
from streamt.resources import TopicState
from streamt.state import LedgerWriter, Systems, observe, read_ledger

from ..compile.helpers import EXAMPLES, compile_dir
from .fakes import FakeConnect, FakeFlink, FakeGateway, FakeKafka, FakeRegistry, fake_systems

ENV = "dev"
ENVIRON = {
    "PG_JDBC_URL": "jdbc:postgresql://db:5432/shop",
    "PG_USER": "streamt",
    "PG_PASSWORD": "pw",
}
CORPUS = EXAMPLES.parent / "tests" / "corpus"
PROJECTS = sorted(
    [p for p in EXAMPLES.iterdir() if (p / "stream_project.yml").exists()]
    + [p.parent for p in CORPUS.rglob("stream_project.yml")]
)


def _cycle(systems: Systems, desired: DesiredState, **options: object):  # type: ignore[no-untyped-def]
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, ENV)
    plan = build_plan(desired, observe(desired, ledger, systems), ledger, PlanOptions(ENV))
    options = ApplyOptions(job_stable_s=0, poll_s=0, history_wait_s=0, environ=ENVIRON, **options)  # type: ignore[arg-type]
    writer = LedgerWriter(systems.ledger, desired.project, ENV)
    return plan, execute_plan(plan, StepContext(systems, ledger, writer, options))


def _bound(value: str) -> str:
    for name, secret in ENVIRON.items():
        value = value.replace("${" + name + "}", secret)
    return value


def compile_with_gateway(path: Path) -> CompileResult:
    """`path` compiled as if its runtime also had a Conduktor Gateway: its stateless models in
    the Gateway's SQL subset become virtual topics (rules), as a user with a Gateway gets them."""
    loaded = load_project(path)
    assert loaded.project is not None
    gateway = ConduktorConfig(gateway=GatewayConfig(admin_url="http://gateway:8888"))
    runtime = loaded.project.runtime.model_copy(update={"conduktor": gateway})
    project = loaded.project.model_copy(update={"runtime": runtime})
    return compile_project(project, build_graph(project)[0])


@pytest.mark.parametrize("gateway", [False, True], ids=["", "with-gateway"])
@pytest.mark.parametrize("example", PROJECTS, ids=lambda p: p.name)
def test_an_example_applies_to_the_models_and_converges(example: Path, gateway: bool) -> None:
    result = compile_with_gateway(example) if gateway else compile_dir(example)[0]
    assert result.ok, [d.render() for d in result.diagnostics if d.is_error]
    desired = result.desired
    systems = fake_systems()
    kafka, flink, connect, registry = (
        systems.kafka,
        systems.flink,
        systems.connect,
        systems.registry,
    )
    assert isinstance(kafka, FakeKafka) and isinstance(flink, FakeFlink)
    assert isinstance(connect, FakeConnect) and isinstance(registry, FakeRegistry)
    made = {t.name for t in desired.topics}
    for job in desired.jobs:  # the sources exist before a pipeline is applied
        for name in job.source_topics:
            if name not in made:
                kafka.topics[name] = TopicState(name, 1, 1, {})

    plan, report = _cycle(systems, desired)
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert plan.has_changes

    # Flink: one RUNNING job per compiled job, named by its pipeline name, and the statements
    # it ran are the compiled ones (values bound)
    jobs = {j.name: j for j in flink.server.jobs.values()}
    assert sorted(jobs) == sorted(j.pipeline_name for j in desired.jobs)
    for spec in desired.jobs:
        ran = jobs[spec.pipeline_name]
        assert ran.state == "RUNNING"
        assert ran.statements == [_bound(s) for s in spec.statements]
        assert ran.config["pipeline.name"] == spec.pipeline_name
    assert flink.server.sessions == {}  # every session was closed
    # Connect: exactly the compiled connectors, with their bound config (+ the name Connect adds)
    stored = {name: c.config for name, c in connect.server.connectors.items()}
    assert stored == {
        c.name: {**{k: _bound(v) for k, v in c.config.items()}, "name": c.name}
        for c in desired.connectors
    }
    assert all(c.state == "RUNNING" for c in connect.server.connectors.values())
    # Schema Registry: each compiled subject's latest version is the compiled schema
    for subject in desired.subjects:
        latest = registry.server.latest(subject.subject)
        assert latest is not None and latest[1:] == (
            subject.schema_type.upper(),
            subject.schema_text,
        )
    # Kafka: every compiled topic with its partitions
    for topic in desired.topics:
        assert kafka.topics[topic.name].partitions == topic.partitions
    # Gateway: one VirtualSqlTopicPlugin per compiled rule, holding the statement compile built
    # (and accepted by the model's own check of the documented SQL subset)
    assert isinstance(systems.gateway, FakeGateway)
    held = {n: i["spec"]["config"] for n, i in systems.gateway.server.interceptors.items()}
    assert held == {
        r.name: {"virtualTopic": r.name, "statement": r.statement} for r in desired.gateway_rules
    }

    again, second = _cycle(systems, desired)
    assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
    assert second.results == ()
    assert len(flink.server.jobs) == len(desired.jobs)  # nothing restarted

    # destroy: every system lets go of what the project made (sources stay: they are external)
    gone, report = _cycle(systems, DesiredState(project=desired.project), allow_destructive=True)
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert all(c.action.value == "delete" for c in gone.pending)
    assert [j.state for j in flink.server.jobs.values() if j.state == "RUNNING"] == []
    assert connect.server.connectors == {}
    assert systems.gateway.server.interceptors == {}
    # streamt registered every subject (none existed before), so it deletes them all
    assert [s.subject for s in desired.subjects if registry.server.latest(s.subject)] == []
    assert sorted(kafka.topics) == sorted(set(kafka.topics) - made)
    # and the consumer group each job committed offsets under (its pipeline name) is deleted
    assert sorted(kafka.deleted_groups) == sorted(j.pipeline_name for j in desired.jobs)
