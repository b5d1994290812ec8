"""`streamt test` names a sample-tested model's failing job's bad record like `apply` and
`status` do: the cause from Flink's exception history with the record's topic, partition and
offset (read back through the Kafka locator from the job's compiled source topics).
Real-stack proof: tests/integration/test_apply_poison_records.py."""

from __future__ import annotations

from tests.unit.plan.factories import job

from streamt.resources import JobState
from streamt.testing.env import TestEnv
from streamt.testing.runner import _Troubles

CAUSE = (
    "x.JsonParseException: Fail to deserialize at field: amount.; record: "
    '{"id":"c","amount":"abc"}; operator: Source: raw[1]'
)


class _Flink:
    def __init__(self, state: str) -> None:
        self.state = state

    def list_jobs(self) -> list[JobState]:
        return [JobState("j1", "streamt.shop.orders_clean", self.state, 1)]

    def job_exceptions(self, job_id: str) -> list[str]:
        return [CAUSE] if job_id == "j1" else []


class _Kafka:
    def __init__(self) -> None:
        self.asked: list[tuple[tuple[str, ...], bytes, str]] = []

    def locate_value(self, topics, value, group, *, prefix=False, lacking=False):  # type: ignore[no-untyped-def]
        self.asked.append((tuple(topics), value, group))
        return ("orders.raw", 0, 12)


def troubles(state: str, kafka: object, with_payload: bool = True) -> _Troubles:
    env = TestEnv(project="shop", bootstrap="", flink=_Flink(state), kafka_admin=kafka)  # type: ignore[arg-type]
    spec = job("orders_clean", sources=("orders.raw",))
    payloads = {spec.pipeline_name: spec} if with_payload else {}
    return _Troubles(env, {"orders_clean": spec.pipeline_name}, payloads)


def test_a_restarting_jobs_cause_names_where_its_record_is() -> None:
    kafka = _Kafka()
    assert troubles("RESTARTING", kafka).of("orders_clean") == (
        "the model's job j1 is RESTARTING: x.JsonParseException: Fail to deserialize at field: "
        'amount.; record at topic orders.raw partition 0 offset 12: {"id":"c","amount":"abc"}; '
        "operator: Source: raw[1]"
    )
    assert kafka.asked == [
        (("orders.raw",), b'{"id":"c","amount":"abc"}', "streamt.shop.orders_clean")
    ]


def test_without_compiled_jobs_the_cause_is_kept_and_a_running_job_has_none() -> None:
    assert troubles("FAILED", _Kafka(), with_payload=False).of("orders_clean") == (
        f"the model's job j1 is FAILED: {CAUSE}"
    )
    assert troubles("RUNNING", _Kafka()).of("orders_clean") == ""
    assert troubles("RESTARTING", _Kafka()).of("other_model") == ""
