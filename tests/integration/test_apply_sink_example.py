"""examples/clickstream, its models as written, applied through the CLI on the real stack,
including its JDBC sink into PostgreSQL, as an isolated copy (tests/integration/isolation.py;
its connector and sink table carry the run's environment prefix like its topics): the sink's connection settings are `${PG_JDBC_URL}`, `${PG_USER}`,
`${PG_PASSWORD}`, set here from the `postgres` fixture (resolved in memory by apply). Produce
views and clicks, read every output topic and the PostgreSQL table, assert the exact rows;
then tear the deployment down.

The compiled `clicks_per_page_pg__envelope` job turns the updating `clicks_per_page` topic into
Connect-JSON envelopes (`clicks_per_page_pg.connect`) that Debezium's JDBC sink upserts by `page`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest

from tests.kafka_helpers import produce_json
from tests.stack import endpoints, runtime_yaml

from . import test_apply_examples as ex
from .isolation import deployed_copy
from .test_apply_support import destroy, quiet_period, wait_for_slots

pytestmark = pytest.mark.integration
EXAMPLE = ex.ROOT / "examples" / "clickstream"
SINK = "clicks_per_page_pg"


def streamt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ex.ROOT,
        env={**os.environ, **env},
    )


@pytest.fixture
def pg_env(local_stack, postgres):  # type: ignore[no-untyped-def]
    return {
        "PG_JDBC_URL": postgres.jdbc_url,
        "PG_USER": postgres.user,
        "PG_PASSWORD": postgres.password,
    }


@pytest.fixture
def clickstream(pg_env, postgres, tmp_path):  # type: ignore[no-untyped-def]
    with deployed_copy(EXAMPLE, tmp_path) as iso:
        yield iso
    postgres.execute(f'DROP TABLE IF EXISTS "{iso.table(SINK)}"')


def pg_rows(pg, table: str, tag: str, expect: int, timeout: float = 120.0) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    deadline = started + timeout
    rows: list[tuple[str, ...]] = []
    query = f"SELECT page, clicks, users FROM \"{table}\" WHERE page LIKE '{tag}-%' ORDER BY page"
    while time.monotonic() < deadline:
        try:
            rows = pg.query(query)
        except RuntimeError:  # the sink creates the table with its first record
            rows = []
        if len(rows) >= expect:
            time.sleep(quiet_period(started))  # later upserts of the same pages would show
            return pg.query(query)
        time.sleep(2)
    return rows


def test_clickstream_with_its_jdbc_sink_into_postgres(clickstream, pg_env, postgres, local_stack):  # type: ignore[no-untyped-def]
    wait_for_slots(4)
    applied = streamt(pg_env, "apply", *clickstream.cli, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    tag, base = uuid.uuid4().hex[:6], ex.future_base()
    sink = SINK

    def at(minutes: float) -> str:
        return ex.ts(base + timedelta(minutes=minutes))

    views = [
        {"user_id": f"{tag}-u1", "page": f"{tag}-p1", "view_ts": at(0)},
        {"user_id": f"{tag}-u2", "page": f"{tag}-p1", "view_ts": at(1)},
        {"user_id": f"{tag}-u1", "page": f"{tag}-p2", "view_ts": at(2)},
        {"user_id": f"{tag}-u3", "page": f"{tag}-p1", "view_ts": at(4)},
    ]
    clicks = [
        {"user_id": f"{tag}-u1", "page": f"{tag}-p1", "element": "btn", "click_ts": at(0.5)},
        {"user_id": f"{tag}-u2", "page": f"{tag}-p1", "element": "link", "click_ts": at(20)},
        {"user_id": f"{tag}-u1", "page": f"{tag}-p2", "element": "img", "click_ts": at(3)},
        {"user_id": f"{tag}-u3", "page": f"{tag}-p1", "element": "x", "click_ts": at(5)},
        {"user_id": f"{tag}-u1", "page": f"{tag}-p1", "element": "btn2", "click_ts": at(6)},
    ]
    produce_json(endpoints().kafka_bootstrap, clickstream.source("web.page-views.v1"), views)
    produce_json(endpoints().kafka_bootstrap, clickstream.source("web.clicks.v1"), clicks)

    joined = ex.collect(
        clickstream.topic("view_clicks"), lambda v: str(v.get("user_id", "")).startswith(tag), 4
    )
    assert sorted(
        (
            v["user_id"][7:],
            v["page"][7:],
            v["element"],
            ex.norm_ts(v["view_ts"]),
            ex.norm_ts(v["click_ts"]),
        )
        for v in joined
    ) == [
        ("u1", "p1", "btn", at(0), at(0.5)),
        ("u1", "p1", "btn2", at(0), at(6)),
        ("u1", "p2", "img", at(2), at(3)),
        ("u3", "p1", "x", at(4), at(5)),
    ]

    per_page = ex.last_per_key(
        clickstream.topic("clicks_per_page"), lambda k: str(k.get("page", "")).startswith(tag), 2
    )
    assert {k[7:]: (v["clicks"], v["users"]) for k, v in per_page.items()} == {
        "p1": (3, 2),
        "p2": (1, 1),
    }

    latest = ex.last_per_key(
        clickstream.topic("latest_click_per_user"),
        lambda k: str(k.get("user_id", "")).startswith(tag),
        3,
    )
    assert {k[7:]: (v["page"][7:], v["element"]) for k, v in latest.items()} == {
        "u1": ("p1", "btn2"),
        "u2": ("p1", "link"),
        "u3": ("p1", "x"),
    }

    envelopes = ex.collect(
        clickstream.topic(f"{sink}.connect"),
        lambda v: str(v.get("payload", {}).get("page", "")).startswith(tag),
        2,
    )
    assert {e["schema"]["type"] for e in envelopes} == {"struct"}
    assert envelopes[0]["schema"]["fields"] == [
        {"field": "page", "type": "string", "optional": False, "name": None},
        {"field": "clicks", "type": "int64", "optional": False, "name": None},
        {"field": "users", "type": "int64", "optional": False, "name": None},
    ]

    assert pg_rows(postgres, clickstream.table(sink), tag, 2) == [
        (f"{tag}-p1", "3", "2"),
        (f"{tag}-p2", "1", "1"),
    ]

    plan = streamt(pg_env, "plan", *clickstream.cli, "--detailed-exitcode")
    assert plan.returncode == 0 and "No changes." in plan.stdout, plan.stdout + plan.stderr


APPEND_PROJECT = """\
project:
  name: {name}
  version: "1.0.0"
  prefix: {name}.  # this run's topics, jobs and connector: never an earlier run's
