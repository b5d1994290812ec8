"""Assertion parsing and `check_tests`: every kind parses, every mistake is a placed diagnostic."""

from __future__ import annotations

from collections.abc import Callable

from streamt.diagnostics import Diagnostic
from streamt.load.model import Project
from streamt.testing.assertions import (
    AcceptedTypes,
    AcceptedValues,
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
from streamt.testing.spec import (
    AlertAction,
    BlockDeployAction,
    DlqAction,
    PauseModelAction,
    parse_test,
)

Make = Callable[[str], Project]
Problems = Callable[[str], list[Diagnostic]]

ALL = """\
- name: all_kinds
  model: orders_clean
  type: continuous
  assertions:
    - not_null: {columns: [order_id, amount]}
    - accepted_values: {column: status, values: [NEW, PAID]}
    - range: {column: amount, min: 0, max: 1000}
    - accepted_types: {types: {order_id: string, amount: number}}
    - custom_sql: {name: big, where: "amount > 500 AND status = 'NEW'"}
    - unique_key: {key: order_id, tolerance: 0.01, window: 5m}
    - foreign_key: {column: customer_id, ref: customers, ref_column: id, window: 10m, match_rate: 0.9}
    - distribution: {column: amount, buckets: [{max: 100, expected_ratio: 0.8, tolerance: 0.1}, {min: 100, expected_ratio: 0.2}]}
    - max_lag: {column: ts, max: 30s}
    - throughput: {min_per_second: 1, max_per_second: 100, window: 1m}
    - freshness: {max_age: 5m}
  on_failure:
    severity: warning
    actions:
      - alert: {url: "http://127.0.0.1:9/hook", channel: "#data"}
      - dlq: {topic: orders.dlq}
      - pause_model: {}
      - block_deploy: {}
"""


def test_every_assertion_kind_parses_to_its_typed_value(make_project: Make) -> None:
    project = make_project(ALL)
    assert check_tests(project) == []
    spec, diags = parse_test(project.tests[0], project)
    assert diags == []
    assert [a.spec for a in spec.assertions] == [
        NotNull(columns=("order_id", "amount")),
        AcceptedValues(column="status", values=("NEW", "PAID")),
        Range(column="amount", min=0.0, max=1000.0),
        AcceptedTypes(types={"order_id": "string", "amount": "number"}),
        CustomSql(name="big", where="amount > 500 AND status = 'NEW'"),
        UniqueKey(key=("order_id",), tolerance=0.01, window="5m"),
        ForeignKey(
            column="customer_id", ref="customers", ref_column="id", window="10m", match_rate=0.9
        ),
        Distribution(
            column="amount",
            buckets=(
                Bucket(max=100.0, expected_ratio=0.8, tolerance=0.1),
                Bucket(min=100.0, expected_ratio=0.2, tolerance=0.05),
            ),
            window="1m",
        ),
        MaxLag(column="ts", max="30s"),
        Throughput(min_per_second=1.0, max_per_second=100.0, window="1m"),
        Freshness(max_age="5m"),
    ]
    assert spec.actions == (
        AlertAction("http://127.0.0.1:9/hook", "#data"),
        DlqAction("orders.dlq", None),
        PauseModelAction(None),
        BlockDeployAction(),
    )
    assert spec.severity == "warning"
    assert spec.assertions[0].location.line == 22  # header 16 lines, tests: 17, entry 18


def test_unknown_kind_and_parameter_have_did_you_mean_and_location(load_problems: Problems) -> None:
    diags = load_problems(
        """\
        - name: t
          model: orders_clean
          type: sample
          assertions:
            - not_null: {colums: [order_id]}
            - unique_kee: {key: order_id}
        """
    )
    by_code = {d.code: d for d in diags}
    assert by_code["T003"].message == "test 't': unknown parameter 'colums' for not_null"
    assert by_code["T003"].hint == "did you mean 'columns'?"
    assert by_code["T003"].location.line == 22
    assert by_code["T004"].message == "test 't': not_null needs 'columns'"
    assert by_code["T001"].message == "test 't': unknown assertion 'unique_kee'"
    assert by_code["T001"].hint == "did you mean 'unique_key'?"
    assert by_code["T001"].location.line == 23
    # the graph's id of the test (kind.project.name), not a testing-only `test.t`
    assert by_code["T001"].node == "test.shop.t"
    assert {d.node for d in diags} == {"test.shop.t"}


def test_bad_values_are_reported_at_the_key(load_problems: Problems) -> None:
    diags = load_problems(
        """\
        - name: t
          model: orders_clean
          type: sample
          assertions:
            - range: {column: amount, min: 10, max: 1}
            - unique_key: {key: order_id, tolerance: 2}
            - max_lag: {column: ts, max: soon}
            - accepted_types: {types: {amount: nombre}}
            - distribution: {column: amount, buckets: [{min: 5, max: 1, expected_ratio: 0.5}]}
            - throughput: {window: 1m}
            - accepted_values: {column: status, values: []}
        """
    )
    got = [(d.code, d.location.line, d.message) for d in diags]
    assert ("T005", 22, "test 't': range: min (10) is greater than max (1)") in got
    assert ("T005", 23, "test 't': unique_key: 'tolerance' must be between 0 and 1, got 2") in got
    assert any(c == "T005" and line == 24 and "expected a duration" in m for c, line, m in got)
    assert any(c == "T005" and line == 25 and "unknown type 'nombre'" in m for c, line, m in got)
    assert any(c == "T005" and line == 26 and "min must be below max" in m for c, line, m in got)
    assert (
        "T004",
        27,
        "test 't': throughput needs 'min_per_second', 'max_per_second' or both",
    ) in got
    assert ("T005", 28, "test 't': accepted_values: 'values' must be a non-empty list") in got


def test_type_support_unknown_columns_refs_and_dlq_misuse(make_project: Make) -> None:
    project = make_project(
        """\
        - name: s
          model: orders_clean
          type: schema
          assertions:
            - range: {column: amount, min: 0}
            - not_null: {columns: [amont]}
        - name: c
          model: orders_raw
          type: sample
          assertions:
            - foreign_key: {column: customer_id, ref: custmers}
            - custom_sql: {name: bad, where: "amount >"}
          on_failure:
            actions: [{dlq: {topic: x}}, {page: {}}]
        - name: u
          model: orderz
          type: continuous
          sample_size: 5
          assertions:
            - unique_key: {key: order_id, tolerance: 0.1}
        """
    )
    diags = check_tests(project, {"orders_clean": ["order_id", "amount"]})
    got = {(d.code, d.message) for d in diags}
    assert ("T006", "test 's': 'range' cannot be checked by a schema test") in got
    assert (
        "T007",
        "test 's': not_null[1]: column 'amont' is not a column of 'orders_clean'",
    ) in got
    assert (
        "T009",
        "test 'c': foreign_key[0]: ref 'custmers' is neither a model nor a source",
    ) in got
    assert any(c == "T015" and "custom_sql:bad" in m for c, m in got)
    assert ("T010", "test 'c': unknown on_failure action 'page'") in got
    assert any(c == "T011" for c, _ in got)
    assert ("T008", "test 'u': 'orderz' is neither a model nor a source") in got
    assert any(c == "T013" for c, _ in got)
    assert (
        "T006",
        "test 'u': unique_key[0]: a tolerance needs a window in a continuous test",
    ) in got
    hint = next(d.hint for d in diags if d.code == "T008")
    assert hint == "did you mean 'orders_raw'?"


def test_unit_case_shapes(make_project: Make) -> None:
    project = make_project(
        """\
        - name: u
          model: orders_clean
          type: unit
          given:
            - input: orders_raw
              rows: [{order_id: a, amount: 1}]
            - customers: [{id: c1}]
          expect: {rows: [{order_id: a}], mode: final, columns: [order_id]}
        - name: v
          model: orders_clean
          type: unit
          given: [{a: 1, b: 2}]
        """
    )
    spec, diags = parse_test(project.tests[0], project)
    assert diags == []
    assert spec.unit is not None
    assert [(i.name, len(i.rows)) for i in spec.unit.inputs] == [
        ("orders_raw", 1),
        ("customers", 1),
    ]
    assert spec.unit.columns == ("order_id",)
    codes = [d.code for d in check_tests(project)]
    assert codes.count("T012") == 2  # bad given entry + missing expect
