"""A submitted job that will not start: apply cancels it, says why (the root cause from Flink;
NoResourceAvailableException as a slot shortage with numbers and a hint), and the next apply
converges. Real-stack proof: tests/integration/test_apply_guards.py."""

from __future__ import annotations

import pytest

from streamt.apply.diagnose import explain_failure
from streamt.apply.rollback import rollback_job
from streamt.apply.step import StepContext, StepError
from streamt.resources import Action
from streamt.state import LedgerWriter, read_ledger

from ..plan.factories import ENV, PROJECT
from .fakes import FakeFlink, fake_systems
from .test_execute import ENVIRON, _flink, _opts, cycle, project

NO_SLOTS = (
    "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: "
    "Could not acquire the minimum required resources."
)


def test_a_slot_shortage_is_reported_with_numbers_the_job_is_cancelled_and_apply_converges():
    systems = fake_systems()
    flink = _flink(systems)
    flink.fail_next, flink.fail_cause = "FAILED", [NO_SLOTS]
    flink.parallelism, flink.slots = 9, (3, 8)
    _, report = cycle(systems, project(with_sink=False))
    (failed,) = report.failed
    assert failed.change.name == "orders_clean"
    (job_id,) = flink.jobs
    assert failed.message == (
        f"job {job_id} went FAILED right after submission: not enough free task slots: the job needs "
        "9, the cluster has 3 free (GET /overview slots-available; 8 in total). Hint: lower the "
        "job's parallelism, cancel other jobs, or on the local stack raise "
        "STREAMT_LOCAL_TASKMANAGER_SLOTS (then `streamt local up`)"
    )
    # Flink keeps a FAILED job FAILED (its cancel answers 409): nothing is left RESTARTING
    assert [j.state for j in flink.jobs.values()] == ["FAILED"]
    plan, again = cycle(systems, project(with_sink=False))
    assert [c.action for c in plan.pending] == [Action.CREATE]  # the failed create is retried
    assert again.ok and len(flink.running()) == 1


def test_any_other_failure_gives_its_root_cause_and_no_cause_keeps_the_generic_message():
    systems = fake_systems()
    flink = _flink(systems)
    flink.fail_next = "FAILED"
    flink.fail_cause = ["org.apache.kafka.common.errors.TopicAuthorizationException: denied"]
    _, report = cycle(systems, project(with_sink=False), environ=ENVIRON)
    assert report.failed[0].message.endswith(
        "went FAILED right after submission: root cause: "
        "org.apache.kafka.common.errors.TopicAuthorizationException: denied"
    )
    flink.fail_next, flink.fail_cause = "FAILED", []
    other = project(with_sink=False, query="SELECT id FROM orders WHERE id <> ''")
    _, report = cycle(systems, other)
    assert report.failed[0].message.endswith("(see its exceptions in the Flink UI)")


def test_a_cluster_without_the_diagnostic_calls_gives_no_explanation():
    assert explain_failure(object(), "j1") == ""
    flink = FakeFlink()
    assert explain_failure(flink, "unknown") == ""


def test_ctrl_c_ends_the_wait_for_a_failed_jobs_exception_history():
    """Flink fills the history seconds after a failure; apply waits for it up to
    history_wait_s, but not past a Ctrl-C."""
    import re
    import time

    from streamt.apply.step import INTERRUPTED, ApplyOptions

    flink = FakeFlink()
    job = flink.server.add_job("p", "FAILED")  # its history stays empty
    options = ApplyOptions()
    options.stop.set()
    started = time.monotonic()
    with pytest.raises(StepError, match=re.escape(INTERRUPTED)):
        explain_failure(flink, job.jid, wait_s=60, poll_s=0.5, pause=options.pause)
    assert time.monotonic() - started < 0.5


def test_a_rollback_whose_job_fails_is_cancelled_and_explained():
    systems = fake_systems()
    cycle(systems, project(with_sink=False))
    flink = _flink(systems)
    _, report = cycle(systems, project("SELECT id FROM orders WHERE id <> ''", with_sink=False))
    assert report.ok
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    ctx = StepContext(systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), _opts())
    flink.fail_next, flink.fail_cause = "FAILED", ["java.lang.IllegalStateException: no state"]
    with pytest.raises(StepError) as failed:
        rollback_job(ctx, "orders_clean")
    assert str(failed.value).endswith("root cause: java.lang.IllegalStateException: no state")
    assert flink.running() == [] and list(flink.jobs.values())[-1].state == "FAILED"


def test_a_job_that_keeps_restarting_is_cancelled_with_its_cause():
    systems = fake_systems()
    flink = _flink(systems)
    flink.fail_next = "RESTARTING"
    flink.fail_cause = ["java.lang.IllegalStateException: cannot start"]
    _, report = cycle(systems, project(with_sink=False), restart_grace_s=0)
    (failed,) = report.failed
    (job_id,) = flink.jobs
    assert failed.message == (
        f"job {job_id} keeps RESTARTING right after starting: it cannot run: root cause: "
        "java.lang.IllegalStateException: cannot start"
    )
    assert flink.jobs[job_id].state == "CANCELED"  # the cancel reached an active job


