"""Unit tests on the real Flink: the example models' compiled SQL over given rows.

* examples/datatests: a filter, a tumbling window over a ref with an out-of-order and a late row,
  an updating aggregate compared as final rows per key, a filter over an upsert input whose key
  falls out of the result (a delete): all pass;
* a deliberately wrong expectation (one that counts the late row) fails with a row diff that
  shows the late row did not count;
* the repo's other example projects (payments, iot, clickstream, avro_orders) get unit tests.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from streamt.load import load_project
from streamt.load import model as lm
from streamt.load.model import Project
from streamt.local.endpoints import Endpoints
from streamt.testing.env import env_from_project
from streamt.testing.results import Status, TestResult
from streamt.testing.runner import RunOptions, run_tests
from streamt.testing.unit import UnitRunner
from tests.stack import runtime_overlay

from .test_apply_support import wait_for_slots

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).parents[2] / "examples"


def _copy(name: str, tmp_path: Path, extra_tests: str = "") -> Project:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root)
    doc = yaml.safe_load((root / "stream_project.yml").read_text())
    # this run's stack, and its Flink for a runtime without one
    overlay = runtime_overlay(doc.get("runtime"), add=["flink"])
    doc["runtime"] = {k: {**(doc.get("runtime") or {}).get(k, {}), **v} for k, v in overlay.items()}
    (root / "stream_project.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
    if extra_tests:
        (root / "tests").mkdir(exist_ok=True)
        (root / "tests" / "extra_unit.yml").write_text(textwrap.dedent(extra_tests))
    result = load_project(root)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.project is not None
    return result.project


def _run(project: Project, names: set[str] | None = None) -> dict[str, TestResult]:
    wait_for_slots(1)  # each unit test runs one bounded job at a time
    options = RunOptions(types=frozenset({lm.TestType.UNIT}), tests=frozenset(names or ()))
    results = run_tests(
        project, None, env_from_project(project, {}), options, unit_runner=UnitRunner(project)
    )
    return {r.name: r for r in results}


WRONG = """\
tests:
  - name: wrong_counts_the_late_row
    model: orders_per_minute
    type: unit
    given:
      - input: orders_clean
        rows:
          - {order_id: a, customer_id: c1, amount: 1.0, status: NEW, order_ts: "2024-01-01 10:00:10"}
          - {order_id: c, customer_id: c2, amount: 4.0, status: NEW, order_ts: "2024-01-01 10:01:30"}
          - {order_id: late, customer_id: c2, amount: 100.0, status: NEW, order_ts: "2024-01-01 10:00:20"}
    expect:
      rows:
        - {window_start: "2024-01-01 10:00:00", orders: 2, revenue: 101.0}
        - {window_start: "2024-01-01 10:01:00", orders: 1, revenue: 4.0}
