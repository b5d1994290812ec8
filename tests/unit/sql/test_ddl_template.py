"""`create_table` fills a per-shape template: the text must equal generating the statement whole."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamt.sql import ddl
from streamt.sql.schema import Column
from streamt.sql.types import parse_type

TYPES = [
    "STRING",
    "INT NOT NULL",
    "DOUBLE",
    "DECIMAL(10, 2)",
    "VARCHAR(20)",
    "TIMESTAMP(3)",
    "TIMESTAMP_LTZ(3)",
    "ROW<a INT, b STRING>",
    "ARRAY<ROW<x INT>>",
    "MAP<STRING, BIGINT>",
]
# names and values with quotes, backticks, newlines, unicode, and long enough to wrap a line
TEXT = st.text(alphabet=st.sampled_from("ab_`'\"\n\\é😀; -"), max_size=12) | st.text(
    alphabet="xyz", min_size=80, max_size=300
)


@st.composite
def tables(draw: st.DrawFn) -> ddl.TableDDL:
    names = draw(st.lists(TEXT.filter(bool), min_size=1, max_size=6, unique=True))
    columns = [
        Column(n, parse_type(draw(st.sampled_from(TYPES))), proctime=draw(st.booleans()))
        for n in names
    ]
    if draw(st.booleans()):
        columns[0] = Column(
            names[0], parse_type("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=1500
        )
    key = tuple(draw(st.lists(st.sampled_from(names), max_size=2, unique=True)))
    options = tuple(draw(st.lists(st.tuples(TEXT, TEXT), max_size=6)))
    return ddl.TableDDL(draw(TEXT.filter(bool)), tuple(columns), options, key, draw(st.booleans()))


def whole(table: ddl.TableDDL) -> str:
    return ddl._generate(ddl._create_tree(table))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), TEXT.filter(bool), st.lists(TEXT, min_size=6, max_size=6))
def test_template_text_equals_whole_generation(
    table: ddl.TableDDL, other_name: str, other_values: list[str]
) -> None:
    assert ddl.create_table(table) == whole(table)
    # the same shape again (a template hit) under another name and other option values
    again = ddl.TableDDL(
        other_name,
        table.columns,
        tuple((k, v) for (k, _), v in zip(table.options, other_values, strict=False)),
        table.primary_key,
        table.temporary,
    )
    assert ddl.create_table(again) == whole(again)


def test_a_slot_marker_in_a_column_name_falls_back_to_whole_generation() -> None:
    marker = ddl._NAME_SLOT
    table = ddl.TableDDL("t", (Column(marker, parse_type("INT")),), (("k", "v"),))
    assert ddl.create_table(table) == whole(table)
    assert marker in ddl.create_table(table)
