"""`on_bad_record: skip | dead_letter` on the real local stack, through the CLI: a JSON source
topic gets good records mixed with one bad record of each kind (undecodable bytes, a string
where INT is declared, an object where INT is declared, a missing event time, a NULL event
time, an unparsable event time); the job keeps running, the model's topic holds exactly the
good rows, the side topic exactly the bad ones (topic, partition, offset, error; the record too
for dead_letter), and `status` counts them. The policy comes from the source or from
`defaults.sources.on_bad_record`; a model's own `on_bad_record` guards the model topics it reads
(bad records appended to an upstream model's topic by another writer are dead-lettered).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from tests.stack import endpoints

from .test_apply_support import (
    ACTIVE,
    destroy,
    drop_topics,
    jobs,
    paid_source,
    produce_values,
    quiet_period,
    read_all,
    streamt,
    wait_for_slots,
    write_cli_project,
)

pytestmark = pytest.mark.integration

RECORDS: list[tuple[bytes, str | None]] = [  # value, the error it must be routed with
    (b'{"id":"g1","amount":1,"paid_at":"2026-01-01 00:00:00"}', None),
    (b"\x00\x01not json{", "not a JSON object"),
    (
        b'{"id":"b1","amount":"abc","paid_at":"2026-01-01 00:00:01"}',
        "field amount: not of type INT",
    ),
    (
        b'{"id":"b2","amount":{"x":1},"paid_at":"2026-01-01 00:00:01"}',
        "field amount: an object or array, not of type INT",
    ),
    (b'{"id":"g2","amount":2,"paid_at":"2026-01-01 00:00:02"}', None),
    (b'{"id":"b3","amount":3}', "event time paid_at: missing, NULL or not of type TIMESTAMP(3)"),
    (
        b'{"id":"b4","amount":4,"paid_at":null}',
        "event time paid_at: missing, NULL or not of type TIMESTAMP(3)",
    ),
    (
        b'{"id":"b5","amount":5,"paid_at":"yesterday"}',
        "event time paid_at: missing, NULL or not of type TIMESTAMP(3)",
    ),
    (b'{"id":"g3","amount":null,"paid_at":"2026-01-01 00:00:03"}', None),  # NULL is a value
    (b'{"id":"g4","amount":4,"paid_at":"2026-01-01 00:00:04","extra":true}', None),
]
GOOD = [
    {"id": "g1", "amount": 1, "paid_at": "2026-01-01 00:00:00"},
    {"id": "g2", "amount": 2, "paid_at": "2026-01-01 00:00:02"},
    {"id": "g3", "amount": None, "paid_at": "2026-01-01 00:00:03"},
    {"id": "g4", "amount": 4, "paid_at": "2026-01-01 00:00:04"},
]


def write(root: Path, stack, project: str, topic: str, model: str, policy: str) -> Path:  # type: ignore[no-untyped-def]
    # skip comes from the project default, dead_letter from the source itself
    default = "skip" if policy == "skip" else "fail"
    own = "" if policy == "skip" else f"    on_bad_record: {policy}\n"
    body = f"""\
