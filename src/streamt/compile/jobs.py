"""One Flink job per model: job-scoped SETs, CREATE TEMPORARY TABLE for every input and the
output, then INSERT INTO. Built with `streamt.sql.ddl` (quoted, escaped by the generator). Pure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from streamt.load.model import Model
from streamt.resources import ChangelogMode, JobSpec, digest
from streamt.sql import Column, TableDDL, create_table, create_view, insert_into, set_option
from streamt.sql.ddl import Rewrite, statement_set
from streamt.sql.schema import TableSchema

DEFAULT_CHECKPOINT_MS = 10_000
# an exactly-once sink's Kafka transaction timeout: Kafka's default `transaction.max.timeout.ms`
# (a broker refuses a producer asking for more; Flink's own default, 1 h, is more). A
# transaction stays open for one checkpoint interval plus any restart: validate (V211) wants
# the interval well below it
TRANSACTION_TIMEOUT_MS = 900_000
# Flink options streamt owns: a job is found by its pipeline.name; apply sets the restore path
RESERVED_FLINK_OPTIONS = frozenset(
    {"pipeline.name", "execution.savepoint.path", "execution.state-recovery.path"}
)


@dataclass(frozen=True)
class InputTable:
    """One table a job reads: a Kafka table (options) or a view (virtual-topic query)."""

    name: str
    columns: tuple[Column, ...]
    options: tuple[tuple[str, str], ...] = ()
    primary_key: tuple[str, ...] = ()
    view_query: str | None = None
    topic: str | None = None
    statement: str | None = None  # its DDL built elsewhere (a raw table with computed columns)


# a bounded (unit-test) run: one task, so rows reach the output in the order they were read
BOUNDED_CONFIG = {"parallelism.default": "1"}
_BOUNDED_SCAN = (
    ("scan.bounded.mode", "latest-offset"),
    ("scan.watermark.emit.strategy", "on-event"),
)


def bounded_input(table: InputTable) -> InputTable:
    """`table` read from the earliest offset to the latest one present when the job starts,
    its watermark advanced by every event (a finite input's windows all close). upsert-kafka
    always reads from the start and takes no startup mode; views and tables built elsewhere
    (a bad-record guard's raw table) are left as they are."""
    if table.view_query is not None or table.statement is not None:
        return table
    options = dict(table.options)
    if options.get("connector") != "upsert-kafka":
        options["scan.startup.mode"] = "earliest-offset"
        options.pop("scan.startup.timestamp-millis", None)
        options.pop("properties.auto.offset.reset", None)
    options.update(_BOUNDED_SCAN)
    return dataclasses.replace(table, options=tuple(options.items()))


def pipeline_name(project: str, model: str) -> str:
    return f"streamt.{project}.{model}"


def transactional_id_prefix(pipeline: str) -> str:
    """The Kafka transactional-id prefix of an exactly-once job: its pipeline name, stable
    across deploys and upgrades (a restored job aborts what its predecessor left open) and
    unique per job on a cluster."""
    return pipeline


def exactly_once_sink(pipeline: str) -> tuple[tuple[str, str], ...]:
    """The Kafka sink options of an exactly-once job (its writes commit at each checkpoint)."""
    return (
        ("sink.delivery-guarantee", "exactly-once"),
        ("sink.transactional-id-prefix", transactional_id_prefix(pipeline)),
        ("properties.transaction.timeout.ms", str(TRANSACTION_TIMEOUT_MS)),
    )


READ_COMMITTED = (("properties.isolation.level", "read_committed"),)


def job_config(
    model: Model, project: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    flink = model.advanced.flink
    config = {"pipeline.name": pipeline_name(project, model.name)}
    if flink.parallelism is not None:
        config["parallelism.default"] = str(flink.parallelism)
    interval = flink.checkpoint_interval_ms or DEFAULT_CHECKPOINT_MS
    config["execution.checkpointing.interval"] = f"{interval} ms"
    if flink.state_ttl_ms is not None and flink.state_ttl_ms > 0:
        config["table.exec.state.ttl"] = f"{flink.state_ttl_ms} ms"
    if flink.state_backend:
        config["state.backend.type"] = flink.state_backend
    config.update(extra or {})  # what streamt's own job needs (e.g. the envelope's time zone)
    for key, value in flink.config.items():
        if key not in RESERVED_FLINK_OPTIONS:  # refused by `streamt validate` (V018)
            config[str(key)] = str(value)
    return config


def input_ddl(table: InputTable) -> str:
    if table.statement is not None:
        return table.statement
    if table.view_query is not None:
        return create_view(table.name, table.view_query)
    return create_table(TableDDL(table.name, table.columns, table.options, table.primary_key))


def build_job(
    *,
    node: str,
    model: Model,
    project: str,
    inputs: Sequence[InputTable],
    output: TableSchema,
    output_options: tuple[tuple[str, str], ...],
    query: str,
    tree: exp.Expr | None,
    sink_topic: str,
    changelog: ChangelogMode,
    query_columns: Sequence[Column] = (),
    rewrites: Mapping[str, Rewrite] | None = None,
    extra_config: Mapping[str, str] | None = None,
    side_inserts: Sequence[str] = (),
    functions: Sequence[tuple[str, str]] = (),
) -> JobSpec:
    """The job; `side_inserts` run in the same job (a STATEMENT SET) after the model's INSERT;
    `functions`: (CREATE TEMPORARY FUNCTION statement, jar digest) of each user function the
    query calls."""
    config = job_config(model, project, extra_config)
    statements = [set_option(k, v) for k, v in config.items()]
    statements += [create for create, _ in functions]
    statements += [input_ddl(t) for t in inputs]
    sink_columns = tuple(c.plain() for c in output.columns)
    statements.append(
        create_table(TableDDL(output.name, sink_columns, output_options, output.primary_key))
    )
    main = insert_into(
        output.name,
        tree if tree is not None else query,
        query_columns or output.columns,
        rewrites,
    )
    statements.append(statement_set([main, *side_inserts]) if side_inserts else main)
    jars = [jar for _, jar in functions]
    return JobSpec(
        pipeline_name=config["pipeline.name"],
        statements=tuple(statements),
        config=config,
        query=query,
        sink_topic=sink_topic,
        source_topics=tuple(sorted({t.topic for t in inputs if t.topic})),
        data_fingerprint=data_fingerprint(statements, config, jars),
        metadata_fingerprint=digest(
            {"description": model.description, "owner": model.owner, "tags": list(model.tags)}
        ),
        name=model.name,
        node=node,
        changelog=changelog,
    )


def data_fingerprint(
    statements: Sequence[str], config: Mapping[str, str], jars: Sequence[str] = ()
) -> str:
    body: dict[str, object] = {"statements": list(statements), "config": dict(config)}
    if jars:  # user-function jars: a rebuilt jar upgrades the job
        body["jars"] = list(jars)
    return digest(body)