sources:
  - name: orders
    topic: {name}.orders
    columns:
      - {{name: order_id, type: STRING}}
      - {{name: amount, type: "DECIMAL(10, 2)"}}
      - {{name: qty, type: INT}}
      - {{name: paid, type: BOOLEAN}}
      - {{name: ts, type: TIMESTAMP(3)}}
models:
  - name: orders_kept
    sql: |
      SELECT order_id, amount, qty, paid, ts FROM {{{{ source("orders") }}}} WHERE qty > 0
  - name: orders_pg
    from: orders_kept
    advanced:
      connector:
        type: jdbc-sink
        config:
          connection.url: ${{PG_JDBC_URL}}
          connection.username: ${{PG_USER}}
          connection.password: ${{PG_PASSWORD}}
          table.name.format: {table}
"""


@pytest.fixture
def append_project(pg_env, postgres, tmp_path):  # type: ignore[no-untyped-def]
    from tests.kafka_helpers import create_topic

    name = f"it-sink-{uuid.uuid4().hex[:6]}"
    table = name.replace("-", "_")
    (tmp_path / "stream_project.yml").write_text(
        APPEND_PROJECT.format(name=name, table=table) + runtime_yaml()
    )
    create_topic(endpoints().kafka_bootstrap, f"{name}.orders")
    yield name, table, tmp_path
    destroy(name, "default")  # the project's name is this run's
    postgres.execute(f'DROP TABLE IF EXISTS "{table}"')


def test_an_append_model_is_inserted_with_decimal_and_timestamp_columns(  # type: ignore[no-untyped-def]
    append_project, pg_env, postgres, local_stack
):
    name, table, path = append_project
    wait_for_slots(2)
    applied = streamt(pg_env, "apply", "-p", str(path), "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    produce_json(
        endpoints().kafka_bootstrap,
        f"{name}.orders",
        [
            {
                "order_id": "o1",
                "amount": 12.5,
                "qty": 2,
                "paid": True,
                "ts": "2026-01-01 10:00:00.250",
            },
            {"order_id": "o2", "amount": 3.0, "qty": 0, "paid": False, "ts": "2026-01-01 10:01:00"},
            {
                "order_id": "o3",
                "amount": 0.75,
                "qty": 1,
                "paid": False,
                "ts": "2026-01-01 10:02:00",
            },
            {"order_id": "o1", "amount": 1.25, "qty": 5, "paid": None, "ts": "2026-01-01 10:03:00"},
        ],
    )
    ts_utc = "to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
    query = f'SELECT order_id, amount, qty, paid, {ts_utc} FROM "{table}" ORDER BY order_id, qty'
    deadline, rows = time.monotonic() + 120, []
    while time.monotonic() < deadline and len(rows) < 3:
        try:
            rows = postgres.query(query)
        except RuntimeError:  # the sink creates the table with its first record
            rows = []
        time.sleep(2)
    time.sleep(3)
    # insert mode: both o1 rows; DECIMAL travels as float64; TIMESTAMP(3) as a ZonedTimestamp
    # (UTC), which Debezium's sink writes into a timestamptz column
    assert postgres.query(query) == [
        ("o1", "12.5", "2", "t", "2026-01-01 10:00:00.250"),
        ("o1", "1.25", "5", "", "2026-01-01 10:03:00.000"),
        ("o3", "0.75", "1", "f", "2026-01-01 10:02:00.000"),
    ]
    types = postgres.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{table}' AND column_name IN ('ts', 'amount') ORDER BY column_name"
    )
    assert types == [("amount", "double precision"), ("ts", "timestamp with time zone")]
