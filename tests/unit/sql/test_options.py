"""Option values of generated statements: exactly the literals right of `'key' =` in a SET or in
the top-level WITH (...) of a CREATE [TEMPORARY] TABLE, with their offsets in the statement."""

from __future__ import annotations

import pytest

from streamt.sql.options import OptionValue, option_values, rebind_options

TABLE = (
    "CREATE TEMPORARY TABLE `t` (\n  `a` STRING,\n  `b` AS CONCAT(`a`, 'x = y'),\n  `c` AS 'p' = 'q',\n"
    "  WATERMARK FOR `ts` AS `ts` - INTERVAL '5' SECOND\n)\n"
    "WITH (\n  'connector'='kafka',\n  'topic'='t.v1',\n  'properties.group.id'='g'\n)"
)


def literal_at(statement: str, text: str) -> tuple[int, int]:
    start = statement.index(text)
    return start, start + len(text)


def test_a_set_statement_has_one_option_value_placed_on_its_literal() -> None:
    statement = "SET 'pipeline.name' = 'streamt.shop.m'"
    start, end = literal_at(statement, "'streamt.shop.m'")
    assert option_values(statement) == [OptionValue("pipeline.name", "streamt.shop.m", start, end)]


def test_every_with_option_of_a_create_table_and_nothing_in_its_columns() -> None:
    assert option_values(TABLE) == [
        OptionValue(key, value, *literal_at(TABLE, f"'{value}'"))
        for key, value in (
            ("connector", "kafka"),
            ("topic", "t.v1"),
            ("properties.group.id", "g"),
        )
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "SET 'k' = 'v' 'w'",  # not one pair
        "SET k = 'v'",
        "CREATE TEMPORARY VIEW `v` AS SELECT 'k' = 'v' AS `x` FROM `t`",
        "CREATE TEMPORARY TABLE `t` (`a` STRING)",  # no WITH clause
        "CREATE FUNCTION `f` AS 'k' LANGUAGE JAVA",
        "INSERT INTO `t` SELECT * FROM `s`",
        "SET 'unterminated = 'v",
    ],
)
def test_other_statements_have_no_option_values(statement: str) -> None:
    assert option_values(statement) == []


def test_rebinding_regenerates_only_changed_values_with_quotes_doubled() -> None:
    bound = rebind_options(TABLE, lambda k, v: "it's" if k == "topic" else v)
    assert bound == TABLE.replace("'topic'='t.v1'", "'topic'='it''s'")
    assert rebind_options(TABLE, lambda k, v: v) is TABLE


def test_rebinding_every_value_keeps_the_text_between_them() -> None:
    bound = rebind_options(TABLE, lambda k, v: v.upper())
    assert bound == (
        TABLE.replace("'kafka'", "'KAFKA'").replace("'t.v1'", "'T.V1'").replace("'g'\n", "'G'\n")
    )
