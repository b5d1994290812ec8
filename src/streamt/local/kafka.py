"""Kafka: KRaft brokers, and the Kafka Connect distributed worker.

Both run from the same `lib/` of the Kafka bundle (one consistent set of jars), with settings
for fast tests (1-partition offsets topic, no initial rebalance delay). The storage is
formatted once per data dir.

One broker by default, with replication factor 1 everywhere. The multi-broker profile
(`Topology.brokers` > 1) runs every broker in combined mode (broker + controller, node ids
1..n, a static controller quorum of all of them: with 3, one may die and the quorum still has
a majority), default replication factor min(n, 3) and `min.insync.replicas` one less, for
topics created on it as for Kafka's internal topics (offsets, transactions) and Connect's.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

from streamt.config import jaas
from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local.bundles import BundleSet
from streamt.local.config import StackConfig, broker_name
from streamt.local.describe import described
from streamt.local.fetch import bundle_dir
from streamt.local.jvm import COMMON_FLAGS, classpath, log_flags, write_if_changed, write_log4j
from streamt.local.secure import (
    BROKER_USER,
    CONNECT_USER,
    MECHANISM,
    SCRAM_LOGIN,
    java_client,
    properties_text,
    read_credentials,
    scram_arguments,
    secure_files,
)
from streamt.local.spec import ProcessLaunch


def _lib_jars(cfg: StackConfig, bundles: BundleSet) -> list[Path]:
    return sorted((bundle_dir(cfg.cache, bundles.kafka) / "lib").glob("*.jar"))


def _data(cfg: StackConfig, n: int) -> Path:
    return cfg.data_dir / broker_name(n)


def server_properties(cfg: StackConfig, n: int = 1) -> str:
    """The configuration of broker n (1-based)."""
    port, controller = cfg.broker_ports(n)
    voters = ",".join(f"{i}@127.0.0.1:{cfg.broker_ports(i)[1]}" for i in cfg.brokers)
    rf, isr = cfg.topology.replication_factor, cfg.topology.min_insync_replicas
    listener = "SASL_SSL" if cfg.secure else "PLAINTEXT"
    lines = [
        "process.roles=broker,controller",
        f"node.id={n}",
        f"controller.quorum.voters={voters}",
        f"listeners={listener}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
        f"advertised.listeners={listener}://localhost:{port}",
        "controller.listener.names=CONTROLLER",
        f"inter.broker.listener.name={listener}",
        f"listener.security.protocol.map=CONTROLLER:PLAINTEXT,{listener}:{listener}",
        f"log.dirs={_data(cfg, n)}",
        "num.partitions=1",
        f"default.replication.factor={rf}",
        f"min.insync.replicas={isr}",
        f"offsets.topic.replication.factor={rf}",
        "offsets.topic.num.partitions=1",
        f"transaction.state.log.replication.factor={rf}",
        f"transaction.state.log.min.isr={isr}",
        "transaction.state.log.num.partitions=1",
        f"share.coordinator.state.topic.replication.factor={rf}",
        f"share.coordinator.state.topic.min.isr={isr}",
        "share.coordinator.state.topic.num.partitions=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "log.retention.hours=168",
        "num.network.threads=2",
        "num.io.threads=2",
        "background.threads=2",
        "log.cleaner.threads=1",
    ]
    text = "\n".join(lines) + "\n"
    return text + _broker_security(cfg) if cfg.secure else text


def _broker_security(cfg: StackConfig) -> str:
    """The SASL_SSL listener: SCRAM-SHA-512 (the broker logs in to itself as `broker`), TLS
    with the home's PEM key store. The controller listener stays on 127.0.0.1 in plaintext:
    only the broker's own controller traffic uses it."""
    files = secure_files(cfg.home)
    broker = read_credentials(cfg.home).kafka[BROKER_USER]
    credentials = {"username": BROKER_USER, "password": broker}
    return properties_text(
        {
            "sasl.enabled.mechanisms": MECHANISM,
            "sasl.mechanism.inter.broker.protocol": MECHANISM,
            f"listener.name.sasl_ssl.{MECHANISM.lower()}.sasl.jaas.config": jaas.login(
                SCRAM_LOGIN, credentials
            ),
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(files.server_pem),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(files.ca_cert),
            "ssl.client.auth": "none",
        }
    )


def _cluster_id(cfg: StackConfig) -> str:
    path = cfg.data_dir / "kafka-cluster-id"
    if path.exists():
        return path.read_text().strip()
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cid)
    return cid


def prepare_kafka(cfg: StackConfig, bundles: BundleSet) -> list[ProcessLaunch]:
    """One launch per broker, each with its storage formatted."""
    return [_prepare_broker(cfg, bundles, n) for n in cfg.brokers]