"""


def test_example_unit_tests_pass_and_a_wrong_expectation_shows_a_row_diff(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    results = _run(_copy("datatests", tmp_path, WRONG))
    for name in (
        "clean_filters_and_normalises",
        "per_minute_windows_and_late_rows",
        "customer_totals_final_per_key",
        "big_customers_follow_updates",
    ):
        assert results[name].status is Status.PASS, (
            name,
            results[name].message,
            results[name].diff,
        )
    wrong = results["wrong_counts_the_late_row"]
    assert wrong.status is Status.FAIL
    assert wrong.message == "output rows differ from expect"
    assert wrong.diff == (
        "rows differ (1 matched, 1 missing, 1 unexpected):\n"
        "- {window_start=2024-01-01 10:00:00.000, orders=2, revenue=101}\n"
        "+ {window_start=2024-01-01 10:00:00.000, orders=1, revenue=1}"
    )


PAYMENTS = """\
tests:
  - name: eur_only_and_upper_status
    model: payments_eur
    type: unit
    given:
      - input: payments_validated
        rows:
          - {payment_id: p1, customer_id: c1, amount: 10.00, currency: EUR, status: paid, paid_at: "2024-03-01 12:00:00"}
          - {payment_id: p2, customer_id: c1, amount: 20.00, currency: USD, status: paid, paid_at: "2024-03-01 12:00:01"}
    expect:
      rows:
        - {payment_id: p1, customer_id: c1, amount: 10.0, status: PAID, paid_at: "2024-03-01 12:00:00"}
  - name: revenue_per_minute_per_customer
    model: revenue_per_minute
    type: unit
    given:
      - input: payments_eur
        rows:
          - {payment_id: p1, customer_id: c1, amount: 10.00, status: PAID, paid_at: "2024-03-01 12:00:05"}
          - {payment_id: p2, customer_id: c1, amount: 5.50, status: PAID, paid_at: "2024-03-01 12:00:40"}
          - {payment_id: p3, customer_id: c2, amount: 1.00, status: PAID, paid_at: "2024-03-01 12:01:10"}
    expect:
      rows:
        - {window_start: "2024-03-01 12:00:00", window_end: "2024-03-01 12:01:00", customer_id: c1, revenue: 15.5, payments: 2}
        - {window_start: "2024-03-01 12:01:00", window_end: "2024-03-01 12:02:00", customer_id: c2, revenue: 1.0, payments: 1}
"""

IOT = """\
tests:
  - name: hot_devices_alerts
    model: overheating_alerts
    type: unit
    given:
      - input: device_temperature_5m
        rows:
          - {window_start: "2024-05-01 08:00:00", window_end: "2024-05-01 08:05:00", window_time: "2024-05-01 08:04:59.999", device_id: d1, avg_temperature: 70.0, max_temperature: 85.0, readings: 3}
          - {window_start: "2024-05-01 08:00:00", window_end: "2024-05-01 08:05:00", window_time: "2024-05-01 08:04:59.999", device_id: d2, avg_temperature: 20.0, max_temperature: 25.0, readings: 3}
    expect:
      rows:
        - {alert_ts: "2024-05-01 08:04:59.999", device_id: d1, max_temperature: 85.0}
"""

CLICKSTREAM = """\
tests:
  - name: latest_click_wins
    model: latest_click_per_user
    type: unit
    given:
      - input: clicks
        rows:
          - {user_id: u1, page: /a, element: btn1, click_ts: "2024-06-01 09:00:00"}
          - {user_id: u1, page: /b, element: btn2, click_ts: "2024-06-01 09:00:05"}
          - {user_id: u2, page: /a, element: btn3, click_ts: "2024-06-01 09:00:07"}
    expect:
      rows:
        - {user_id: u1, page: /b, element: btn2}
        - {user_id: u2, page: /a, element: btn3}
"""


AVRO = """\
tests:
  - name: avro_source_read_as_json_rows
    model: orders_clean
    type: unit
    given:
      - input: orders_raw
        rows:
          - {order_id: o1, customer_id: c1, amount: 5.0, status: null, order_ts: "2024-01-01 00:00:00"}
          - {order_id: o2, customer_id: c1, amount: -1.0, status: PAID, order_ts: "2024-01-01 00:00:01"}
    expect:
      rows:
        - {order_id: o1, customer_id: c1, amount: 5.0, status: new, order_ts: "2024-01-01 00:00:00"}
"""


@pytest.mark.parametrize(
    ("example", "tests"),
    [("payments", PAYMENTS), ("iot", IOT), ("clickstream", CLICKSTREAM), ("avro_orders", AVRO)],
)
def test_unit_tests_of_the_repo_example_models(
    example: str, tests: str, tmp_path: Path, local_stack: Endpoints
) -> None:
    results = _run(_copy(example, tmp_path, tests))
    assert results, "no unit tests ran"
    for r in results.values():
        assert r.status is Status.PASS, (r.name, r.message, r.diff)
