"""`on_bad_record`: which sources are guarded, what a guarded job declares, and V150 for sources
that cannot be parsed in SQL. Real-stack proof: tests/integration/test_bad_record_policies.py
(and the offline Flink planner accepts guarded windowed and joined jobs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.compile.helpers import compile_yaml

HEAD = """\
project: {name: shop}
defaults:
  sources: {on_bad_record: DEFAULT}
sources:
  - name: raw
    topic: orders.raw
SOURCE_EXTRA
    columns: [{name: id, type: STRING}, {name: amount, type: INT}, {name: ts, type: TIMESTAMP(3)}]
    event_time: {column: ts}
models:
  - name: clean
    sql: SELECT id, amount, ts FROM {{ source("raw") }}
"""


def project(default: str = "fail", extra: str = "") -> str:
    return HEAD.replace("DEFAULT", default).replace("SOURCE_EXTRA\n", extra)


def test_fail_reads_the_source_with_its_format_and_adds_nothing(tmp_path: Path) -> None:
    result = compile_yaml(tmp_path, project())
    (job,) = result.desired.jobs
    assert "'format'='json'" in job.statements[-3]
    assert not any("STATEMENT SET" in s or "__records" in s for s in job.statements)
    assert [t.name for t in result.desired.topics] == ["clean"]


@pytest.mark.parametrize(
    ("default", "extra", "side"),
    [
        ("skip", "", "clean.skipped"),
        ("fail", "    on_bad_record: dead_letter\n", "clean.dead_letters"),
        ("dead_letter", "    on_bad_record: skip\n", "clean.skipped"),  # the source wins
    ],
)
def test_a_guarded_source_routes_bad_records_to_a_side_topic_the_model_owns(
    tmp_path: Path, default: str, extra: str, side: str
) -> None:
    result = compile_yaml(tmp_path, project(default, extra))
    (job,) = result.desired.jobs
    topics = {t.name: t.node for t in result.desired.topics}
    assert topics == {"clean": "model.shop.clean", side: "model.shop.clean"}
    text = "\n".join(job.statements)
    assert "CREATE TEMPORARY TABLE `raw__records`" in text and "'format'='raw'" in text
    assert "`streamt_offset` BIGINT METADATA FROM 'offset' VIRTUAL" in text
    assert "WATERMARK FOR `ts`" in text  # the event time stays a rowtime through the views
    assert "CREATE TEMPORARY VIEW `raw` AS" in text
    assert job.statements[-1].startswith("EXECUTE STATEMENT SET BEGIN\nINSERT INTO `clean`")
    table = "streamt_skipped" if side.endswith("skipped") else "streamt_dead_letters"
    assert f"INSERT INTO `{table}`" in job.statements[-1]
    assert f"'topic'='{side}'" in text
    assert ("`record` STRING" in text) is side.endswith("dead_letters")
    assert job.source_topics == ("orders.raw",)


@pytest.mark.parametrize(
    ("key", "key_format", "key_checks"),
    [("[id]", "raw", False), ("[id, amount]", "json", True)],
)
def test_a_keyed_source_is_guarded_reading_its_fields_from_the_value_as_flink_does(
    tmp_path: Path, key: str, key_format: str, key_checks: bool
) -> None:
    # Flink's kafka table with value.fields-include ALL takes key fields from the value; the
    # guarded table reads the value (and the key) as text and parses the same fields
    result = compile_yaml(tmp_path, project("fail", f"    on_bad_record: skip\n    key: {key}\n"))
    (job,) = result.desired.jobs
    plain = compile_yaml(tmp_path, project("fail", f"    key: {key}\n")).desired.jobs[0]
    assert f"'key.format'='{key_format}'" in "\n".join(plain.statements)
    assert "'value.fields-include'='ALL'" in "\n".join(plain.statements)
    text = "\n".join(job.statements)
    assert "`streamt_key` STRING" in text
    for option in (
        "'key.format'='raw'",
        "'key.fields'='streamt_key'",
        "'value.format'='raw'",
        "'value.fields-include'='EXCEPT_KEY'",
    ):
        assert option in text, option
    assert "JSON_VALUE(`streamt_record`, '$.id') AS `id`" in text
    assert ("'key: not a JSON object'" in text) is key_checks
    assert ("'key field amount: not of type INT'" in text) is key_checks
    assert not [d for d in result.diagnostics if d.code in ("V150", "V160")]


AVRO_SCHEMA = """\
    schema:
      format: avro
      definition: '{"type":"record","name":"R","fields":[{"name":"id","type":"string"}]}'
