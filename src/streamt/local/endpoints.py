"""Where the embedded local stack listens. Also the defaults `runtime:` falls back to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap: str = "localhost:9092"
    schema_registry_url: str = "http://localhost:8081"  # Confluent API at the root
    flink_rest_url: str = "http://localhost:8082"
    connect_url: str = "http://localhost:8083"
    sql_gateway_url: str = "http://localhost:8084"


DEFAULT_ENDPOINTS = Endpoints()
