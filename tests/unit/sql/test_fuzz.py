"""Nothing but diagnostics escapes the analyser: random text and mutated queries. Each input
keeps the properties of tests/unit/fuzz_properties.py (SQL room codes only, bounded time, a
passing query regenerates to a fixed point)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamt.sql import analyze_query
from tests.unit.fuzz_properties import analysed
from tests.unit.sql.test_analyze import INPUTS
from tests.unit.sql.test_changelog_vs_flink import FLINK_VERDICTS
from tests.unit.sql.test_changelog_vs_flink import INPUTS as CHANGELOG_INPUTS

QUERIES = list(FLINK_VERDICTS)
TOKENS = [
    "SELECT", "FROM", "WHERE", "GROUP BY", "JOIN", "ON", "(", ")", ",", "*", "orders", "o",
    "amount", "ts", "COUNT(*)", "TABLE(", "TUMBLE(", "TABLE orders", "DESCRIPTOR(ts)",
    "INTERVAL '1' HOUR", "ROW_NUMBER() OVER (", "PARTITION BY", "ORDER BY", "AS", "x", "1",
    "'s'", "`q`", "UNION", "WITH", "FOR SYSTEM_TIME AS OF", "CAST(", "AS STRING", ";", "=>",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_token_soup_only_yields_diagnostics(tokens: list[str]) -> None:
    analysed(" ".join(tokens), INPUTS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(QUERIES), st.integers(min_value=0, max_value=400), st.integers(0, 30))
def test_truncated_and_spliced_queries_only_yield_diagnostics(
    query: str, cut: int, drop: int
) -> None:
    mutated = query[:cut] + query[cut + drop :]
    analysed(mutated, CHANGELOG_INPUTS)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_only_yields_diagnostics(text: str) -> None:
    analysed(text, INPUTS)


@pytest.mark.parametrize(
    "query",
    [
        "SFROM orders UNION ALL SELECT cid FROM customers",  # a set operation over a non-query
        "SELECT id, tag FROM orders CROSS JOIN UNNEST(ARRAY['a']) AS t(ta rg)",  # 'rg' as a type
        "SET COUNT(*) AS n FROM orders",
    ],
)
def test_crashes_found_by_fuzzing_are_diagnostics(query: str) -> None:
    result = analyze_query(query, CHANGELOG_INPUTS)
    assert [d for d in result.diagnostics if d.is_error]
