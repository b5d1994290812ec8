"""Checks the hand-written tables of tests/unit/sql/flink_oracle.py against a real Flink planner.

    .venv/bin/python scripts/verify_flink_oracles.py [GATEWAY_URL]   (default http://localhost:8084)

Opens one SQL Gateway session, declares the inputs (datagen / upsert stand-ins: nothing is read or
submitted), and for each entry asks Flink: EXPLAIN CHANGELOG_MODE for the changelog, INSERTs into
keyed blackhole sinks for the upsert key (see the table module's docstring), DESCRIBE for the
types. Prints one line per disagreement and exits 1 if there is any.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.unit.sql.flink_oracle import (  # noqa: E402
    CHANGELOG_AND_KEYS,
    COLUMN_TYPES,
    CUSTOMERS_COLUMNS,
    ORDERS_COLUMNS,
    ORDERS_WATERMARK_MS,
    TYPE_NAMES,
)


class Session:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=60)
        body = {"sessionName": "streamt-oracles"}
        self.handle = self.http.post(f"{self.url}/v1/sessions", json=body).json()["sessionHandle"]

    def run(self, sql: str) -> list[list[object]]:
        op = self.http.post(
            f"{self.url}/v1/sessions/{self.handle}/statements", json={"statement": sql}
        )
        op.raise_for_status()
        handle = op.json()["operationHandle"]
        uri = f"/v1/sessions/{self.handle}/operations/{handle}/result/0"
        rows: list[list[object]] = []
        while uri:
            r = self.http.get(self.url + uri)
            if r.status_code != 200:
                raise RuntimeError(f"{sql}\n{r.text[:1500]}")
            body = r.json()
            if body.get("resultType") == "NOT_READY":
                time.sleep(0.1)
                continue
            rows += [row["fields"] for row in body.get("results", {}).get("data", [])]
            uri = "" if body.get("resultType") == "EOS" else body.get("nextResultUri") or ""
        return rows

    def close(self) -> None:
        self.http.delete(f"{self.url}/v1/sessions/{self.handle}")


def columns_ddl(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"`{n}` {t}" for n, t in columns)


def declare_inputs(s: Session) -> None:
    s.run(
        f"CREATE TEMPORARY TABLE orders ({columns_ddl(ORDERS_COLUMNS)}, WATERMARK FOR ts AS "
        f"ts - INTERVAL '{ORDERS_WATERMARK_MS // 1000}' SECOND) WITH ('connector' = 'datagen')"
    )
    s.run(
        f"CREATE TEMPORARY TABLE customers ({columns_ddl(CUSTOMERS_COLUMNS)}) "
        "WITH ('connector' = 'datagen')"
    )
    s.run(
        f"CREATE TEMPORARY TABLE customers_cdc ({columns_ddl(CUSTOMERS_COLUMNS)}, "
        "WATERMARK FOR uts AS uts, PRIMARY KEY (cid) NOT ENFORCED) WITH ('connector' = "
        "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'localhost:1', "
        "'key.format' = 'json', 'value.format' = 'json')"
    )


def materializes(s: Session, view: str, cols: list[tuple[str, str]], key: tuple[str, ...]) -> bool:
    sink = f"{view}_sink_{abs(hash(key)) % 10**8}"
    body = ", ".join(f"`{n}` {t.replace(' *ROWTIME*', '')}" for n, t in cols)
    s.run(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {sink} ({body}, PRIMARY KEY "
        f"({', '.join(key)}) NOT ENFORCED) WITH ('connector' = 'blackhole')"
    )
    plan = str(s.run(f"EXPLAIN INSERT INTO {sink} SELECT * FROM {view}")[0][0])
    return "upsertMaterialize=[true]" in plan


def check_changelog(s: Session) -> list[str]:
    wrong = []
    for i, (query, updating, key) in enumerate(CHANGELOG_AND_KEYS):
        view = f"v{i}"
        s.run(f"CREATE TEMPORARY VIEW {view} AS {query}")
        cols = [(str(r[0]), str(r[1])) for r in s.run(f"DESCRIBE {view}")]
        plan = str(s.run(f"EXPLAIN CHANGELOG_MODE SELECT * FROM {view}")[0][0])
        physical = plan.split("== Optimized Physical Plan ==")[1]
        mode = re.search(r"changelogMode=\[([^\]]*)\]", physical)
        flink_updating = mode is not None and mode.group(1) != "I"
        if flink_updating != updating:
            wrong.append(f"changelog {query!r}: Flink says {mode and mode.group(1)}")
        if not flink_updating:
            continue
        if key is None:
            everything = tuple(n for n, t in cols if "ROWTIME" not in t)
            if not materializes(s, view, cols, everything):
                wrong.append(f"key {query!r}: Flink derives a key inside {everything}")
            continue
        if materializes(s, view, cols, key):
            wrong.append(f"key {query!r}: no upsert key of the query lies inside {key}")
        for drop in key:
            smaller = tuple(k for k in key if k != drop)
            if smaller and not materializes(s, view, cols, smaller):
                wrong.append(f"key {query!r}: {smaller} is already a key")
    return wrong


def check_types(s: Session) -> list[str]:
    wrong = []
    for i, (expr, expected) in enumerate(COLUMN_TYPES):
        view = f"t{i}"
        s.run(f"CREATE TEMPORARY VIEW {view} AS SELECT {expr} AS x FROM orders")
        name, flink_type, nullable, *_ = s.run(f"DESCRIBE {view}")[0]
        got = f"{flink_type}{'' if nullable else ' NOT NULL'}"
        if got != expected:
            wrong.append(f"type {expr!r}: Flink says {got}, the table says {expected}")
    return wrong


def check_type_names(s: Session) -> list[str]:
    wrong = []
    for i, (written, expected) in enumerate(TYPE_NAMES):
        view = f"n{i}"
        s.run(f"CREATE TEMPORARY VIEW {view} AS SELECT CAST(NULL AS {written}) AS x FROM orders")
        _, flink_type, *_ = s.run(f"DESCRIBE {view}")[0]
        if flink_type != expected:
            wrong.append(f"type name {written!r}: Flink says {flink_type}, the table {expected}")
    return wrong


def main() -> int:
    s = Session(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8084")
    try:
        declare_inputs(s)
        wrong = check_changelog(s) + check_types(s) + check_type_names(s)
    finally:
        s.close()
    total = len(CHANGELOG_AND_KEYS) + len(COLUMN_TYPES) + len(TYPE_NAMES)
    print("\n".join(wrong) or f"all {total} entries hold")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
