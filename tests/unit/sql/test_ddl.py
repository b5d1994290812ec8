"""The statements `streamt.sql.ddl` builds, as text. Every statement below was run (the INSERTs
explained) in one session of the local SQL Gateway (Flink 2.2) in this order and accepted."""

from __future__ import annotations

from streamt.sql import Column, TableDDL, create_table, insert_into, set_option
from streamt.sql import parse_type as T
from streamt.sql.ddl import (
    create_raw_table,
)

COLUMNS = (
    Column("id", T("STRING NOT NULL")),
    Column("name", T("VARCHAR(10)")),
    Column("n", T("INT")),
    Column("ts", T("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=1500),
    Column("pt", T("TIMESTAMP_LTZ(3)"), proctime=True),
)


def test_a_table_with_a_key_a_watermark_and_a_processing_time_column() -> None:
    ddl = TableDDL("ddl_a", COLUMNS, (("connector", "datagen"),), primary_key=("n",))
    assert create_table(ddl) == (
        "CREATE TEMPORARY TABLE `ddl_a` (\n"
        "  `id` STRING NOT NULL,\n"
        "  `name` STRING,\n"  # stored widened: a VARCHAR(n) column would truncate
        "  `n` INT NOT NULL,\n"  # a primary key column is NOT NULL in Flink
        "  `ts` TIMESTAMP(3),\n"
        "  `pt` AS PROCTIME(),\n"
        "  WATERMARK FOR `ts` AS `ts` - INTERVAL '1.500' SECOND,\n"
        "  PRIMARY KEY (`n`) NOT ENFORCED\n"
        ")\n"
        "WITH (\n"
        "  'connector'='datagen'\n"
        ")"
    )


def test_a_raw_table_with_metadata_computed_columns_and_their_watermark() -> None:
    statement = create_raw_table(
        "ddl_raw",
        "record",
        [("part", T("INT"), "partition")],
        [
            (
                Column("ts", T("TIMESTAMP(3)"), rowtime=True),
                "TO_TIMESTAMP(JSON_VALUE(`record`, '$.ts'))",
            ),
            (Column("x", T("STRING")), "UPPER(`record`)"),
        ],
        (
            ("connector", "kafka"),
            ("topic", "t"),
            ("properties.bootstrap.servers", "localhost:1"),
            ("format", "raw"),
        ),
    )
    assert statement == (
        "CREATE TEMPORARY TABLE `ddl_raw` (\n"
        "  `record` STRING,\n"
        "  `part` INT METADATA FROM 'partition' VIRTUAL,\n"
        "  `ts` AS TO_TIMESTAMP(JSON_VALUE(`record`, '$.ts')),\n"
        "  `x` AS UPPER(`record`),\n"
        "  WATERMARK FOR `ts` AS `ts` - INTERVAL '0' SECOND\n"
        ")\n"
        "WITH (\n"
        "  'connector'='kafka',\n"
        "  'topic'='t',\n"
        "  'properties.bootstrap.servers'='localhost:1',\n"
        "  'format'='raw'\n"
        ")"
    )


def test_an_insert_writes_one_rowtime_and_casts_every_later_one_to_a_plain_timestamp() -> None:
    rowtime = T("TIMESTAMP(3)")
    columns = (Column("t1", rowtime, rowtime=True), Column("t2", rowtime, rowtime=True))
    assert insert_into("ddl_sink", "SELECT ts AS t1, ts AS t2 FROM ddl_b", columns) == (
        "INSERT INTO `ddl_sink`\n"
        "SELECT\n"
        "  `t1`,\n"
        "  CAST(`t2` AS TIMESTAMP(3)) AS `t2`\n"
        "FROM (\n"
        "  SELECT\n"
        "    `ts` AS `t1`,\n"
        "    `ts` AS `t2`\n"
        "  FROM `ddl_b`\n"
        ") AS `q`"
    )
    one = insert_into("ddl_sink", "SELECT ts AS t1 FROM ddl_b", columns[:1])
    assert one == "INSERT INTO `ddl_sink`\nSELECT\n  `ts` AS `t1`\nFROM `ddl_b`"


def test_a_set_statement_doubles_quotes_in_its_value() -> None:
    assert set_option("pipeline.name", "it's") == "SET 'pipeline.name' = 'it''s'"
