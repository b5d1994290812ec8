"""`watermark_column` / `topic_of`: a CREATE TABLE's event-time column and topic, found by the
Flink tokenizer (used to name the field of a NULL event time in a failed job's cause)."""

from __future__ import annotations

from streamt.sql.options import topic_of, watermark_column

TABLE = (
    "CREATE TEMPORARY TABLE `pay` (`id` STRING, `paid at` TIMESTAMP(3), "
    "WATERMARK FOR `paid at` AS `paid at` - INTERVAL '5' SECOND) "
    "WITH ('connector'='kafka', 'topic'='pay.raw', 'format'='json')"
)


def test_a_table_names_its_watermark_column_and_topic() -> None:
    assert watermark_column(TABLE) == "paid at"
    assert topic_of(TABLE) == "pay.raw"


def test_other_statements_name_none() -> None:
    plain = "CREATE TABLE `t` (`id` STRING) WITH ('connector'='kafka')"
    assert watermark_column(plain) is None and topic_of(plain) is None
    insert = "INSERT INTO `t` SELECT 'WATERMARK FOR x' AS `a`, 'topic' FROM `s`"
    assert watermark_column(insert) is None and topic_of(insert) is None
    assert watermark_column("SET 'topic' = 'x'") is None
    assert watermark_column("CREATE TABLE 'unterminated") is None
