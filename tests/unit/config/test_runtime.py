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
