"""The multi-node profile's configuration: extra brokers' ports and KRaft quorum, replication
defaults, TaskManagers named and spread, the topology recorded with the stack's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.diagnostics import StreamtError
from streamt.local.config import Topology, load_config
from streamt.local.describe import describe, process_order
from streamt.local.flink import flink_config
from streamt.local.kafka import server_properties
from streamt.local.stack import Stack


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_three_brokers_and_two_taskmanagers_are_processes_with_ports_of_their_own() -> None:
    cfg = load_config(home=Path("/x"), port_offset=23000, env={}, brokers=3, taskmanagers=2)
    assert process_order(cfg) == (
        "kafka", "kafka-2", "kafka-3", "registry", "registry-proxy", "jobmanager",
        "taskmanager", "taskmanager-2", "sql-gateway", "connect",
    )  # fmt: skip
    ports = [p for s in describe(cfg) for p in s.bind_ports]
    assert len(ports) == len(set(ports)), "two processes would bind the same port"
    assert [cfg.broker_ports(n) for n in (1, 2, 3)] == [
        (32092, 32093),
        (32097, 32098),
        (32099, 32100),
    ]
    assert cfg.endpoints.kafka_bootstrap == "localhost:32092,localhost:32097,localhost:32099"
    # another stack shifted by a multiple of 100 binds none of these ports
    other = load_config(home=Path("/y"), port_offset=23100, env={}, brokers=3, taskmanagers=2)
    assert not set(ports) & {p for s in describe(other) for p in s.bind_ports}


def test_each_broker_is_a_voter_of_one_quorum_with_replication_factor_3_and_min_isr_2() -> None:
    cfg = load_config(home=Path("/x"), env={}, brokers=3)
    props = [_props(server_properties(cfg, n)) for n in (1, 2, 3)]
    voters = "1@127.0.0.1:9093,2@127.0.0.1:9098,3@127.0.0.1:9100"
    for n, p in enumerate(props, start=1):
        assert p["node.id"] == str(n)
        assert p["controller.quorum.voters"] == voters
        assert p["default.replication.factor"] == "3"
        assert p["min.insync.replicas"] == "2"
        assert p["offsets.topic.replication.factor"] == "3"
        assert p["transaction.state.log.replication.factor"] == "3"
        assert p["transaction.state.log.min.isr"] == "2"
    assert len({p["log.dirs"] for p in props}) == 3
    assert props[1]["listeners"] == "PLAINTEXT://127.0.0.1:9097,CONTROLLER://127.0.0.1:9098"


def test_one_broker_keeps_replication_factor_1() -> None:
    p = _props(server_properties(load_config(home=Path("/x"), env={})))
    assert (p["default.replication.factor"], p["min.insync.replicas"]) == ("1", "1")
    assert p["controller.quorum.voters"] == "1@127.0.0.1:9093"


def test_several_taskmanagers_are_found_by_their_resource_id_and_share_the_slots() -> None:
    cfg = load_config(home=Path("/x"), env={}, taskmanagers=2)
    health = {s.name: s.health.resource_id for s in describe(cfg) if s.name.startswith("task")}
    assert health == {"taskmanager": "taskmanager", "taskmanager-2": "taskmanager-2"}
    assert 'taskmanager.load-balance.mode: "slots"' in flink_config(cfg)
    single = load_config(home=Path("/x"), env={})
    assert "load-balance" not in flink_config(single)
    assert [s.health.resource_id for s in describe(single) if s.name == "taskmanager"] == [""]


def test_the_topology_is_read_back_from_the_stacks_data(tmp_path: Path) -> None:
    cfg = load_config(home=tmp_path, env={}, brokers=3, taskmanagers=2)
    Stack(cfg)._record_topology()
    assert load_config(home=tmp_path, env={}).topology == Topology(3, 2)
    # TaskManagers keep no data: their number may change
    Stack(load_config(home=tmp_path, env={}, taskmanagers=1))._record_topology()
    assert load_config(home=tmp_path, env={}).topology == Topology(3, 1)
    with pytest.raises(StreamtError) as err:
        Stack(load_config(home=tmp_path, env={}, brokers=1))._record_topology()
    assert [d.code for d in err.value.diagnostics] == ["L170"]


def test_a_stack_formatted_before_profiles_counts_as_one_broker(tmp_path: Path) -> None:
    (tmp_path / "data" / "kafka").mkdir(parents=True)
    (tmp_path / "data" / "kafka" / "meta.properties").write_text("node.id=1\n")
    with pytest.raises(StreamtError) as err:
        Stack(load_config(home=tmp_path, env={}, brokers=3))._record_topology()
    assert [d.code for d in err.value.diagnostics] == ["L170"]


def test_down_knows_every_process_with_a_pid_file(tmp_path: Path) -> None:
    cfg = load_config(home=tmp_path, env={})
    cfg.run_dir.mkdir(parents=True)
    (cfg.run_dir / "kafka-3.pid").write_text("{}")
    assert Stack(cfg).known_names()[-1] == "kafka-3"
