"""An aggregate is found in its own SELECT wherever that SELECT sits (the walk stops at nested
windows and subqueries below it, not at those above it)."""

from __future__ import annotations

from streamt.sql.analyze import analyze_query
from streamt.sql.schema import Column, TableSchema
from streamt.sql.types import STRING, TIMESTAMP3

INPUTS = {"t": TableSchema("t", (Column("a", STRING), Column("ts", TIMESTAMP3, rowtime=True)))}


def test_a_global_aggregate_in_a_derived_table_emits_updates():
    # was analysed as append-only: the COUNT's ancestors above its SELECT included a subquery
    outer = analyze_query("SELECT n FROM (SELECT COUNT(*) AS n FROM t) AS x", INPUTS)
    alone = analyze_query("SELECT COUNT(*) AS n FROM t", INPUTS)
    assert alone.updating and "global aggregation" in alone.stateful_reasons
    assert outer.updating == alone.updating
    assert outer.stateful_reasons == alone.stateful_reasons


def test_aggregates_in_windows_or_subqueries_below_do_not_count():
    over = analyze_query("SELECT a, COUNT(*) OVER (PARTITION BY a ORDER BY ts) AS c FROM t", INPUTS)
    assert "global aggregation" not in over.stateful_reasons
    scalar = "SELECT a, (SELECT COUNT(*) FROM t) AS c FROM t"
    assert "global aggregation" not in analyze_query(scalar, INPUTS).stateful_reasons