NULL_ROWTIME_CAUSE = (
    "java.lang.NullPointerException in StreamRecordTimestampInserter: a NULL event-time "
    'value; record: {"id": "b"}'
)


def test_status_shows_why_a_job_restarts_or_failed():
    from streamt.apply.status import collect_status
    from streamt.state import observe

    systems = fake_systems()
    desired = project(with_sink=False)
    _, report = cycle(systems, desired)
    assert report.ok
    flink = _flink(systems)
    (job,) = flink.running()
    flink.set_state(job.job_id, "RESTARTING", [NULL_ROWTIME_CAUSE, "older cause"])
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)

    def job_row():  # type: ignore[no-untyped-def]
        status = collect_status(desired, ledger, observe(desired, ledger, systems), systems)
        return next(r for r in status.resources if r.kind == "flink_job")

    assert job_row().details["cause"] == NULL_ROWTIME_CAUSE
    flink.set_state(job.job_id, "FAILED")
    assert job_row().details["cause"] == NULL_ROWTIME_CAUSE
    flink.set_state(job.job_id, "RUNNING")
    assert "cause" not in job_row().details


class _Locator:
    def __init__(self, found: tuple[str, int, int] | None) -> None:
        self.found, self.asked = found, []  # type: ignore[var-annotated]

    def locate_value(self, topics, value, group, *, prefix=False, lacking=False):  # type: ignore[no-untyped-def]
        self.asked.append((tuple(topics), value, group, prefix) + ((True,) if lacking else ()))
        return self.found


def test_a_quoted_record_is_located_in_the_jobs_source_topics():
    from streamt.adapters.located import with_position

    from ..plan.factories import job

    payload = job("orders_clean", sources=("orders.raw",))
    cause = (
        'x.JsonParseException: Fail to deserialize at field: amount.; record: {"a":1}; operator: S'
    )
    kafka = _Locator(("orders.raw", 2, 41))
    assert with_position(kafka, payload, cause) == (
        "x.JsonParseException: Fail to deserialize at field: amount.; record at topic orders.raw "
        'partition 2 offset 41: {"a":1}; operator: S'
    )
    assert kafka.asked == [(("orders.raw",), b'{"a":1}', "streamt.shop.orders_clean", False)]
    assert with_position(_Locator(None), payload, cause) == cause  # not found: unchanged
    assert with_position(object(), payload, cause) == cause  # no reader: unchanged
    plain = "java.lang.IllegalStateException: boom"
    assert with_position(kafka, payload, plain) == plain


def test_observe_samples_unowned_topics_against_the_models_columns():
    from streamt.plan import Ledger
    from streamt.state import observe

    from ..plan.factories import topic

    systems = fake_systems()
    kafka = systems.kafka
    assert kafka is not None
    desired = project(with_sink=False)
    kafka.create_topics([topic("orders_clean")])
    sampled: list[tuple[str, int]] = []

    def sample_values(name: str, count: int) -> list[bytes]:
        sampled.append((name, count))
        return [b'{"id":"a"}', b'{"id":"b","x":1}', b"not json", b"[1]"]

    kafka.sample_values = sample_values  # type: ignore[attr-defined]
    live = observe(desired, Ledger(PROJECT, ENV), systems, {"orders_clean": ("id",)})
    assert live.samples == {"orders_clean": (1, 4)}
    assert sampled == [("orders_clean", 20)]


def test_an_avro_record_with_an_unknown_schema_id_is_located_by_its_header():
    from streamt.adapters.located import with_position

    from ..plan.factories import job

    payload = job("orders_clean", sources=("orders.avro",))
    cause = (
        "x.RestClientException: Schema 987654321 not found.; error code: 40403; operator: Source"
    )
    kafka = _Locator(("orders.avro", 0, 7))
    assert with_position(kafka, payload, cause) == (
        "x.RestClientException: Schema 987654321 not found.; error code: 40403; record at topic "
        "orders.avro partition 0 offset 7 (schema id 987654321); operator: Source"
    )
    header = b"\x00" + (987654321).to_bytes(4, "big")
    assert kafka.asked == [(("orders.avro",), header, "streamt.shop.orders_clean", True)]