defaults:
  sources: {{on_bad_record: {default}}}
{paid_source(topic, own)}models:
  - name: {model}
    sql: |
      SELECT id, amount, paid_at FROM {{{{ source("raw") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    return write_cli_project(root, stack, project, body)


def rows(topic: str, expect: int) -> list[dict]:  # type: ignore[type-arg]
    started = time.monotonic()
    deadline = started + 90
    found: list[dict] = []  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        found = [
            v for _, v in read_all(endpoints().kafka_bootstrap, topic, expect=expect, timeout=15)
        ]
        if len(found) >= expect:
            time.sleep(quiet_period(started))  # nothing more may arrive
            return [
                v
                for _, v in read_all(endpoints().kafka_bootstrap, topic, expect=expect, timeout=15)
            ]
        time.sleep(2)
    return found


def assert_running_and_counted(stack, path: Path, pipeline: str, policy: str, bad: int) -> None:  # type: ignore[no-untyped-def]
    """The job runs, and `status` counts `bad` records skipped / dead-lettered."""
    assert [s for _, s in jobs(stack, pipeline) if s in ACTIVE] == ["RUNNING"]
    status = streamt("status", "-p", str(path), "--format", "json")
    (row,) = [r for r in json.loads(status.stdout)["resources"] if r["kind"] == "flink_job"]
    label = "skipped" if policy == "skip" else "dead_lettered"
    assert row["state"] == "RUNNING" and row["details"][label] == bad, row


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
def test_bad_records_are_routed_and_counted_and_the_job_keeps_running(
    policy: str,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"badrec{tag}", f"badrec.raw.{tag}", f"badrec_out_{tag}"
    side = f"{model}.{'skipped' if policy == 'skip' else 'dead_letters'}"
    produce_values(local_stack, topic, [value for value, _ in RECORDS])
    path = write(tmp_path, local_stack, project, topic, model, policy)
    try:
        plan = streamt("plan", "-p", str(path))
        assert f"+ topic {side}: create - new topic" in plan.stdout, plan.stdout + plan.stderr
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr

        assert sorted(rows(model, len(GOOD)), key=lambda r: r["id"]) == GOOD
        bad = [(offset, error) for offset, (_, error) in enumerate(RECORDS) if error]
        routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
        expected = [
            {"topic": topic, "partition": 0, "offset": offset, "error": error}
            | ({"record": RECORDS[offset][0].decode()} if policy == "dead_letter" else {})
            for offset, error in bad
        ]
        assert routed == expected
        assert_running_and_counted(
            local_stack, path, f"streamt.{project}.{model}", policy, len(bad)
        )
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model, side)


def test_a_models_policy_guards_an_upstream_models_topic_written_by_someone_else(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic = f"badref{tag}", f"badref.raw.{tag}"
    up, down = f"badref_up_{tag}", f"badref_down_{tag}"
    side = f"{down}.dead_letters"
    produce_values(local_stack, topic, [value for value, error in RECORDS if error is None])
    path = write(tmp_path, local_stack, project, topic, up, "fail")
    text = (path / "stream_project.yml").read_text()
    (path / "stream_project.yml").write_text(
        text
        + f"""\
  - name: {down}
    on_bad_record: dead_letter
    sql: |
      SELECT id, amount, paid_at FROM {{{{ ref("{up}") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    )
    try:
        wait_for_slots(2)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert len(rows(up, len(GOOD))) == len(GOOD)  # the upstream job wrote its rows
        bad = [value for value, error in RECORDS if error]
        produce_values(local_stack, up, bad, create=False)  # a foreign writer appends to it

        assert sorted(rows(down, len(GOOD)), key=lambda r: r["id"]) == GOOD
        routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
        expected = [
            {
                "topic": up,
                "partition": 0,
                "offset": len(GOOD) + i,
                "error": error,
                "record": value.decode(),
            }
            for i, (value, error) in enumerate((v, e) for v, e in RECORDS if e)
        ]
        assert routed == expected
        running = [s for _, s in jobs(local_stack, f"streamt.{project}.{down}") if s in ACTIVE]
        assert running == ["RUNNING"]
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, up, down, side)


KEYED: list[tuple[bytes | None, bytes, str | None]] = [  # key, value, the error it is routed with
    (b'{"id":"g1","amount":1}', b'{"id":"g1","amount":1,"paid_at":"2026-01-01 00:00:00"}', None),
    (
        b"not json",
        b'{"id":"b1","amount":1,"paid_at":"2026-01-01 00:00:01"}',
        "key: not a JSON object",
    ),
    (
        b'{"id":"b2","amount":"x"}',
        b'{"id":"b2","amount":2,"paid_at":"2026-01-01 00:00:01"}',
        "key field amount: not of type INT",
    ),
    (
        b'{"id":"b3","amount":3}',
        b'{"id":"b3","amount":"abc","paid_at":"2026-01-01 00:00:01"}',
        "field amount: not of type INT",
    ),
    (None, b'{"id":"g2","amount":2,"paid_at":"2026-01-01 00:00:02"}', None),  # no key: fine
    (
        b'{"id":"g3","amount":3}',
        b'{"id":"g3","amount":3}',
        "event time paid_at: missing, NULL or not of type TIMESTAMP(3)",
    ),
]


def test_a_keyed_source_routes_bad_keys_and_bad_values(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"badkey{tag}", f"badkey.raw.{tag}", f"badkey_out_{tag}"
    side = f"{model}.dead_letters"
    keys = [k for k, _, _ in KEYED]
    produce_values(local_stack, topic, [v for _, v, _ in KEYED], keys=keys)
    path = write(tmp_path, local_stack, project, topic, model, "dead_letter")
    text = (path / "stream_project.yml").read_text()
    keyed = text.replace(
        "    on_bad_record: dead_letter\n",
        "    on_bad_record: dead_letter\n    key: [id, amount]\n",
    )
    assert keyed != text
    (path / "stream_project.yml").write_text(keyed)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        good = [
            {"id": "g1", "amount": 1, "paid_at": "2026-01-01 00:00:00"},
            {"id": "g2", "amount": 2, "paid_at": "2026-01-01 00:00:02"},
        ]
        assert sorted(rows(model, len(good)), key=lambda r: r["id"]) == good
        bad = [(offset, v, e) for offset, (_, v, e) in enumerate(KEYED) if e]
        routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
        assert routed == [
            {"topic": topic, "partition": 0, "offset": offset, "error": error, "record": v.decode()}
            for offset, v, error in bad
        ]
        pipeline = f"streamt.{project}.{model}"
        assert [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE] == ["RUNNING"]
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model, side)


ADDR = "ROW<city STRING, geo ROW<lat DOUBLE, lon DOUBLE>, codes ARRAY<BIGINT>>"
NESTED: list[tuple[bytes, str | None]] = [  # value, the error it must be routed with
    (
        b'{"id":"g1","tags":["a",1,{"k":2}],"qty":[1,null],"addr":{"city":"X",'
        b'"geo":{"lat":1.5,"lon":-2},"codes":[7,8]},"ts":"2026-01-01 00:00:00"}',
        None,
    ),
    (b'{"id":"g2","addr":{},"ts":"2026-01-01 00:00:01"}', None),  # missing fields are NULL
    (b'{"id":"g3","tags":null,"addr":null,"qty":[],"ts":"2026-01-01 00:00:02"}', None),
    (b'{"id":"g4","addr":{"codes":[1.5,2]},"ts":"2026-01-01 00:00:03"}', None),
    (
        b'{"id":"b1","tags":"a","ts":"2026-01-01 00:00:03"}',
        "field tags: not a JSON array, not of type ARRAY<STRING>",
    ),
    (
        b'{"id":"b2","qty":[1,"x"],"ts":"2026-01-01 00:00:03"}',
        "field qty: an element is not of type INT",
    ),
    (
        b'{"id":"b3","qty":{"a":1},"ts":"2026-01-01 00:00:03"}',
        "field qty: not a JSON array, not of type ARRAY<INT>",
    ),
    (
        b'{"id":"b4","addr":[1],"ts":"2026-01-01 00:00:03"}',
        f"field addr: not a JSON object, not of type {ADDR}",
    ),
    (
        b'{"id":"b5","addr":{"geo":5},"ts":"2026-01-01 00:00:03"}',
        "field addr.geo: not a JSON object, not of type ROW<lat DOUBLE, lon DOUBLE>",
    ),
    (
        b'{"id":"b6","addr":{"geo":{"lat":"north"}},"ts":"2026-01-01 00:00:03"}',
        "field addr.geo.lat: not of type DOUBLE",
    ),
    (
        b'{"id":"b7","addr":{"city":{"n":1}},"ts":"2026-01-01 00:00:03"}',
        "field addr.city: an object or array, not of type STRING",
    ),
    (
        b'{"id":"b8","addr":{"codes":[1,"x"]},"ts":"2026-01-01 00:00:03"}',
        "field addr.codes: an element is not of type BIGINT",
    ),
]
NESTED_GOOD = [
    {
        "id": "g1",
        "tags": ["a", "1", '{"k":2}'],
        "qty": [1, None],
        "addr": {"city": "X", "geo": {"lat": 1.5, "lon": -2.0}, "codes": [7, 8]},
        "ts": "2026-01-01 00:00:00",
    },
    {
        "id": "g2",
        "tags": None,
        "qty": None,
        "addr": {"city": None, "geo": None, "codes": None},
        "ts": "2026-01-01 00:00:01",
    },
    {"id": "g3", "tags": None, "qty": [], "addr": None, "ts": "2026-01-01 00:00:02"},
    {  # 1.5 where BIGINT is declared is 1, as Flink's own JSON format reads it
        "id": "g4",
        "tags": None,
        "qty": None,
        "addr": {"city": None, "geo": None, "codes": [1, 2]},
        "ts": "2026-01-01 00:00:03",
    },
]


def test_nested_row_and_array_columns_are_parsed_and_their_bad_values_routed(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"badnest{tag}", f"badnest.raw.{tag}", f"badnest_out_{tag}"
    side = f"{model}.dead_letters"
    produce_values(local_stack, topic, [value for value, _ in NESTED])
    body = f"""\
sources:
  - name: raw
    topic: {topic}
    on_bad_record: dead_letter
    columns:
      - {{name: id, type: STRING}}
      - {{name: tags, type: ARRAY<STRING>}}
      - {{name: qty, type: ARRAY<INT>}}
      - {{name: addr, type: '{ADDR}'}}
      - {{name: ts, type: TIMESTAMP(3)}}
    event_time: {{column: ts}}
models:
  - name: {model}
    sql: |
      SELECT id, tags, qty, addr, ts FROM {{{{ source("raw") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    path = write_cli_project(tmp_path, local_stack, project, body)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert sorted(rows(model, len(NESTED_GOOD)), key=lambda r: r["id"]) == NESTED_GOOD
        bad = [(offset, value, error) for offset, (value, error) in enumerate(NESTED) if error]
        routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
        assert routed == [
            {"topic": topic, "partition": 0, "offset": offset, "error": error, "record": v.decode()}
            for offset, v, error in bad
        ]
        pipeline = f"streamt.{project}.{model}"
        assert_running_and_counted(local_stack, path, pipeline, "dead_letter", len(bad))
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model, side)


@pytest.mark.parametrize("event_time", [False, True])
def test_tombstones_are_no_records_for_a_guarded_source_as_for_flinks_format(
    event_time: bool,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    """A tombstone (a record without a value) is skipped by Flink's JSON format: a `fail`
    source reading one shows the good rows and keeps running. A guarded source must read the
    same rows and route only the bad record: it once dead-lettered (and counted) every tombstone
    as "not a JSON object", with or without an event time."""
    tag = uuid.uuid4().hex[:8]
    project = f"tomb{tag}"
    guarded, plain = f"tomb.guarded.{tag}", f"tomb.plain.{tag}"
    # not tomb_guarded_<tag>: Kafka refuses a name equal to another's with '.' read as '_'
    out_guarded, out_plain = f"tomb_gout_{tag}", f"tomb_pout_{tag}"
    side = f"{out_guarded}.dead_letters"
    ts = ',"paid_at":"2026-01-01 00:00:0{}"' if event_time else ""

    def value(text: str, second: int) -> bytes:
        return ("{" + text + ts.format(second) + "}").encode()

    good = [value('"id":"g1","amount":1', 1), value('"id":"g2","amount":2', 2)]
    bad = value('"id":"b1","amount":"abc"', 3)
    produce_values(local_stack, guarded, [good[0], None, bad, None, good[1]])
    produce_values(local_stack, plain, [good[0], None, good[1]])
    time_column = "      - {name: paid_at, type: TIMESTAMP(3)}\n" if event_time else ""
    time_attr = "    event_time: {column: paid_at}\n" if event_time else ""
    selected = "id, amount" + (", paid_at" if event_time else "")

    def source(name: str, topic: str, policy: str) -> str:
        return (
            f"  - name: {name}\n    topic: {topic}\n    on_bad_record: {policy}\n"
            "    columns:\n      - {name: id, type: STRING}\n      - {name: amount, type: INT}\n"
            f"{time_column}{time_attr}"
        )

    def model(name: str, src: str) -> str:
        return (
            f'  - name: {name}\n    sql: SELECT {selected} FROM {{{{ source("{src}") }}}}\n'
            "    advanced:\n      topic: {partitions: 1}\n"
        )

    body = (
        "sources:\n" + source("g", guarded, "dead_letter") + source("p", plain, "fail")
        + "models:\n" + model(out_guarded, "g") + model(out_plain, "p")
    )  # fmt: skip
    path = write_cli_project(tmp_path, local_stack, project, body)
    expected = [
        {"id": "g1", "amount": 1} | ({"paid_at": "2026-01-01 00:00:01"} if event_time else {}),
        {"id": "g2", "amount": 2} | ({"paid_at": "2026-01-01 00:00:02"} if event_time else {}),
    ]
    try:
        wait_for_slots(2)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        # Flink's own format: the tombstone is no row, the job runs on
        assert sorted(rows(out_plain, 2), key=lambda r: r["id"]) == expected
        # the guard reads the same rows; only the bad record is routed
        assert sorted(rows(out_guarded, 2), key=lambda r: r["id"]) == expected
        assert rows(side, 1) == [
            {
                "topic": guarded,
                "partition": 0,
                "offset": 2,
                "error": "field amount: not of type INT",
                "record": bad.decode(),
            }
        ]
        for out in (out_guarded, out_plain):
            pipeline = f"streamt.{project}.{out}"
            assert [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE] == ["RUNNING"]
    finally:
        destroy(project, "default")
        drop_topics(local_stack, guarded, plain, out_guarded, out_plain, side)
