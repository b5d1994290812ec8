"""The Confluent Cloud Flink client against the statements API model (tests/fakes/confluent_flink),
fed with the jobs the compiler writes for the seed's fraud example (tests/fixtures/confluent_fraud)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from streamt.adapters.confluent_flink import (
    CARRY_OVER,
    ConfluentFlinkClient,
    endpoint,
    statement_name,
)
from streamt.adapters.http import NO_RETRY
from streamt.adapters.protocols import AdapterError
from streamt.context import Context
from streamt.resources import JobSpec
from streamt.sql.confluent import NotForConfluent, cloud_statement
from tests.fakes.confluent_flink import NAME, ConfluentFlinkServer

FIXTURE = Path(__file__).parents[2] / "fixtures" / "confluent_fraud"
ORG, ENV, POOL = "7c60d51f-b44e-4682-87d6-449835ea4de6", "env-a1b2c3", "lfcp-x1y2z3"
KEY, SECRET = "FLINKKEY123", "s3cr3t-flink-api-secret"
ENVIRON = {
    "CONFLUENT_BOOTSTRAP": "pkc-1.us-east-1.aws.confluent.cloud:9092",
    "CONFLUENT_FLINK_API_KEY": KEY,
    "CONFLUENT_FLINK_API_SECRET": SECRET,
}
TABLES = {"transactions.raw.v1", "transactions", "fraud_predictions"}


def fraud_jobs() -> dict[str, JobSpec]:
    result = Context(FIXTURE, environ=ENVIRON).compile()
    return {job.pipeline_name: job for job in result.desired.jobs}


def server(models: tuple[str, ...] = ("FraudModel",)) -> ConfluentFlinkServer:
    return ConfluentFlinkServer(
        organization_id=ORG,
        environment_id=ENV,
        api_key=KEY,
        api_secret=SECRET,
        compute_pools=(POOL,),
        catalogs=(ENV, "payments"),
        databases={"lkc-q1w2e3": set(TABLES)},
        models=models,
    )


def client(
    model: ConfluentFlinkServer, key: str = KEY, secret: str = SECRET
) -> ConfluentFlinkClient:
    http = httpx.Client(
        transport=httpx.MockTransport(model),
        base_url=endpoint("aws", "us-east-1"),
        auth=httpx.BasicAuth(key, secret),
    )
    return ConfluentFlinkClient(
        http,
        organization_id=ORG,
        environment_id=ENV,
        compute_pool_id=POOL,
        database="lkc-q1w2e3",
        catalog="payments",
        retry=NO_RETRY,
        timeout_s=5,
        sleep=lambda _: None,
    )


def submit(flink: ConfluentFlinkClient, job: JobSpec, **extra: str) -> str:
    return flink.submit(list(job.statements), {**job.config, **extra})


def states(flink: ConfluentFlinkClient) -> Mapping[str, str]:
    return {j.job_id: j.state for j in flink.list_jobs()}


def test_the_compiled_fraud_jobs_become_statements_over_the_topics_tables() -> None:
    model, jobs = server(), fraud_jobs()
    flink = client(model)
    names = {pipeline: submit(flink, job) for pipeline, job in jobs.items()}
    assert all(NAME.match(n) for n in names.values())
    scored = model.statements[names["streamt.fraud.fraud_predictions"]]
    assert scored.spec["statement"] == (
        "INSERT INTO `fraud_predictions` SELECT `transaction_id`, `amount`, "
        "ML_PREDICT('FraudModel', `amount`, `merchant_category`) AS `fraud_score` "
        "FROM `transactions`"
    )
    clean = model.statements[names["streamt.fraud.transactions"]]
    assert "FROM `transactions.raw.v1` WHERE `amount` > 0" in clean.spec["statement"]
    assert scored.spec["properties"] == {
        "sql.current-catalog": "payments",
        "sql.current-database": "lkc-q1w2e3",
    }
    assert scored.spec["compute_pool_id"] == POOL and scored.spec["stopped"] is False
    assert scored.labels == {"streamt-job": "streamt.fraud.fraud_predictions"}
    # what was sent carries no credential: it travels in the Authorization header only
    sent = b"".join(r.content for r in model.router.seen)
    assert SECRET.encode() not in sent and KEY.encode() not in sent
    assert "PENDING" not in states(flink).values()  # one read: PENDING -> RUNNING
    jobs_seen = {j.name: j.state for j in flink.list_jobs()}
    assert jobs_seen == {p: "RUNNING" for p in jobs}


def test_the_name_is_stable_and_follows_the_documented_pattern() -> None:
    job = "streamt.My_Project.Fraud__predictions" + "x" * 80
    one = statement_name(job, "INSERT INTO a SELECT 1", {"sql.current-database": "d"})
    assert one == statement_name(job, "INSERT INTO a SELECT 1", {"sql.current-database": "d"})
    assert NAME.match(one) and len(one) <= 72
    assert one != statement_name(job, "INSERT INTO a SELECT 2", {"sql.current-database": "d"})
    carried = {"sql.current-database": "d", "sql.tables.initial-offset-from": "old"}
    assert one == statement_name(job, "INSERT INTO a SELECT 1", carried)


def test_an_unregistered_model_fails_with_confluents_detail() -> None:
    model, jobs = server(models=()), fraud_jobs()
    flink = client(model)
    name = submit(flink, jobs["streamt.fraud.fraud_predictions"])
    assert states(flink)[name] == "FAILED"
    (detail,) = flink.job_exceptions(name)
    assert "Model 'FraudModel' not found" in detail


def test_an_unknown_table_fails() -> None:
    model = server()
    model.databases["lkc-q1w2e3"].discard("transactions.raw.v1")
    flink = client(model)
    name = submit(flink, fraud_jobs()["streamt.fraud.transactions"])
    assert states(flink)[name] == "FAILED"
    assert "Table 'transactions.raw.v1' not found" in flink.job_exceptions(name)[0]


def test_stop_resume_and_delete() -> None:
    model = server()
    flink = client(model)
    name = submit(flink, fraud_jobs()["streamt.fraud.transactions"])
    assert states(flink)[name] == "RUNNING"
    flink.stop(name)
    assert model.statements[name].spec["stopped"] is True
    assert states(flink)[name] == "CANCELED"  # STOPPING -> STOPPED
    assert model.statements[name].phase == "STOPPED"
    flink.resume(name)
    assert states(flink)[name] == "RUNNING"
    patches = [r for r in model.router.seen if r.method == "PATCH"]
    assert [json.loads(p.content) for p in patches] == [
        [{"op": "replace", "path": "/spec/stopped", "value": v}] for v in (True, False)
    ]
    assert {p.headers["Content-Type"] for p in patches} == {"application/json-patch+json"}
    flink.cancel(name)
    assert states(flink)[name] == "CANCELLING"  # DELETING, answered once more
    assert name not in states(flink)
    flink.cancel(name)  # gone already: fine


def test_submitting_again_adopts_resumes_or_recreates() -> None:
    model = server()
    flink = client(model)
    job = fraud_jobs()["streamt.fraud.transactions"]
    name = submit(flink, job)
    assert submit(flink, job) == name and len(model.statements) == 1  # running: adopted
    flink.stop(name)
    flink.list_jobs()
    assert submit(flink, job) == name and model.statements[name].phase == "PENDING"  # resumed
    model.statements[name].phase = "FAILED"
    uid = model.statements[name].uid
    assert submit(flink, job) == name and model.statements[name].uid != uid  # created anew


def stopped_for_upgrade() -> tuple[ConfluentFlinkServer, ConfluentFlinkClient, JobSpec, str]:
    """The model, the client and the transactions job, its statement run and then stopped for
    an upgrade; the last value is what stop_with_savepoint handed on."""
    model = server()
    flink = client(model)
    job = fraud_jobs()["streamt.fraud.transactions"]
    old = submit(flink, job)
    flink.list_jobs()
    return model, flink, job, flink.stop_with_savepoint(old)


def test_an_upgrade_stops_the_old_statement_and_carries_its_offsets_over() -> None:
    model, flink, job, handed = stopped_for_upgrade()
    (old,) = model.statements  # the one statement submitted, now stopped
    assert handed == CARRY_OVER + old and model.statements[old].phase == "STOPPED"
    changed = [s.replace("> 0", "> 10") for s in job.statements]
    assert changed != list(job.statements)
    new = flink.submit(changed, {**job.config, "execution.savepoint.path": handed})
    assert new != old
    assert model.statements[new].spec["properties"]["sql.tables.initial-offset-from"] == old
    assert states(flink)[new] == "RUNNING"
    started = {j.job_id: j.start_time_ms for j in flink.list_jobs()}
    assert started[new] > started[old] > 0  # metadata.created_at: the newest is the latest job


def test_carrying_offsets_into_a_stateful_statement_fails() -> None:
    _, flink, job, handed = stopped_for_upgrade()
    *setup, insert = job.statements
    grouped = [
        *setup,
        insert.rstrip(";") + " GROUP BY `transaction_id`, `amount`, `merchant_category`",
    ]
    new = flink.submit(grouped, {**job.config, "execution.savepoint.path": handed})
    assert states(flink)[new] == "FAILED"
    assert "stateless statements only" in flink.job_exceptions(new)[0]


def test_a_wrong_key_is_a_401_that_never_shows_the_secret() -> None:
    flink = client(server(), secret="wrong-secret-value")
    with pytest.raises(AdapterError) as caught:
        flink.list_jobs()
    assert caught.value.status == 401 and "invalid" in str(caught.value)
    assert "wrong-secret-value" not in str(caught.value)
    assert base64.b64encode(f"{KEY}:wrong-secret-value".encode()).decode() not in str(caught.value)


def test_an_option_confluent_does_not_have_is_refused_by_name() -> None:
    flink = client(server())
    job = fraud_jobs()["streamt.fraud.transactions"]
    with pytest.raises(AdapterError, match=r"no option table\.exec\.mini-batch\.enabled"):
        submit(flink, job, **{"table.exec.mini-batch.enabled": "true"})
    props = flink.properties(
        {**job.config, "table.exec.state.ttl": "3600000 ms", "sql.local-time-zone": "UTC"}
    )
    assert props["sql.state-ttl"] == "3600000 ms" and props["sql.local-time-zone"] == "UTC"
    assert "execution.checkpointing.interval" not in props and "pipeline.name" not in props


def test_the_model_refuses_what_the_documentation_refuses() -> None:
    model = server()
    http = httpx.Client(
        transport=httpx.MockTransport(model),
        base_url="https://flink",
        auth=httpx.BasicAuth(KEY, SECRET),
    )
    path = f"/sql/v1/organizations/{ORG}/environments/{ENV}/statements"
    spec = {"statement": "INSERT INTO `transactions` SELECT 1", "compute_pool_id": POOL}
    assert http.post(path, json={"name": "Bad_Name", "spec": spec}).status_code == 400
    bad_pool = http.post(path, json={"name": "ok", "spec": {**spec, "compute_pool_id": "lfcp-no"}})
    assert bad_pool.json()["errors"][0]["source"] == {"pointer": "/spec/compute_pool_id"}
    bad_prop = {**spec, "properties": {"pipeline.name": "x"}}
    assert http.post(path, json={"name": "ok", "spec": bad_prop}).status_code == 400
    assert http.post(path, json={"name": "ok"}).status_code == 400
    assert http.post(path, json={"name": "ok", "spec": spec}).status_code == 200
    assert http.post(path, json={"name": "ok", "spec": spec}).status_code == 409
    assert (
        http.get(f"/sql/v1/organizations/{ORG}/environments/env-other/statements").status_code
        == 404
    )
    plain_patch = http.patch(
        f"{path}/ok", json=[{"op": "replace", "path": "/spec/stopped", "value": True}]
    )
    assert plain_patch.status_code == 415
    patch = {"Content-Type": "application/json-patch+json"}
    renamed = b'[{"op": "replace", "path": "/spec/statement", "value": "SELECT 2"}]'
    assert http.patch(f"{path}/ok", content=renamed, headers=patch).status_code == 422
    assert http.patch(f"{path}/ok", content=b'{"op": "x"}', headers=patch).status_code == 400
    assert http.delete(f"{path}/ok").status_code == 202
    assert http.get(f"{path}/ok").json()["status"]["phase"] == "DELETING"
    assert http.get(f"{path}/ok").status_code == 404
    assert http.delete(f"{path}/ok").status_code == 404


def test_every_page_of_statements_is_listed() -> None:
    model = server()
    flink = client(model)
    job = fraud_jobs()["streamt.fraud.transactions"]
    for i in range(230):
        flink.submit([s.replace("> 0", f"> {i}") for s in job.statements], dict(job.config))
    assert len(flink.list_jobs()) == 230
    lists = [
        r for r in model.router.seen if r.method == "GET" and r.url.path.endswith("statements")
    ]
    assert len(lists) == 3  # pages of 100


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ("CREATE TEMPORARY VIEW `v` AS SELECT 1", "CREATE TEMPORARY VIEW"),
        ("CREATE TEMPORARY FUNCTION `f` AS 'x.Y'", "CREATE TEMPORARY FUNCTION"),
    ],
)
def test_statements_without_a_confluent_equivalent_are_refused(
    statement: str, refused: str
) -> None:
    job = fraud_jobs()["streamt.fraud.transactions"]
    statements = [*job.statements[:-1], statement, job.statements[-1]]
    with pytest.raises(NotForConfluent, match=refused):
        cloud_statement(statements)
    with pytest.raises(AdapterError, match="cannot run on Confluent Cloud"):
        client(server()).submit(statements, dict(job.config))


def test_window_table_arguments_are_swapped_and_cte_names_left_alone() -> None:
    create = "CREATE TEMPORARY TABLE `bid` (`ts` TIMESTAMP(3)) WITH ('topic'='shop.bids.v1')"
    window = (
        "INSERT INTO `out` SELECT `window_start` FROM TABLE(TUMBLE(TABLE `bid`, "
        "DESCRIPTOR(`ts`), INTERVAL '1' MINUTE)) GROUP BY `window_start`"
    )
    assert "TABLE(TUMBLE(TABLE `shop.bids.v1`," in cloud_statement([create, window]).sql
    shadow = "INSERT INTO `out` WITH `bid` AS (SELECT 1 AS `x`) SELECT `x` FROM `bid`"
    assert cloud_statement([create, shadow]).sql.endswith("SELECT `x` FROM `bid`")
