"""Health probes of the stack's processes: quick, never raising, True/False."""

from __future__ import annotations

from pathlib import Path

import httpx

from streamt.adapters.librdkafka import client_config
from streamt.local.ports import port_accepts
from streamt.local.secure import librdkafka_client, read_credentials, secure_files
from streamt.local.spec import Health, HealthKind


def probe(health: Health, timeout: float = 2.0) -> bool:
    try:
        if health.kind is HealthKind.HTTP:
            return _http_ok(health.target, timeout, health.secure_home)
        if health.kind is HealthKind.FLINK_TASKMANAGER and health.resource_id:
            return health.resource_id in taskmanager_ids(health.target, timeout)
        if health.kind is HealthKind.FLINK_TASKMANAGER:
            return _taskmanagers(health.target, timeout) >= 1
        if health.kind is HealthKind.KAFKA:
            return _kafka_ok(health.target, timeout, health.secure_home)
    except (httpx.HTTPError, ValueError, OSError, KeyError):
        return False
    return False


def _http_ok(url: str, timeout: float, secure_home: Path | None) -> bool:
    if secure_home is None:
        return httpx.get(url, timeout=timeout).status_code == 200
    creds = read_credentials(secure_home)
    ca = str(secure_files(secure_home).ca_cert)
    auth = (creds.registry_user, creds.registry_password)
    return httpx.get(url, timeout=timeout, verify=ca, auth=auth).status_code == 200


def _taskmanagers(url: str, timeout: float) -> int:
    response = httpx.get(url, timeout=timeout)
    if response.status_code != 200:
        return 0
    return int(response.json().get("taskmanagers", 0))


def taskmanager_ids(overview_url: str, timeout: float = 2.0) -> set[str]:
    """The ids of the TaskManagers registered with the JobManager of `overview_url`."""
    url = overview_url.rsplit("/", 1)[0] + "/taskmanagers"
    response = httpx.get(url, timeout=timeout)
    if response.status_code != 200:
        return set()
    return {str(tm.get("id")) for tm in response.json().get("taskmanagers", [])}


def _kafka_ok(bootstrap: str, timeout: float, secure_home: Path | None) -> bool:
    port = int(bootstrap.rsplit(":", 1)[1])
    if not port_accepts(port):
        return False
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    security = librdkafka_client(secure_home) if secure_home else {}
    admin = AdminClient(client_config({**security, "bootstrap.servers": bootstrap}))
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException:
        return False
    return bool(metadata.brokers)