"""


@pytest.mark.parametrize(
    ("extra", "fmt", "why"),
    [
        (
            "    on_bad_record: dead_letter\n    format: avro\n",
            "avro",
            "Flink SQL has no function that decodes plain Avro bytes (streamt's decoder reads "
            "Confluent-framed Avro with a schema registry: format avro with a schema)",
        ),
        (
            "    on_bad_record: skip\n    format: debezium-json\n",
            "debezium-json",
            "its change events become inserts, updates and deletes only through the format (read "
            "as text they would be plain rows), and the format's only error handling "
            "(debezium-json.ignore-parse-errors) is no skip: it sets a field that does not parse "
            "to NULL and keeps the row, and drops a record that is not JSON, uncounted",
        ),
    ],
)
def test_sources_whose_format_cannot_be_routed_in_the_job_get_v160(
    tmp_path: Path, extra: str, fmt: str, why: str
) -> None:
    (tmp_path / "stream_project.yml").write_text(project("fail", extra))
    from tests.unit.compile.helpers import compile_dir

    result, _ = compile_dir(tmp_path)
    (diag,) = [d for d in result.diagnostics if d.code == "V160"]
    policy = extra.split("on_bad_record: ")[1].split("\n")[0]
    assert diag.is_error
    assert diag.message == (
        f"source 'raw': on_bad_record: {policy} is not available for format {fmt}: {why}"
    )
    assert diag.location.line == 7  # the on_bad_record line
    assert diag.hint.startswith("keep on_bad_record: fail (a bad record stops the job; apply,")
    assert "declare the clean topic as the source" in diag.hint
    assert not [d for d in result.diagnostics if d.code == "V150"]


def test_a_project_default_that_cannot_guard_a_source_is_placed_on_the_source(
    tmp_path: Path,
) -> None:
    (tmp_path / "stream_project.yml").write_text(project("skip", "    format: avro\n"))
    from tests.unit.compile.helpers import compile_dir

    result, _ = compile_dir(tmp_path)
    (diag,) = [d for d in result.diagnostics if d.code == "V160"]
    assert "on_bad_record: skip is not available for format avro:" in diag.message
    assert diag.location.line == 5  # the source's `- name: raw`


def test_an_avro_confluent_source_is_decoded_by_streamts_function_then_parsed(
    tmp_path: Path,
) -> None:
    # real-stack proof: tests/integration/test_bad_record_avro.py
    from streamt.compile import udf

    text = (
        project("fail", "    on_bad_record: dead_letter\n" + AVRO_SCHEMA)
        .replace(
            "    columns: [{name: id, type: STRING}, {name: amount, type: INT}, "
            "{name: ts, type: TIMESTAMP(3)}]\n    event_time: {column: ts}\n",
            "",
        )
        .replace("SELECT id, amount, ts FROM", "SELECT id FROM")
    )
    result = compile_yaml(tmp_path, text)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    (job,) = result.desired.jobs
    parameters = '\'"streamt.registry.url":"http://localhost:8081"\''
    quoted = parameters.replace("'", "''")
    assert job.statements[2] == f"SET 'pipeline.global-job-parameters' = '{quoted}'"
    jar = job.statements[3]
    assert jar.startswith("ADD JAR '/")  # an absolute path: the gateway reads it
    assert jar.endswith(f"/target/udf/streamt-avro-json-{udf.digest()}.jar'")
    assert job.statements[4] == (
        "CREATE TEMPORARY FUNCTION `streamt_avro_json` AS 'streamt.udf.AvroJson' LANGUAGE JAVA"
    )
    text = "\n".join(job.statements)
    assert "`streamt_bytes` BYTES" in text and "'format'='raw'" in text
    assert "avro-confluent" not in text  # the format's options went with the format
    # decoded once per record, in a subquery of the view
    assert "SELECT\n    `STREAMT_AVRO_JSON`(`streamt_bytes`) AS `streamt_record`,\n    *\n" in text
    assert "WHEN NOT `streamt_record` IS JSON OBJECT\n    THEN `streamt_record`" in text
    assert "TO_BASE64(`streamt_bytes`) AS `streamt_record`" in text  # the dead letter's record


def test_an_avro_confluent_source_with_an_event_time_decodes_it_in_the_table(
    tmp_path: Path,
) -> None:
    """The event time is a computed column of the raw table calling the decoder (its WATERMARK
    needs a table column), a 1970 placeholder for a bad record; the jar is on the session's
    classpath (ADD JAR), so the planner loads the class for the column. On the stack:
    tests/integration/test_bad_record_avro.py::
    test_an_avro_source_with_an_event_time_is_guarded_and_its_windows_close."""
    text = project("fail", "    on_bad_record: skip\n" + AVRO_SCHEMA).replace(
        "    columns: [{name: id, type: STRING}, {name: amount, type: INT}, "
        "{name: ts, type: TIMESTAMP(3)}]\n",
        "",
    )
    text = text.replace(
        '"name":"id","type":"string"}',
        '"name":"id","type":"string"},'
        '{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}',
    )
    text = text.replace("SELECT id, amount, ts FROM", "SELECT id, ts FROM")
    result = compile_yaml(tmp_path, text)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    (job,) = result.desired.jobs
    joined = "\n".join(job.statements)
    assert "'format'='raw'" in joined and "avro-confluent" not in joined
    assert (
        "  `ts` AS COALESCE(\n"
        "    TRY_CAST(JSON_VALUE(`STREAMT_AVRO_JSON`(`streamt_bytes`), '$.ts') AS TIMESTAMP(3)),\n"
        "    CAST('1970-01-01 00:00:00' AS TIMESTAMP(3))\n"
        "  ),\n"
        "  WATERMARK FOR `ts` AS `ts` - INTERVAL '5' SECOND\n"
    ) in joined
    assert "  `ts` AS `ts`,\n" in joined  # the view reads the table's event time
    assert "THEN 'event time ts: missing, NULL or not of type TIMESTAMP(3)'" in joined
    assert not [s for s in job.statements if "USING JAR" in s]


def test_registry_credentials_reach_the_decoder_as_a_bound_option_value(tmp_path: Path) -> None:
    from streamt.sql.options import bound_statements

    text = (
        project("fail", "    on_bad_record: skip\n" + AVRO_SCHEMA)
        .replace(
            "project: {name: shop}\n",
            "project: {name: shop}\nruntime:\n  schema_registry: {url: 'http://r:8081', "
            "username: u, password: '${REG_PW}'}\n",
        )
        .replace(
            "    columns: [{name: id, type: STRING}, {name: amount, type: INT}, "
            "{name: ts, type: TIMESTAMP(3)}]\n    event_time: {column: ts}\n",
            "",
        )
        .replace("SELECT id, amount, ts FROM", "SELECT id FROM")
    )
    (job,) = compile_yaml(tmp_path, text).desired.jobs
    (setting,) = [s for s in job.statements if "global-job-parameters" in s]
    assert "${REG_PW}" in setting
    (bound,) = bound_statements([setting], {"REG_PW": "p'w\",x:y"})
    # the map Flink reads: each entry single-quoted, its key and value double-quoted inside
    entries = [
        '"streamt.registry.url":"http://r:8081"',
        '"streamt.registry.user-info":"u:p\'w"",x:y"',
    ]
    value = ",".join("'" + e.replace("'", "''") + "'" for e in entries)
    assert bound == "SET 'pipeline.global-job-parameters' = '" + value.replace("'", "''") + "'"


def test_map_and_nested_array_columns_cannot_be_parsed_in_sql(tmp_path: Path) -> None:
    text = project("skip").replace(
        "{name: amount, type: INT}",
        "{name: amount, type: INT}, {name: attrs, type: 'MAP<STRING, INT>'}, "
        "{name: lines, type: 'ARRAY<ROW<sku STRING>>'}, {name: ok, type: ARRAY<INT>}",
    )
    (tmp_path / "stream_project.yml").write_text(text)
    from tests.unit.compile.helpers import compile_dir

    result, _ = compile_dir(tmp_path)
    (diag,) = [d for d in result.diagnostics if d.code == "V150"]
    assert diag.message == (
        "source 'raw': on_bad_record: skip is not available: these columns cannot be parsed in "
        "SQL (simple names; scalar types, ROWs of them and ARRAYs of scalars only; parsing MAP, "
        "MULTISET or ARRAY of ROW or ARRAY values from text is not implemented): "
        "attrs MAP<STRING, INT>, lines ARRAY<ROW<`sku` STRING>>"
    )
    # compiled as `fail` (the source's own format), never half-guarded (this crashed compile)
    (job,) = result.desired.jobs
    assert "'format'='json'" in "\n".join(job.statements)
    assert not any("__records" in s for s in job.statements)


def test_row_and_array_columns_are_parsed_field_by_field(tmp_path: Path) -> None:
    # real-stack proof: test_bad_record_policies.py::test_nested_row_and_array_columns_...
    text = project("dead_letter").replace(
        "{name: amount, type: INT}",
        "{name: amount, type: INT}, {name: tags, type: ARRAY<STRING>}, "
        "{name: addr, type: 'ROW<city STRING, geo ROW<lat DOUBLE>, codes ARRAY<BIGINT NOT NULL>>'}",
    )
    result = compile_yaml(tmp_path, text)
    assert not [d for d in result.diagnostics if d.code in ("V150", "V160")]
    (job,) = result.desired.jobs
    text = "\n".join(job.statements)
    assert "JSON_QUERY(`streamt_record`, '$.tags' RETURNING ARRAY<STRING>) AS `tags`" in text
    # a ROW is built from its fields (the nested one too) and is NULL when the object is missing
    assert "WHEN JSON_QUERY(`streamt_record`, '$.addr.geo') IS NULL\n" in text
    assert "TRY_CAST(JSON_VALUE(`streamt_record`, '$.addr.geo.lat') AS DOUBLE)" in text
    assert ") AS ROW<`lat` DOUBLE>)" in text
    assert "'$.addr.codes' RETURNING ARRAY<STRING>) AS ARRAY<BIGINT>)" in text  # NOT NULL dropped
    assert "STREAMT_ROW_CAST" not in text
    for error in (
        "field tags: not a JSON array, not of type ARRAY<STRING>",
        "field addr: not a JSON object, not of type ROW<city STRING, geo ROW<lat DOUBLE>, "
        "codes ARRAY<BIGINT>>",
        "field addr.geo.lat: not of type DOUBLE",
        "field addr.codes: an element is not of type BIGINT",
    ):
        assert f"'{error}'" in text, error
    # an ARRAY<STRING> takes any element (an object as its JSON text, as Flink's format does)
    assert "field tags: an element" not in text


def test_side_topics_do_not_depend_on_rendering_jobs(tmp_path: Path) -> None:
    from streamt.compile import compile_project
    from streamt.graph import build_graph
    from streamt.load import load_project

    (tmp_path / "stream_project.yml").write_text(project("dead_letter"))
    loaded = load_project(tmp_path)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    with_jobs = compile_project(loaded.project, graph).desired.topics
    without = compile_project(loaded.project, graph, jobs=False).desired.topics
    assert (
        [t.name for t in without]
        == [t.name for t in with_jobs]
        == [
            "clean",
            "clean.dead_letters",
        ]
    )


DOWNSTREAM = """\
  - name: big
    on_bad_record: skip
    sql: SELECT id, amount FROM {{ ref("UPSTREAM") }} WHERE amount > 10
