"""Row diff, JUnit XML (validated against the committed XSD), text summary, blocking failures."""

from __future__ import annotations

from pathlib import Path

import xmlschema

from streamt.diagnostics import Location
from streamt.testing.junit import to_junit_xml
from streamt.testing.records import Outcome
from streamt.testing.results import RunSummary, Status, TestResult, blocking_failures, render_text
from streamt.testing.rowdiff import compare_rows, final_rows

XSD = Path(__file__).parents[2] / "fixtures" / "junit.xsd"


def test_row_diff_is_a_multiset_comparison_with_readable_lines() -> None:
    expected = [{"k": "a", "n": 2}, {"k": "b", "n": 1}, {"k": "b", "n": 1}]
    same = [{"k": "b", "n": 1.0}, {"k": "a", "n": 2, "extra": 9}, {"k": "b", "n": 1}]
    assert compare_rows(expected, same).equal
    diff = compare_rows(expected, [{"k": "a", "n": 3}, {"k": "b", "n": 1}])
    assert not diff.equal
    assert diff.render() == (
        "rows differ (1 matched, 2 missing, 1 unexpected):\n"
        '- {k="a", n=2}\n'
        '- {k="b", n=1}\n'
        '+ {k="a", n=3}'
    )


def test_timestamps_compare_by_instant() -> None:
    diff = compare_rows([{"t": "2024-01-01 00:00:00"}], [{"t": "2024-01-01T00:00:00.000Z"}])
    assert diff.equal


def test_final_rows_keep_the_last_value_per_key_and_drop_deletes() -> None:
    log = [
        (b"a", {"k": "a", "n": 1}),
        (b"b", {"k": "b", "n": 1}),
        (b"a", {"k": "a", "n": 2}),
        (b"b", None),
    ]
    assert final_rows(log) == [{"k": "a", "n": 2}]


def _results() -> list[TestResult]:
    bad = Outcome(
        "not_null[0]", False, "1 of 3 records fail: id is null", 3, 1, ({"id": None, "x": "<&>"},)
    )
    return [
        TestResult("ok_test", "sample", "orders", Status.PASS, "3 records", duration_s=0.5),
        TestResult(
            "bad_test",
            "sample",
            "orders",
            Status.FAIL,
            "1 assertion failed",
            (bad,),
            blocking=True,
            location=Location("tests/q.yml", 3, 5),
        ),
        TestResult(
            "unit_test", "unit", "agg", Status.FAIL, "rows differ", diff='- {k="a"}\n+ {k="b"}'
        ),
        TestResult("cont", "continuous", "orders", Status.ERROR, "Flink unreachable \x00"),
        TestResult("skip", "continuous", "orders", Status.SKIPPED, "not deployed"),
    ]


def test_junit_xml_validates_against_the_jenkins_schema() -> None:
    text = to_junit_xml(_results(), "shop")
    schema = xmlschema.XMLSchema(str(XSD))
    schema.validate(text)  # raises on any violation
    assert schema.is_valid(text)
    assert '<testsuite name="shop.sample"' in text
    assert 'failures="1"' in text and 'errors="1"' in text
    assert "&lt;&amp;&gt;" in text
    assert not schema.is_valid(text.replace('tests="5"', 'tests="five"'))


def test_summary_exit_code_and_blocking() -> None:
    results = _results()
    summary = RunSummary(tuple(results))
    assert summary.exit_code == 4
    assert summary.line() == "Tests: 1 passed, 2 failed, 1 errors, 1 skipped (5 total)"
    text = render_text(results)
    assert "FAIL: bad_test (sample on orders) - 1 assertion failed" in text
    assert "  - not_null[0]: 1 of 3 records fail: id is null" in text
    blocked = blocking_failures(results)
    assert [d.code for d in blocked] == ["T101"]
    assert str(blocked[0].location) == "tests/q.yml:3:5"
    warn_only = TestResult("w", "sample", "o", Status.FAIL, severity="warning")
    assert RunSummary((warn_only,)).exit_code == 0
