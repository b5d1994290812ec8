"""Continuous-test SQL: one job per test, violations as append-only rows, quoting, golden script.

The golden script was accepted by the real Flink 2.2 planner (shared flink_explain tool, 14/14
scripts, every sink append-only); `tests/integration/test_datatests_continuous.py` runs it.
Regenerate with `STREAMT_UPDATE_GOLDEN=1`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from streamt.load.model import Project
from streamt.resources import JobSpec, digest
from streamt.sql.dialect import generate
from streamt.testing.assertions import (
    AcceptedTypes,
    AcceptedValues,
    Assertion,
    AssertionKind,
    Bucket,
    CustomSql,
    Distribution,
    ForeignKey,
    Freshness,
    MaxLag,
    NotNull,
    Range,
    Throughput,
    UniqueKey,
)
from streamt.testing.check import check_tests
from streamt.testing.continuous_sql import (
    VIOLATIONS_TOPIC,
    JobSettings,
    TargetTable,
    continuous_job,
)

Make = Callable[[str], Project]

GOLDEN = Path(__file__).parent / "golden" / "continuous_all.sql"

TARGET = TargetTable(
    "orders_clean",
    "orders.clean",
    (
        ("order_id", "STRING"),
        ("customer_id", "STRING"),
        ("amount", "DOUBLE"),
        ("status", "STRING"),
        ("ts", "TIMESTAMP(3)"),
    ),
)
REFS = {"customers": TargetTable("customers", "customers.raw", (("id", "STRING"),))}
SETTINGS = JobSettings("shop", "localhost:9092", 1_700_000_000_000, dlq_topic="orders.dlq")

ALL = [
    Assertion(0, AssertionKind.NOT_NULL, NotNull(columns=("order_id",))),
    Assertion(
        1, AssertionKind.ACCEPTED_VALUES, AcceptedValues(column="status", values=("NEW", "it's"))
    ),
    Assertion(2, AssertionKind.RANGE, Range(column="amount", min=0, max=1000)),
    Assertion(3, AssertionKind.ACCEPTED_TYPES, AcceptedTypes(types={"amount": "number"})),
    Assertion(
        4,
        AssertionKind.CUSTOM_SQL,
        CustomSql(name="big", where="amount > 500 AND CHAR_LENGTH(status) > 2"),
    ),
    Assertion(5, AssertionKind.UNIQUE_KEY, UniqueKey(key=("order_id",))),
    Assertion(
        6, AssertionKind.UNIQUE_KEY, UniqueKey(key=("order_id",), tolerance=0.1, window="60s")
    ),
    Assertion(
        7,
        AssertionKind.FOREIGN_KEY,
        ForeignKey(column="customer_id", ref="customers", ref_column="id", window="5s"),
    ),
    Assertion(
        8,
        AssertionKind.FOREIGN_KEY,
        ForeignKey(
            column="customer_id", ref="customers", ref_column="id", window="5s", match_rate=0.9
        ),
    ),
    Assertion(
        9,
        AssertionKind.DISTRIBUTION,
        Distribution(
            column="amount", buckets=(Bucket(max=100, expected_ratio=0.8, tolerance=0.1),)
        ),
    ),
    Assertion(10, AssertionKind.MAX_LAG, MaxLag(column="ts", max="30500ms")),
    Assertion(
        11, AssertionKind.THROUGHPUT, Throughput(min_per_second=1, max_per_second=100, window="10s")
    ),
    Assertion(12, AssertionKind.FRESHNESS, Freshness(max_age="60s")),
    Assertion(13, AssertionKind.MAX_LAG, MaxLag(column="ts", max="30s", window="10s")),
]


def test_all_assertions_compile_to_one_job_matching_the_golden_script() -> None:
    job = continuous_job("all", ALL, TARGET, REFS, SETTINGS)
    assert job.pipeline_name == "streamt-test.shop.all"
    assert job.config["pipeline.name"] == "streamt-test.shop.all"
    if os.environ.get("STREAMT_UPDATE_GOLDEN"):
        GOLDEN.write_text(job.script)
    assert job.script == GOLDEN.read_text()


def test_a_test_job_is_the_job_resource_value_named_after_its_test_node() -> None:
    """A continuous test's job is a `JobSpec` like a model's: the same value the Flink adapter
    submits, serialised like any job (its node and name left to what holds it)."""
    job = continuous_job("all", ALL, TARGET, REFS, SETTINGS)
    assert isinstance(job, JobSpec) and job.type == "flink_job"
    assert (job.name, job.node) == ("all", "test.shop.all")
    assert (job.sink_topic, job.source_topics) == (
        VIOLATIONS_TOPIC,
        ("customers.raw", "orders.clean"),
    )
    assert "node" not in job.as_json() and "name" not in job.as_json()
    assert job.data_fingerprint == digest([list(job.statements), dict(job.config)])
    plain = continuous_job("r", ALL[:1], TARGET, REFS, SETTINGS)
    assert plain.source_topics == ("orders.clean",)  # no foreign key: the reference is not read


def test_literals_and_identifiers_are_quoted() -> None:
    target = TargetTable("t", "we`ird", (("we`ird col", "STRING"),))
    a = Assertion(
        0,
        AssertionKind.ACCEPTED_VALUES,
        AcceptedValues(column="we`ird col", values=("a'); DROP TABLE x; --",)),
    )
    script = continuous_job("t'x", [a], target, {}, SETTINGS).script
    assert "`we``ird col`" in script
    assert "'a''); DROP TABLE x; --'" in script
    assert "'t''x'" in script


def test_dlq_only_for_row_level_and_heartbeat_only_for_rates() -> None:
    row = continuous_job("r", ALL[:1], TARGET, REFS, SETTINGS)
    assert (
        "EXECUTE STATEMENT SET" in row.script
        and "`headers` MAP<STRING, BYTES> METADATA" in row.script
    )
    assert "'streamt-reason'" in row.script
    windowed = continuous_job("w", ALL[6:7], TARGET, REFS, SETTINGS)
    assert "dlq" not in windowed.script and "heartbeat" not in windowed.script
    rate = continuous_job("r2", ALL[11:12], TARGET, REFS, SETTINGS)
    assert "'connector'='datagen'" in rate.script
    assert "'scan.startup.timestamp-millis'='1700000000000'" in rate.script


def _query_statements(job_statements: tuple[str, ...]) -> list[str]:
    """Every statement but the CREATE TABLE DDL, statement-set INSERTs split at `;` tokens."""
    from sqlglot.tokenizer_core import TokenType

    from streamt.sql.dialect import DIALECT

    out = []
    for statement in job_statements:
        if statement.startswith("CREATE TABLE"):
            continue
        if statement.startswith("EXECUTE STATEMENT SET BEGIN\n"):
            inner = statement.removeprefix("EXECUTE STATEMENT SET BEGIN\n").removesuffix("END")
            cuts = [t.start for t in DIALECT.tokenize(inner) if t.token_type == TokenType.SEMICOLON]
            bounds = zip([-1, *cuts], [*cuts, len(inner)], strict=True)
            out.extend(inner[a + 1 : b].strip() for a, b in bounds if inner[a + 1 : b].strip())
        else:
            out.append(statement)
    return out


def test_every_query_statement_is_the_generators_text_of_its_tree() -> None:
    # views and INSERTs (filters, windows, joins) are generated from sqlglot trees: parsed back
    # and regenerated by the Flink dialect they are unchanged, so no text was pasted in
    from sqlglot import exp

    from streamt.sql.dialect import generate, parse
    from streamt.sql.generate import rewrite

    job = continuous_job("all", ALL, TARGET, REFS, SETTINGS)
    statements = _query_statements(job.statements)
    assert len(statements) == 5  # views typed, fk_8, beats; INSERTs into violations, dlq
    for statement in statements:
        tree = parse(statement)
        assert isinstance(tree, (exp.Create, exp.Insert)), statement
        again = generate(rewrite(tree.copy()), pretty=True)
        # the parser reads the qualifier `DAY TO SECOND(3)` as a call of SECOND (the generator
        # writes it as a constant qualifier), which also moves pretty line breaks, and the MAP[...]
        # constructor as an index into a column `MAP`; everything else regenerates unchanged
        again = again.replace("TO __STREAMT_FN_SECOND(3)", "TO SECOND(3)").replace("`MAP`[", "MAP[")
        assert _blanks(again) == _blanks(statement)


def _blanks(text: str) -> str:
    import re

    return re.sub(r"\s*([()])\s*", r"\1", re.sub(r"\s+", " ", text))


def test_hostile_accepted_value_and_names_stay_single_tree_nodes() -> None:
    from sqlglot import exp

    from streamt.sql.dialect import parse

    value = "x') OR TRUE OR ('"
    target = TargetTable("t", "t.v1", (("c`) OR TRUE --", "STRING"),))
    a = Assertion(
        0, AssertionKind.ACCEPTED_VALUES, AcceptedValues(column="c`) OR TRUE --", values=(value,))
    )
    job = continuous_job("t", [a], target, {}, SETTINGS)
    (insert, *_) = [s for s in _query_statements(job.statements) if s.startswith("INSERT")]
    where = parse(insert).expression.args["where"].this
    # (raw IS NOT NULL AND NOT raw IN ('<value>')): one literal, one column, no OR TRUE
    assert isinstance(where, exp.Paren) and isinstance(where.this, exp.And)
    (literal,) = [n for n in where.find_all(exp.Literal)]
    assert literal.this == value
    assert {c.name for c in where.find_all(exp.Column)} == {"__raw__c`) OR TRUE --"}
    assert where.find(exp.Boolean) is None


def test_long_windows_widen_the_day_field_and_longer_ones_are_refused(make_project: Make) -> None:
    # DAY alone is DAY(2): 100 days and more need DAY(3) (what the Flink planner accepts;
    # checked with the offline planner: 200 days plans, DAY(4) does not)
    from streamt.testing.sqltree import interval

    assert generate(interval(99 * 86_400_000)) == "INTERVAL '99 00:00:00.000' DAY TO SECOND(3)"
    assert generate(interval(200 * 86_400_000 + 1)) == (
        "INTERVAL '200 00:00:00.001' DAY(3) TO SECOND(3)"
    )
    project = make_project(
        """
        - name: c
          model: orders_clean
          type: continuous
          assertions:
            - unique_key: {key: order_id, window: 999 days}
            - max_lag: {column: ts, max: 1000 days}
        - name: s
          model: orders_clean
          type: sample
          assertions:
            - max_lag: {column: ts, max: 1000 days}
        """
    )
    found = [(d.code, d.node, d.message) for d in check_tests(project)]
    assert found == [
        (
            "T120",
            "test.shop.c",
            "test 'c': max_lag[1]: 'max' of 1000d is longer than a Flink interval of a "
            "continuous test can be (999 days)",
        )
    ]
