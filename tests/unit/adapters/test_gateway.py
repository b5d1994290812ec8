"""ConduktorGatewayClient against recorded exchanges written from the documented admin API v2.

No Gateway can run here: tests/fixtures/gateway_recordings/README.md says where each shape
comes from. The replay transport fails on any request that differs from the recording.
"""

import json
from pathlib import Path

import httpx
import pytest

from streamt.adapters.gateway import ConduktorGatewayClient, expected_interceptor
from streamt.adapters.http import RetryPolicy
from streamt.adapters.protocols import AdapterError, AliasTopicState
from streamt.resources import GatewayRuleSpec, InterceptorState

from .fakes import Sleeps

RECORDINGS = Path(__file__).parents[2] / "fixtures" / "gateway_recordings"


class Replay:
    def __init__(self, name: str) -> None:
        self.exchanges = json.loads((RECORDINGS / name).read_text())["exchanges"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.exchanges, f"unrecorded request {request.method} {request.url}"
        recorded = self.exchanges.pop(0)
        want, answer = recorded["request"], recorded["response"]
        got_body = json.loads(request.content) if request.content else None
        got = {
            "method": request.method,
            "path": request.url.raw_path.decode().split("?")[0],
            "query": dict(request.url.params),
            "json": got_body,
        }
        assert got == want
        assert request.headers["authorization"].startswith("Basic ")
        if answer["json"] is None:
            return httpx.Response(answer["status"])
        return httpx.Response(answer["status"], json=answer["json"])


def gateway(
    replay: Replay, vcluster: str | None = None, attempts: int = 1
) -> ConduktorGatewayClient:
    http = httpx.Client(
        base_url="http://gateway.test:8888",
        auth=httpx.BasicAuth("admin", "conduktor"),
        transport=httpx.MockTransport(replay),
    )
    client = ConduktorGatewayClient(http, vcluster=vcluster, retry=RetryPolicy(attempts=attempts))
    client.api.sleep = Sleeps()
    return client


def test_virtual_topic_upsert_list_and_delete():
    replay = Replay("interceptors.json")
    gw = gateway(replay)
    rule = GatewayRuleSpec(
        "orders_paid",
        "orders.raw",
        "status = 'paid'",
        ("id", "amount"),
        node="model.shop.orders_paid",
        statement="SELECT id, amount FROM \"orders.raw\" WHERE status = 'paid'",
    )
    gw.put_rule(rule)
    listed = gw.list_interceptors()
    assert [i.name for i in listed] == ["enforce-partition-limit", "orders_paid"]
    assert listed[1] == InterceptorState(
        name="orders_paid",
        plugin_class="io.conduktor.gateway.interceptor.VirtualSqlTopicPlugin",
        priority=100,
        config_json='{"statement":"SELECT id, amount FROM \\"orders.raw\\" WHERE status = \'paid\'","virtualTopic":"orders_paid"}',
    )
    assert listed[0].vcluster == "passthrough"
    assert listed[1] == expected_interceptor(rule)  # the observed rule matches what was put
    gw.delete_interceptor("orders_paid")
    gw.delete_interceptor("orders_paid")  # already gone: 404 is fine
    assert not replay.exchanges and gw.calls == 4


def test_alias_topics_and_interceptors_scoped_to_a_virtual_cluster():
    replay = Replay("alias_topics_vcluster.json")
    gw = gateway(replay, vcluster="teamA")
    gw.put_alias_topic("orders", "orders.raw.v1")
    assert gw.list_alias_topics() == [AliasTopicState("orders", "orders.raw.v1", "teamA")]
    gw.delete_alias_topic("orders")
    rule = GatewayRuleSpec("orders_all", "orders.raw.v1", statement='SELECT * FROM "orders.raw.v1"')
    gw.put_rule(rule)
    gw.delete_interceptor("orders_all")
    assert not replay.exchanges


def test_errors_name_the_gateway_status_and_title_and_5xx_on_get_is_retried():
    replay = Replay("errors.json")
    gw = gateway(replay, attempts=2)
    with pytest.raises(AdapterError) as err:
        gw.list_interceptors()
    assert err.value.status == 401 and "credentials are not valid" in str(err.value)
    assert "conduktor" not in str(err.value).replace("conduktor-gateway", "")  # no password
    with pytest.raises(AdapterError, match="physical cluster of an alias topic cannot be changed"):
        gw.put_alias_topic("orders", "other")
    assert gw.list_alias_topics() == []  # 500 then 200
    assert not replay.exchanges


def test_the_statement_is_sent_as_compile_built_it_and_a_rule_without_one_is_refused():
    """The adapter never parses or builds SQL: a rule that compile did not give a statement
    (e.g. written by hand) is refused before any request."""
    replay = Replay("interceptors.json")
    gw = gateway(replay)
    with pytest.raises(ValueError, match="carries no statement"):
        gw.put_rule(GatewayRuleSpec("v", "orders", "amount > 0"))
    assert gw.calls == 0