def test_bytes_that_are_not_confluent_avro_are_located_as_the_first_without_its_magic_byte():
    from streamt.adapters.located import with_position

    from ..plan.factories import job

    payload = job("orders_clean", sources=("orders.avro",))
    cause = (
        "org.apache.flink.formats.avro.AvroRuntimeException... x.IOException: Unknown data "
        "format. Magic number does not match; operator: Source: raw[1]"
    )
    kafka = _Locator(("orders.avro", 1, 3))
    assert with_position(kafka, payload, cause) == (
        "org.apache.flink.formats.avro.AvroRuntimeException... x.IOException: Unknown data "
        "format. Magic number does not match; record at topic orders.avro partition 1 offset 3 "
        "(not Confluent Avro: its first byte is not 0); operator: Source: raw[1]"
    )
    assert kafka.asked == [(("orders.avro",), b"\x00", "streamt.shop.orders_clean", False, True)]
    assert with_position(_Locator(None), payload, cause) == cause


def test_a_null_event_time_names_the_field_of_the_table_reading_the_records_topic():
    import dataclasses

    from streamt.adapters.located import with_position

    from ..plan.factories import job

    spec = job("pay_eur", sources=("pay.a", "pay.b"))
    statements = (
        "CREATE TEMPORARY TABLE `a` (`id` STRING, `t1` TIMESTAMP(3), WATERMARK FOR `t1` AS `t1`)"
        " WITH ('connector'='kafka', 'topic'='pay.a', 'format'='json')",
        "CREATE TEMPORARY TABLE `b` (`id` STRING, `paid_at` TIMESTAMP(3), WATERMARK FOR "
        "`paid_at` AS `paid_at` - INTERVAL '1' SECOND) WITH ('connector'='kafka', "
        "'topic'='pay.b', 'format'='json')",
        *spec.statements[1:],
    )
    payload = dataclasses.replace(spec, statements=statements)
    cause = (
        "java.lang.NullPointerException in StreamRecordTimestampInserter: a NULL event-time "
        "(rowtime) value: the record lacks its event-time field, or it is null; record: "
        '{"id":"b"}; operator: Source: b[2]'
    )
    assert with_position(_Locator(("pay.b", 0, 5)), payload, cause) == (
        "java.lang.NullPointerException in StreamRecordTimestampInserter: a NULL event time: "
        'field paid_at is missing or null; record at topic pay.b partition 0 offset 5: {"id":"b"}'
        "; operator: Source: b[2]"
    )
    # a topic no statement reads (cannot happen) keeps the generic words, with the position
    assert with_position(_Locator(("pay.c", 0, 5)), payload, cause) == cause.replace(
        "; record: ", "; record at topic pay.c partition 0 offset 5: "
    )


class _Registry:
    def __init__(self) -> None:
        self.asked: list[int] = []

    def schema_text(self, schema_id: int) -> str:
        from streamt.adapters.protocols import AdapterError

        self.asked.append(schema_id)
        if schema_id != 7:
            raise AdapterError("schema_registry", f"Schema {schema_id} not found")
        return '{"type":"record","name":"R","fields":[{"name":"id","type":"string"}]}'


def test_an_avro_body_that_does_not_decode_is_found_by_decoding_with_its_writer_schema():
    from streamt.adapters.located import _BodyCheck

    header = b"\x00" + (7).to_bytes(4, "big")
    registry = _Registry()
    check = _BodyCheck(registry)
    assert not check(header + b"\x02a")  # "a": a string of length 1
    assert check.failed is None
    assert check(header + b"\x10ab")  # claims 8 bytes, holds 2
    assert check.failed == 7
    other = b"\x00" + (9).to_bytes(4, "big") + b"\x10ab"
    assert not check(other)  # an unknown id is no body that fails to decode
    assert not check(b'{"id":"json"}') and not check(None) and not check(b"\x00\x00")
    assert registry.asked == [7, 9]  # once per id


class _FirstLocator(_Locator):
    def locate_first(self, topics, group, wanted):  # type: ignore[no-untyped-def]
        hits = [v for v in self.values if wanted(v)]
        self.asked.append((tuple(topics), group, len(hits)))
        return self.found if hits else None


def test_a_truncated_avro_body_is_located_with_the_registry_and_named_by_its_schema_id():
    from streamt.adapters.located import with_position

    from ..plan.factories import job

    payload = job("orders_clean", sources=("orders.avro",))
    cause = (
        "java.io.EOFException in BinaryDecoder: an Avro record body that does not decode with "
        "the schema its id names; operator: Source: raw[1]"
    )
    kafka = _FirstLocator(("orders.avro", 0, 4))
    kafka.values = [b"\x00\x00\x00\x00\x07\x02a", b"\x00\x00\x00\x00\x07\x10ab"]
    assert with_position(kafka, payload, cause, _Registry()) == (
        "java.io.EOFException in BinaryDecoder: an Avro record body that does not decode with "
        "the schema its id names; record at topic orders.avro partition 0 offset 4 (schema id 7: "
        "its body does not decode); operator: Source: raw[1]"
    )
    assert kafka.asked == [(("orders.avro",), "streamt.shop.orders_clean", 1)]
    assert with_position(kafka, payload, cause) == cause  # no registry: not searched