"""


def test_a_models_policy_guards_the_model_topics_it_reads(tmp_path: Path) -> None:
    result = compile_yaml(tmp_path, project() + DOWNSTREAM.replace("UPSTREAM", "clean"))
    big = next(j for j in result.desired.jobs if j.name == "big")
    text = "\n".join(big.statements)
    assert "CREATE TEMPORARY TABLE `clean__records`" in text and "'topic'='clean'" in text
    assert "INSERT INTO `streamt_skipped`" in big.statements[-1]
    assert {t.name: t.node for t in result.desired.topics}["big.skipped"] == "model.shop.big"
    clean = next(j for j in result.desired.jobs if j.name == "clean")
    assert not any("__records" in s for s in clean.statements)  # its source policy is fail


def test_a_model_policy_on_a_keyed_input_gets_v151(tmp_path: Path) -> None:
    from tests.unit.compile.helpers import compile_dir

    counted = """\
  - name: counts
    key: [id]
    sql: SELECT id, COUNT(*) AS amount FROM {{ source("raw") }} GROUP BY id
"""
    text = project() + counted + DOWNSTREAM.replace("UPSTREAM", "counts")
    (tmp_path / "stream_project.yml").write_text(text)
    result, _ = compile_dir(tmp_path)
    (diag,) = [d for d in result.diagnostics if d.code == "V151"]
    assert "cannot guard its input 'counts': it is keyed, updating or a virtual topic" in (
        diag.message
    )
    assert diag.location.line == text.splitlines().index("    on_bad_record: skip") + 1
    assert "big.skipped" not in [t.name for t in result.desired.topics]


def test_each_bad_record_gets_the_reason_of_its_first_failed_check(tmp_path: Path) -> None:
    """The reasons land in the dead-letter topic's `error` field: one check per column, in
    column order, then the event time (which must parse: a NULL rowtime would stall windows)."""
    result = compile_yaml(tmp_path, project("dead_letter"))
    checked = next(s for s in result.desired.jobs[0].statements if "`raw__checked` AS" in s)
    reasons = [
        ("NOT `streamt_record` IS JSON OBJECT", "not a JSON object"),
        (
            "NOT JSON_QUERY(`streamt_record`, '$.id') IS NULL",
            "field id: an object or array, not of type STRING",
        ),
        (
            "NOT JSON_QUERY(`streamt_record`, '$.amount') IS NULL",
            "field amount: an object or array, not of type INT",
        ),
        (
            "NOT JSON_VALUE(`streamt_record`, '$.amount') IS NULL\n    AND TRY_CAST("
            "JSON_VALUE(`streamt_record`, '$.amount') AS INT) IS NULL",
            "field amount: not of type INT",
        ),
        (
            "NOT JSON_QUERY(`streamt_record`, '$.ts') IS NULL",
            "field ts: an object or array, not of type TIMESTAMP(3)",
        ),
        (
            "TRY_CAST(JSON_VALUE(`streamt_record`, '$.ts') AS TIMESTAMP(3)) IS NULL",
            "event time ts: missing, NULL or not of type TIMESTAMP(3)",
        ),
    ]
    case = "CASE\n" + "".join(f"    WHEN {w}\n    THEN '{r}'\n" for w, r in reasons)
    assert case + "  END AS `streamt_error`" in checked
    assert "TRY_CAST(JSON_VALUE(`streamt_record`, '$.amount') AS INT) AS `amount`" in checked
    assert "JSON_VALUE(`streamt_record`, '$.id') AS `id`" in checked  # a string needs no cast


def test_a_side_topic_has_one_partition_and_the_default_replication(tmp_path: Path) -> None:
    text = project("dead_letter").replace(
        "defaults:\n", "defaults:\n  topic: {replication_factor: 3, partitions: 4}\n"
    )
    topics = {t.name: t for t in compile_yaml(tmp_path, text).desired.topics}
    side = topics["clean.dead_letters"]
    assert (side.partitions, side.replication_factor, side.config) == (1, 3, {})
    assert (topics["clean"].partitions, topics["clean"].replication_factor) == (4, 3)


def test_a_not_null_columns_reason_names_its_type_without_the_constraint(tmp_path: Path) -> None:
    text = project("dead_letter").replace(
        "{name: amount, type: INT}", "{name: amount, type: INT, nullable: false}"
    )
    result = compile_yaml(tmp_path, text)
    checked = next(s for s in result.desired.jobs[0].statements if "`raw__checked` AS" in s)
    assert "THEN 'field amount: not of type INT'" in checked
    assert "NOT NULL'" not in checked


def test_the_side_topic_takes_the_projects_topic_defaults(tmp_path: Path) -> None:
    """The topics streamt creates for no model of their own (a guard's side topic, a JDBC sink's
    envelope topic) get `defaults.topic` as the model's topic does: the replication factor,
    `min.insync.replicas` and config (a cluster refusing RF 1 / acks=all below min ISR gets
    neither), but no `cleanup.policy` (a compacted topic refuses their keyless records)."""
    defaults = (
        "  topic:\n    replication_factor: 3\n    min_insync_replicas: 2\n"
        "    config: {retention.ms: 3600000, cleanup.policy: compact}\n"
    )
    text = project("skip").replace("defaults:\n", "defaults:\n" + defaults)
    text += (
        "  - name: to_pg\n    from: clean\n    advanced:\n      connector:\n"
        '        type: jdbc-sink\n        config: {connection.url: "jdbc:postgresql://db/x"}\n'
    )
    result = compile_yaml(tmp_path, text)
    topics = {t.name: t for t in result.desired.topics}
    model = topics["clean"]
    assert (model.replication_factor, model.config["min.insync.replicas"]) == (3, "2")
    assert model.config["cleanup.policy"] == "compact"
    expected = {k: v for k, v in model.config.items() if k != "cleanup.policy"}
    for name in ("clean.skipped", "to_pg.connect"):
        spec = topics[name]
        assert (spec.replication_factor, spec.config) == (3, expected), name
