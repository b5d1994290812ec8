from pathlib import Path

from streamt.local.bundles import bundles_for
from streamt.local.config import Ports, load_config
from streamt.local.describe import describe
from streamt.local.javacheck import parse_java_major
from streamt.local.spec import Component
from streamt.local.stack import bundles_needed, resolve
from streamt.local.versions import DEFAULT_VERSIONS


def test_defaults_match_the_documented_endpoints():
    cfg = load_config(env={"HOME": "/home/u"})
    ep = cfg.endpoints
    assert ep.kafka_bootstrap == "localhost:9092"
    assert ep.schema_registry_url == "http://localhost:8081"
    assert ep.flink_rest_url == "http://localhost:8082"
    assert ep.connect_url == "http://localhost:8083"
    assert ep.sql_gateway_url == "http://localhost:8084"


def test_home_cache_ports_heaps_versions_come_from_the_environment(tmp_path):
    cfg = load_config(
        env={
            "STREAMT_LOCAL_HOME": str(tmp_path / "h"),
            "STREAMT_CACHE_DIR": str(tmp_path / "c"),
            "STREAMT_LOCAL_PORT_OFFSET": "100",
            "STREAMT_LOCAL_PORT_CONNECT": "18383",
            "STREAMT_LOCAL_HEAP_KAFKA": "1g",
            "STREAMT_LOCAL_VERSION_KAFKA": "4.2.0",
        }
    )
    assert cfg.home == tmp_path / "h"
    assert cfg.cache == tmp_path / "c"
    assert cfg.ports.kafka == 9192 and cfg.ports.flink_rpc == 6223
    assert cfg.ports.connect == 18383
    assert cfg.heaps.kafka == "1g"
    assert cfg.versions.kafka == "4.2.0"
    assert bundles_for(cfg.versions).kafka.key == "kafka-4.2.0"


def test_explicit_options_win_over_the_environment(tmp_path):
    cfg = load_config(home=tmp_path, port_offset=5, env={"STREAMT_LOCAL_PORT_OFFSET": "100"})
    assert cfg.home == tmp_path
    assert cfg.ports == Ports().shifted(5)


def test_resolve_adds_what_a_component_needs():
    assert resolve((Component.CONNECT,)) == (Component.KAFKA, Component.CONNECT)
    assert resolve((Component.SQL_GATEWAY,)) == (Component.FLINK, Component.SQL_GATEWAY)
    assert resolve(()) == tuple(Component)


def test_only_the_bundles_a_selection_needs_are_fetched():
    bundles = bundles_for(DEFAULT_VERSIONS)
    assert bundles_needed(bundles, (Component.KAFKA,)) == [bundles.kafka]
    connect = bundles_needed(bundles, resolve((Component.CONNECT,)))
    assert connect == [bundles.kafka, bundles.connect_file, bundles.jdbc_sink]


def test_every_process_is_described_once_in_start_order():
    cfg = load_config(home=Path("/x"), env={})
    names = [s.name for s in describe(cfg)]
    assert names == [
        "kafka", "registry", "registry-proxy", "jobmanager", "taskmanager", "sql-gateway",
        "connect",
    ]  # fmt: skip
    assert len(set(names)) == len(names)
    ports = [p for s in describe(cfg) for p in s.bind_ports]
    assert len(ports) == len(set(ports)), "two processes would bind the same port"


def test_java_version_parsing():
    assert parse_java_major('openjdk version "17.0.15" 2025-04-15') == 17
    assert parse_java_major('java version "1.8.0_392"') == 8
    assert parse_java_major('openjdk version "21" 2023-09-19') == 21
    assert parse_java_major("no java here") is None


def test_fingerprint_follows_argv_env_and_config_files(tmp_path):
    from dataclasses import replace

    conf = tmp_path / "server.properties"
    conf.write_text("a=1\n")
    spec = replace(describe(load_config(home=tmp_path, env={}))[0], argv=("java", "x"))
    with_conf = replace(spec, config_files=(conf,))
    before = with_conf.fingerprint()
    assert before == replace(spec, config_files=(conf,)).fingerprint()
    conf.write_text("a=2\n")
    assert with_conf.fingerprint() != before
    assert replace(spec, argv=("java", "y")).fingerprint() != spec.fingerprint()
    assert replace(spec, env=(("K", "V"),)).fingerprint() != spec.fingerprint()
