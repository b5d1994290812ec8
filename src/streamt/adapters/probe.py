"""Short, single-shot reachability probes: one TCP connect per Kafka bootstrap server, one HTTP
GET per REST system, each under a small timeout and never retried.

They answer "can this machine talk to X, which version is it, how long does a round trip take"
in well under a second per system, before a command starts the adapters' patient retries
(`streamt debug`, and the preflight of plan / apply / test). A probe never raises for an
unreachable system: it returns a `Reach` that says why.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from streamt.adapters.http import http_client
from streamt.adapters.librdkafka import client_config
from streamt.adapters.protocols import AdapterError

PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Reach:
    """What one probe saw: reachable or not, the round trip, the body's useful facts."""

    ok: bool
    rtt_ms: float | None = None
    detail: str = ""  # why not, when not ok
    facts: Mapping[str, Any] = field(default_factory=dict)
    refused: bool = False  # it answered, but refused the credentials or the TLS handshake


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def split_servers(bootstrap: str) -> list[tuple[str, int]]:
    """`host:port,host:port` -> pairs; a server without a port gets Kafka's 9092; IPv6 hosts
    in brackets (`[::1]:9092`)."""
    pairs = []
    for item in (s.strip() for s in bootstrap.split(",")):
        if not item:
            continue
        item = item.split("://", 1)[-1]  # PLAINTEXT://host:port
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit() or (host.count(":") and not host.startswith("[")):
            host, port = item, "9092"
        pairs.append((host.strip("[]"), int(port)))
    return pairs


def tcp(bootstrap: str, timeout_s: float = PROBE_TIMEOUT_S) -> Reach:
    """Reachable when at least one bootstrap server accepts a TCP connection."""
    servers = split_servers(bootstrap)
    if not servers:
        return Reach(False, detail="no bootstrap server")
    reasons = []
    for host, port in servers:
        start = time.perf_counter()
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                return Reach(True, _ms(start), facts={"server": f"{host}:{port}"})
        except OSError as exc:
            reasons.append(f"{host}:{port}: {_reason(exc)}")
    return Reach(False, detail="; ".join(reasons))


def _reason(exc: OSError) -> str:
    if isinstance(exc, socket.timeout):
        return "no answer (timed out)"
    return exc.strerror or type(exc).__name__


_KAFKA_WAIT_S = 0.25
_KAFKA_REFUSALS = {
    "_AUTHENTICATION": "the brokers refused the credentials",
    "_SSL": "the TLS handshake failed",
}


def kafka_metadata(
    bootstrap: str,
    properties: Mapping[str, str],
    topic: str,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> Reach:
    """One metadata request: broker count, cluster id, whether `topic` exists and every topic
    name (facts `brokers`, `cluster_id`, `topic_exists`, `topics`)."""

    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    errors: list[KafkaError] = []
    config = client_config(
        {
            **properties,
            "bootstrap.servers": bootstrap,
            "socket.connection.setup.timeout.ms": int(timeout_s * 1000),
            "error_cb": errors.append,
        }
    )
    start = time.perf_counter()
    admin = AdminClient(config)
    deadline = start + timeout_s
    while True:  # short waits, so that a refusal is told at once, not after the timeout
        wait = max(0.05, min(_KAFKA_WAIT_S, deadline - time.perf_counter()))
        try:
            metadata = admin.list_topics(timeout=wait)
            break
        except KafkaException as exc:
            admin.poll(0)  # serves error_cb
            refusal = next((e for e in errors if e.name() in _KAFKA_REFUSALS), None)
            if refusal is not None:
                why = f"{_KAFKA_REFUSALS[refusal.name()]} ({refusal.str()})"
                return Reach(False, _ms(start), detail=why, refused=True)
            if time.perf_counter() >= deadline:
                return Reach(False, _ms(start), detail=str(exc.args[0] if exc.args else exc))
    return Reach(
        True,
        _ms(start),
        facts={
            "brokers": len(metadata.brokers),
            "cluster_id": metadata.cluster_id or "",
            "topic_exists": topic in metadata.topics,
            "topics": sorted(metadata.topics),
        },
    )


def http_get(
    base_url: str,
    path: str,
    *,
    username: str | None = None,
    password: str | None = None,
    ca_location: str | None = None,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> Reach:
    """One GET of `base_url + path`; ok on any 2xx (facts `body`: the decoded JSON or None).

    A system that answers with another status is reachable but refuses (ok False, the status
    in `detail`): a wrong path, or credentials it does not accept.
    """
    start = time.perf_counter()
    try:
        with http_client(
            base_url,
            username=username,
            password=password,
            ca_location=ca_location,
            timeout_s=timeout_s,
        ) as client:
            start = time.perf_counter()  # the round trip, not the client's TLS context setup
            reply = client.get(path)
    except httpx.TimeoutException:
        return Reach(False, detail="no answer (timed out)")
    except httpx.HTTPError as exc:
        reason = _http_reason(exc)
        refused = "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in reason
        return Reach(False, detail=reason, refused=refused)
    except AdapterError as exc:  # a URL that is malformed once resolved
        return Reach(False, detail=exc.message)
    rtt = _ms(start)
    if reply.status_code in (401, 403):
        why = f"HTTP {reply.status_code} on GET {path}: the credentials were refused"
        return Reach(False, rtt, detail=why, refused=True)
    if not reply.is_success:
        return Reach(False, rtt, detail=f"HTTP {reply.status_code} on GET {path}")
    try:
        body = reply.json()
    except ValueError:
        body = None
    return Reach(True, rtt, facts={"body": body})


def _http_reason(exc: httpx.HTTPError) -> str:
    cause: BaseException | None = exc
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(cause or exc) or type(exc).__name__
    return "connection refused" if "refused" in text.lower() else text
