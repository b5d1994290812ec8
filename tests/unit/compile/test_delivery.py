"""Delivery guarantees in the compiled DDL: an exactly_once model's sink writes Kafka
transactions with a stable transactional-id prefix and a timeout a default broker allows, its
readers read committed rows only, and at_least_once (the default) compiles as before."""

from __future__ import annotations

from pathlib import Path

from streamt.compile import CompileResult
from streamt.resources import JobSpec
from streamt.sql.options import option_values
from tests.unit.compile.helpers import compile_yaml

PROJECT = """
project: {{name: shop}}
{defaults}
sources:
  - name: clicks
    topic: clicks
    columns: [{{name: k, type: STRING}}, {{name: n, type: BIGINT}}]
models:
  - name: counts
    sql: SELECT k, COUNT(*) AS c FROM {{{{ source("clicks") }}}} GROUP BY k
    advanced: {{flink: {{{counts}}}}}
  - name: big
    sql: SELECT k, c FROM {{{{ ref("counts") }}}} WHERE c > 10
  - name: plain
    sql: SELECT k, n FROM {{{{ source("clicks") }}}}
"""


def _compile(tmp_path: Path, counts: str = "", defaults: str = "") -> CompileResult:
    return compile_yaml(tmp_path, PROJECT.format(counts=counts, defaults=defaults))


def _job(result: CompileResult, name: str) -> JobSpec:
    return next(j for j in result.desired.jobs if j.name == name)


def _table(job: JobSpec, table: str) -> dict[str, str]:
    """The WITH options of the job's CREATE TABLE of `table`."""
    ddl = next(s for s in job.statements if s.startswith(f"CREATE TEMPORARY TABLE `{table}`"))
    return {o.key: o.value for o in option_values(ddl)}


def test_exactly_once_sink_writes_transactions_with_the_jobs_stable_prefix(
    tmp_path: Path,
) -> None:
    result = _compile(tmp_path, counts="delivery: exactly_once")
    sink = _table(_job(result, "counts"), "counts")
    assert sink["connector"] == "upsert-kafka"
    assert sink["sink.delivery-guarantee"] == "exactly-once"
    assert sink["sink.transactional-id-prefix"] == "streamt.shop.counts"
    assert sink["properties.transaction.timeout.ms"] == "900000"
    # the prefix is the job's identity, not a per-compile value
    again = _compile(tmp_path, counts="delivery: exactly_once")
    assert _job(again, "counts").data_fingerprint == _job(result, "counts").data_fingerprint


def test_readers_of_an_exactly_once_topic_read_committed_rows_only(tmp_path: Path) -> None:
    result = _compile(tmp_path, counts="delivery: exactly_once")
    reader = _table(_job(result, "big"), "counts")
    assert reader["properties.isolation.level"] == "read_committed"
    # the reader's own sink is at_least_once (the default): no transactions, no read_committed
    # on the source it reads (an external topic)
    assert "sink.delivery-guarantee" not in _table(_job(result, "big"), "big")
    assert "properties.isolation.level" not in _table(_job(result, "counts"), "clicks")


def test_at_least_once_is_the_default_and_compiles_as_before(tmp_path: Path) -> None:
    default = _compile(tmp_path)
    (tmp_path / "x").mkdir()
    explicit = _compile(tmp_path / "x", counts="delivery: at_least_once")
    for result in (default, explicit):
        for job in result.desired.jobs:
            for statement in job.statements:
                keys = {o.key for o in option_values(statement)}
                assert not keys & {
                    "sink.delivery-guarantee",
                    "sink.transactional-id-prefix",
                    "properties.isolation.level",
                }, statement
    assert [j.data_fingerprint for j in default.desired.jobs] == [
        j.data_fingerprint for j in explicit.desired.jobs
    ]


def test_the_project_default_applies_and_a_model_overrides_it(tmp_path: Path) -> None:
    result = _compile(
        tmp_path,
        counts="delivery: at_least_once",
        defaults="defaults: {models: {delivery: exactly_once}}",
    )
    assert "sink.delivery-guarantee" not in _table(_job(result, "counts"), "counts")
    big = _table(_job(result, "big"), "big")
    assert big["sink.delivery-guarantee"] == "exactly-once"
    assert big["sink.transactional-id-prefix"] == "streamt.shop.big"
    assert "properties.isolation.level" not in _table(_job(result, "big"), "counts")
    plain = _table(_job(result, "plain"), "plain")
    assert plain["connector"] == "kafka"
    assert plain["sink.delivery-guarantee"] == "exactly-once"
    assert plain["sink.transactional-id-prefix"] == "streamt.shop.plain"


def test_the_prefix_follows_the_name_prefix_so_environments_never_share_one(
    tmp_path: Path,
) -> None:
    text = PROJECT.format(counts="delivery: exactly_once", defaults="").replace(
        "project: {name: shop}", "project: {name: shop, prefix: dev-}"
    )
    result = compile_yaml(tmp_path, text)
    sink = _table(_job(result, "counts"), "counts")
    assert sink["sink.transactional-id-prefix"] == "streamt.dev-shop.counts"


def test_a_sink_connector_reading_an_exactly_once_topic_reads_committed_rows(
    tmp_path: Path,
) -> None:
    """A connector reading the topic itself (a file sink) asks Kafka Connect for committed
    rows; the JDBC sink reads an envelope job's topic, and that job reads committed rows."""
    sinks = """
  - name: to_file
    from: [{ref: counts}]
    advanced: {connector: {type: file-sink, config: {file: /tmp/x}}}
  - name: plain_to_file
    from: [{ref: plain}]
    advanced: {connector: {type: file-sink, config: {file: /tmp/y}}}
  - name: to_db
    from: [{ref: counts}]
    advanced: {connector: {type: jdbc-sink, config: {connection.url: "jdbc:postgresql://db/x"}}}
"""
    text = PROJECT.format(counts="delivery: exactly_once", defaults="") + sinks
    result = compile_yaml(tmp_path, text)
    connectors = {c.name: c.config for c in result.desired.connectors}
    assert connectors["to_file"]["consumer.override.isolation.level"] == "read_committed"
    assert "consumer.override.isolation.level" not in connectors["plain_to_file"]
    envelope = next(j for j in result.desired.jobs if j.sink_topic == connectors["to_db"]["topics"])
    assert _table(envelope, "counts")["properties.isolation.level"] == "read_committed"
