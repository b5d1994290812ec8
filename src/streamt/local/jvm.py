"""Shared JVM settings and the log4j2 configuration every JVM of the stack logs with."""

from __future__ import annotations

import os
from pathlib import Path

# Small heaps, 2 cores: SerialGC costs the least CPU and memory at start.
COMMON_FLAGS: tuple[str, ...] = (
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
)

LOG4J2_PROPERTIES = """\
# written by streamt local; every JVM of the stack logs to ${sys:log.file}
status = WARN
name = streamt-local
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:log.file}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %c{1} - %m%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = WARN
logger.kafkaclients.name = org.apache.kafka.clients
logger.kafkaclients.level = WARN
logger.kafkacommon.name = org.apache.kafka.common
logger.kafkacommon.level = WARN
logger.shaded.name = org.apache.flink.kafka.shaded
logger.shaded.level = WARN
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
"""


def write_log4j(conf_dir: Path) -> Path:
    conf_dir.mkdir(parents=True, exist_ok=True)
    path = conf_dir / "log4j2.properties"
    if not path.exists() or path.read_text() != LOG4J2_PROPERTIES:
        path.write_text(LOG4J2_PROPERTIES)
    return path


def log_flags(log_file: Path, log4j_conf: Path) -> list[str]:
    return [
        f"-Dlog.file={log_file}",
        f"-Dlog4j.configurationFile=file:{log4j_conf}",
        f"-Dlog4j2.configurationFile=file:{log4j_conf}",
    ]


def write_if_changed(path: Path, text: str, private: bool = False) -> Path:
    """Write `text` unless the file holds it; `private`: a file only its owner reads (0600),
    for a configuration with credentials."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if private:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        path.chmod(0o600)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def classpath(jars: list[Path]) -> str:
    return ":".join(str(j) for j in jars)