def _prepare_broker(cfg: StackConfig, bundles: BundleSet, n: int) -> ProcessLaunch:
    name = broker_name(n)
    conf = cfg.conf_dir / name
    props = write_if_changed(conf / "server.properties", server_properties(cfg, n), cfg.secure)
    log4j = write_log4j(conf)
    log_file = described(cfg, name).log_file
    cp = classpath(_lib_jars(cfg, bundles))
    _format_storage(cfg, cp, props, log4j, n)
    argv = [
        cfg.java, f"-Xms{cfg.heaps.kafka}", f"-Xmx{cfg.heaps.kafka}", *COMMON_FLAGS,
        *log_flags(log_file, log4j), f"-Dkafka.logs.dir={cfg.log_dir}",
        "-cp", cp, "kafka.Kafka", str(props),
    ]  # fmt: skip
    return replace(described(cfg, name), argv=tuple(argv), stop_timeout=20.0, config_files=(props,))


def _format_storage(cfg: StackConfig, cp: str, props: Path, log4j: Path, n: int) -> None:
    if (_data(cfg, n) / "meta.properties").exists():
        return
    argv = [
        cfg.java, "-Xmx256m", *COMMON_FLAGS,
        *log_flags(cfg.log_dir / f"{broker_name(n)}-format.log", log4j),
        "-cp", cp, "kafka.tools.StorageTool", "format",
        "--cluster-id", _cluster_id(cfg), "--config", str(props), "--ignore-formatted",
        *(scram_arguments(read_credentials(cfg.home)) if cfg.secure else ()),
    ]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise StreamtError(
            Diagnostic(
                "K004",
                f"formatting the Kafka storage in {_data(cfg, n)} failed:\n{tail}",
                hint="`streamt local down --purge` resets the stack's data",
            )
        )


def worker_properties(cfg: StackConfig, bundles: BundleSet) -> str:
    p, rf = cfg.ports, cfg.topology.replication_factor
    plugin_path = ",".join(
        str(bundle_dir(cfg.cache, b)) for b in (bundles.connect_file, bundles.jdbc_sink)
    )
    lines = [
        f"bootstrap.servers={cfg.endpoints.kafka_bootstrap}",
        "group.id=streamt-local-connect",
        "key.converter=org.apache.kafka.connect.json.JsonConverter",
        "value.converter=org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable=false",
        "value.converter.schemas.enable=false",
        "offset.storage.topic=_connect-offsets",
        f"offset.storage.replication.factor={rf}",
        "offset.storage.partitions=1",
        "config.storage.topic=_connect-configs",
        f"config.storage.replication.factor={rf}",
        "status.storage.topic=_connect-status",
        f"status.storage.replication.factor={rf}",
        "status.storage.partitions=1",
        "offset.flush.interval.ms=1000",
        f"listeners=http://127.0.0.1:{p.connect}",
        "rest.advertised.host.name=localhost",
        f"rest.advertised.port={p.connect}",
        f"plugin.path={plugin_path}",
        "plugin.discovery=service_load",
        "scheduled.rebalance.max.delay.ms=0",
    ]
    text = "\n".join(lines) + "\n"
    return text + _worker_security(cfg) if cfg.secure else text


def _worker_security(cfg: StackConfig) -> str:
    """The worker and its connectors' producers, consumers and admins log in as `connect`."""
    password = read_credentials(cfg.home).kafka[CONNECT_USER]
    client = java_client(secure_files(cfg.home), CONNECT_USER, password)
    prefixed = {f"{prefix}{k}": v for prefix in ("", "producer.", "consumer.", "admin.")
                for k, v in client.items()}  # fmt: skip
    return properties_text(prefixed)


def prepare_connect(cfg: StackConfig, bundles: BundleSet) -> ProcessLaunch:
    conf = cfg.conf_dir / "connect"
    props = write_if_changed(
        conf / "worker.properties", worker_properties(cfg, bundles), cfg.secure
    )
    log4j = write_log4j(conf)
    log_file = described(cfg, "connect").log_file
    argv = [
        cfg.java, "-Xms256m", f"-Xmx{cfg.heaps.connect}", *COMMON_FLAGS,
        *log_flags(log_file, log4j), f"-Dkafka.logs.dir={cfg.log_dir}",
        "-cp", classpath(_lib_jars(cfg, bundles)),
        "org.apache.kafka.connect.cli.ConnectDistributed", str(props),
    ]  # fmt: skip
    return replace(
        described(cfg, "connect"),
        argv=tuple(argv),
        after=tuple(broker_name(n) for n in cfg.brokers),
        stop_timeout=20.0,
        config_files=(props,),
    )
