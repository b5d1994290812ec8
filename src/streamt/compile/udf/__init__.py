"""streamt's own Flink function: `AvroJson.java`, the decoder that lets `on_bad_record: skip |
dead_letter` guard avro-confluent sources. Pure: its source, its content digest, the jar path a
project builds it to and the statements a job declares it with; apply builds the jar
(`streamt.adapters.udf_jar`) before it submits a job that names it.

The job reads the topic's bytes (`format = raw`, BYTES) and calls `streamt_avro_json(bytes)`:
the record as JSON text, or the reason it cannot be decoded (no magic byte, an unknown schema
id, a body that does not decode). The JSON then takes the path of JSON sources (parsed and
checked per column in SQL). The registry's URL and credentials reach the function as job
parameters (`pipeline.global-job-parameters`, an option value: `${VAR}` references are bound at
apply, never written into statement text).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from streamt.sql.ddl import add_jar, create_function, set_option
from streamt.sql.options import MAP_PARAMETERS, map_escape

SOURCE = Path(__file__).with_name("AvroJson.java")
CLASS = "streamt.udf.AvroJson"
FUNCTION = "streamt_avro_json"
JAR = "streamt_avro_json__jar"  # the ADD JAR statement's key in a job
JAR_PREFIX = "streamt-avro-json-"
PARAMETERS = MAP_PARAMETERS
URL_KEY, USER_INFO_KEY = "streamt.registry.url", "streamt.registry.user-info"


@cache
def digest() -> str:
    """The decoder's content digest (its source and the Flink line it is built against)."""
    return hashlib.sha256(b"flink-2.2\n" + SOURCE.read_bytes()).hexdigest()[:16]


def jar_path(project_root: str) -> str:
    """Where apply builds the decoder for this project: `<project>/target/udf/...jar`."""
    return str((Path(project_root) / "target" / "udf" / f"{JAR_PREFIX}{digest()}.jar").resolve())


def jar_statement(jar: str) -> str:
    """`ADD JAR`, not `USING JAR`: Flink 2.2's planner loads a USING JAR class for a query but
    not for a table's computed column (ClassNotFoundException at submit), which an Avro
    source's event time is (it is decoded by this function)."""
    return add_jar(jar)


def function_statement() -> str:
    return create_function(FUNCTION, CLASS, None)


def parameters_statement(url: str, user_info: str | None) -> str:
    """`SET 'pipeline.global-job-parameters' = ...`: the registry the decoder reads, as a Flink
    map option (each entry in single quotes, its key and value in double quotes inside, so that
    a URL's or a password's `:` and `,` stay text; a bound `${VAR}` is escaped the same way)."""
    pairs = [(URL_KEY, url)] + ([(USER_INFO_KEY, user_info)] if user_info else [])
    value = ",".join("'" + map_escape(f'"{k}":"{v}"') + "'" for k, v in pairs)
    return set_option(PARAMETERS, value)
