import pytest

from streamt.config import runtime
from streamt.local.endpoints import DEFAULT_ENDPOINTS


def test_local_defaults_match_the_local_stack_endpoints() -> None:
    local = runtime.local_runtime()
    assert local.kafka is not None and local.schema_registry is not None
    assert local.flink is not None and local.connect is not None
    flink, connect = local.flink.cluster(), local.connect.cluster()
    assert flink is not None and connect is not None
    assert local.kafka.bootstrap_servers == DEFAULT_ENDPOINTS.kafka_bootstrap
    assert local.schema_registry.url == DEFAULT_ENDPOINTS.schema_registry_url
    assert flink.rest_url == DEFAULT_ENDPOINTS.flink_rest_url
    assert flink.sql_gateway_url == DEFAULT_ENDPOINTS.sql_gateway_url
    assert connect.rest_url == DEFAULT_ENDPOINTS.connect_url


def test_cluster_by_name_then_default_then_first() -> None:
    a = runtime.ConnectClusterConfig(rest_url="http://a")
    b = runtime.ConnectClusterConfig(rest_url="http://b")
    both = runtime.ConnectConfig(clusters={"a": a, "b": b})
    assert both.cluster() == a  # no default: the first declared
    assert both.cluster("b") == b
    assert both.cluster("c") is None
    with_default = runtime.ConnectConfig(default="b", clusters={"a": a, "b": b})
    assert with_default.cluster() == b
    assert with_default.cluster("a") == a
    assert runtime.ConnectConfig().cluster() is None
    flink_a = runtime.FlinkClusterConfig(rest_url="http://fa")
    flink_b = runtime.FlinkClusterConfig(rest_url="http://fb")
    flink = runtime.FlinkConfig(default="b", clusters={"a": flink_a, "b": flink_b})
    assert (flink.cluster(), flink.cluster("a")) == (flink_b, flink_a)
    assert runtime.FlinkConfig(clusters={"a": flink_a, "b": flink_b}).cluster() == flink_a
    assert runtime.FlinkConfig().cluster() is None


def test_yaml_scalars_become_strings() -> None:
    kafka = runtime.KafkaConfig(bootstrap_servers=["h1:9092", "h2:9092"])
    assert kafka.bootstrap_servers == "h1:9092,h2:9092"
    assert runtime._scalar_to_str(True) == "true"
    assert runtime._scalar_to_str(False) == "false"
    assert runtime._scalar_to_str(2) == "2"
    assert runtime._scalar_to_str(1.5) == "1.5"
    assert runtime._scalar_to_str("x") == "x"


def test_unknown_attribute_of_the_package_names_itself() -> None:
    import streamt.config

    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = streamt.config.no_such_thing  # type: ignore[attr-defined]
