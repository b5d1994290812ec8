"""Flink dialect: round trips, quoting and escaping of hostile identifiers and literals."""

from __future__ import annotations

import re

import pytest

from streamt.sql import parse, parse_type, quote_identifier, quote_string, render
from streamt.sql.types import TypeSyntaxError

ROUND_TRIPS = [
    (
        "SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) AS hour FROM t GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)",
        "SELECT TUMBLE_START(`ts`, INTERVAL '1' HOUR) AS `hour` FROM `t` GROUP BY TUMBLE(`ts`, INTERVAL '1' HOUR)",
    ),
    (
        "SELECT window_start FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
        "SELECT `window_start` FROM TABLE(TUMBLE(TABLE `src`, DESCRIPTOR(`ts`), INTERVAL '1' MINUTE))",
    ),
    (
        "SELECT a FROM TABLE(HOP(DATA => TABLE src, SLIDE => INTERVAL '5' SECOND, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '1' MINUTE))",
        "SELECT `a` FROM TABLE(HOP(`DATA` => TABLE `src`, `SLIDE` => INTERVAL '5' SECOND, `TIMECOL` => DESCRIPTOR(`ts`), `SIZE` => INTERVAL '1' MINUTE))",
    ),
    (
        "SELECT o.id FROM o JOIN c FOR SYSTEM_TIME AS OF o.ts AS c2 ON o.cid = c2.id",
        "SELECT `o`.`id` FROM `o` JOIN `c` FOR SYSTEM_TIME AS OF `o`.`ts` AS `c2` ON `o`.`cid` = `c2`.`id`",
    ),
    (
        "SELECT CAST(a AS STRING), CAST(b AS TIMESTAMP_LTZ(3)), CAST(c AS DECIMAL(10,2)), CAST(d AS BYTES) FROM t",
        "SELECT CAST(`a` AS STRING), CAST(`b` AS TIMESTAMP_LTZ(3)), CAST(`c` AS DECIMAL(10, 2)), CAST(`d` AS BYTES) FROM `t`",
    ),
    (
        "SELECT TIMESTAMPDIFF(SECOND, a, Bb), CHAR_LENGTH(s), LOCATE('a', s), CURRENT_TIMESTAMP, ARRAY[1, 2] FROM t",
        "SELECT TIMESTAMPDIFF(SECOND, `a`, `Bb`), CHAR_LENGTH(`s`), LOCATE('a', `s`), CURRENT_TIMESTAMP, ARRAY[1, 2] FROM `t`",
    ),
    (
        "SELECT IF(a > 1, 'x', 'y'), DATE_FORMAT(ts, 'yyyy-MM-dd') FROM t",
        "SELECT IF(`a` > 1, 'x', 'y'), DATE_FORMAT(`ts`, 'yyyy-MM-dd') FROM `t`",
    ),
]


@pytest.mark.parametrize(("sql", "expected"), ROUND_TRIPS)
def test_round_trip(sql: str, expected: str) -> None:
    assert render(parse(sql)) == expected
    assert render(parse(expected)) == expected


def test_reserved_word_alias_comes_out_quoted() -> None:
    out = render(
        parse(
            "SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) as hour FROM x GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)"
        )
    )
    assert "AS `hour`" in out


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("plain", "`plain`"),
        ("we`ird", "`we``ird`"),
        ("semi;colon", "`semi;colon`"),
        ("spa ce", "`spa ce`"),
        ("`); DROP TABLE x; --", "```); DROP TABLE x; --`"),
    ],
)
def test_hostile_identifiers_are_quoted(name: str, quoted: str) -> None:
    assert quote_identifier(name) == quoted
    assert render(parse(f"SELECT {quoted} FROM t")) == f"SELECT {quoted} FROM `t`"


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("o'neil", "'o''neil'"),
        ("a\\b", "'a\\b'"),
        ("'); DROP TABLE x; --", "'''); DROP TABLE x; --'"),
    ],
)
def test_hostile_literals_are_escaped(value: str, literal: str) -> None:
    assert quote_string(value) == literal
    assert render(parse(f"SELECT {literal} AS v")) == f"SELECT {literal} AS `v`"


@pytest.mark.parametrize(
    ("text", "flink"),
    [
        # Flink's documented defaults and synonyms (docs: dev/table/types)
        ("DOUBLE PRECISION", "DOUBLE"),
        ("TIMESTAMP", "TIMESTAMP(6)"),
        ("TIMESTAMP_LTZ", "TIMESTAMP_LTZ(6)"),
        ("TIMESTAMP WITH LOCAL TIME ZONE", "TIMESTAMP_LTZ(6)"),
        ("TIMESTAMP(3) WITH LOCAL TIME ZONE", "TIMESTAMP_LTZ(3)"),
        ("DECIMAL", "DECIMAL(10, 0)"),
        ("ROW(a INT, b STRING)", "ROW<`a` INT, `b` STRING>"),
        ("ROW<a INT, b STRING>", "ROW<`a` INT, `b` STRING>"),
        ("MULTISET<INT>", "MULTISET<INT>"),
        ("MAP<STRING, INT NOT NULL>", "MAP<STRING, INT NOT NULL>"),
        ("INT NOT NULL", "INT NOT NULL"),
    ],
)
def test_type_spellings(text: str, flink: str) -> None:
    assert parse_type(text).sql() == flink


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ARRAY<INT, INT>", "ARRAY needs one element type"),
        ("MULTISET<INT, INT>", "MULTISET needs one element type"),
        ("VARCHAR(0)", "VARCHAR length must be 1..2147483647"),
        ("TIMESTAMP(10)", "TIMESTAMP precision must be 0..9"),
        ("TIMESTAMP_LTZ(10)", "TIMESTAMP_LTZ precision must be 0..9"),
        ("DECIMAL(39, 2)", "DECIMAL precision must be 1..38"),
    ],
)
def test_type_errors(text: str, problem: str) -> None:
    with pytest.raises(TypeSyntaxError, match=re.escape(problem)):
        parse_type(text)


def test_row_fields_keep_names_and_types() -> None:
    row = parse_type("ROW(a INT, b ARRAY<STRING>)")
    assert row.fields == ("a", "b")
    assert [c.sql() for c in row.children] == ["INT", "ARRAY<STRING>"]
