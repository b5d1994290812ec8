"""Conduktor Gateway adapter (admin API v2, `/gateway/v2/...`, basic auth).

Written against Conduktor's documented v2 API (the OpenAPI description shipped with Conduktor's
CLI, `conduktor/ctl` `pkg/schema/testdata/gateway.yaml`, and docs.conduktor.io):
- interceptors: `GET /gateway/v2/interceptor[?vcluster=]` (list), `PUT /gateway/v2/interceptor`
  (upsert `{kind: Interceptor, apiVersion: gateway/v2, metadata: {name, scope}, spec: {pluginClass,
  priority, config, comment}}`), `DELETE /gateway/v2/interceptor/{name}` with the scope as body;
- alias topics: `GET|PUT|DELETE /gateway/v2/alias-topic` (`{kind: AliasTopic, metadata: {name,
  vCluster}, spec: {physicalName}}`; delete body `{name, vCluster}`).
A virtual topic (`GatewayRuleSpec`) is one `VirtualSqlTopicPlugin` interceptor named after the
virtual topic; its statement is the one compile built from the analysed query in the Gateway's
SQL subset (`streamt.compile.gateway`), sent as it is: this adapter never parses SQL. A masking
rule (`masked_fields`) is one `FieldLevelDataMaskingPlugin` interceptor (docs.conduktor.io,
"Data masking") whose `topic` regex matches the virtual topic exactly, with one policy masking
those fields with MASK_ALL and `*`.

A Gateway cannot run in this environment: this adapter is tested only against recorded HTTP
exchanges written from those documented shapes (tests/fixtures/gateway_recordings), not against a
live Gateway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

import httpx

from streamt.adapters._json import Shape
from streamt.adapters.http import HttpApi, RetryPolicy
from streamt.adapters.protocols import AliasTopicState
from streamt.resources import GatewayRuleSpec, InterceptorState

SYSTEM = "conduktor-gateway"
API = "/gateway/v2"
VIRTUAL_SQL_TOPIC = "io.conduktor.gateway.interceptor.VirtualSqlTopicPlugin"
DATA_MASKING = "io.conduktor.gateway.interceptor.FieldLevelDataMaskingPlugin"
DEFAULT_PRIORITY = 100
MASKING_CHAR = "*"


def _canonical(config: Mapping[str, object]) -> str:
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def virtual_topic_config(rule: GatewayRuleSpec) -> dict[str, str]:
    if not rule.statement:
        raise ValueError(f"gateway rule {rule.name} carries no statement (compile builds it)")
    return {"virtualTopic": rule.name, "statement": rule.statement}


def masking_config(rule: GatewayRuleSpec) -> dict[str, object]:
    """The masking interceptor's config: the fields of the virtual topic `rule.physical_topic`."""
    if not rule.masked_fields:
        raise ValueError(f"gateway rule {rule.name} masks no field")
    policy = {
        "name": f"streamt {rule.physical_topic}",
        "fields": list(rule.masked_fields),
        "rule": {"type": "MASK_ALL", "maskingChar": MASKING_CHAR},
    }
    return {"topic": f"^{re.escape(rule.physical_topic)}$", "policies": [policy]}


def interceptor_of(rule: GatewayRuleSpec) -> tuple[str, dict[str, object]]:
    """The plugin class and config the Gateway holds for `rule`."""
    if rule.masked_fields:
        return DATA_MASKING, masking_config(rule)
    return VIRTUAL_SQL_TOPIC, dict(virtual_topic_config(rule))


def expected_interceptor(rule: GatewayRuleSpec, vcluster: str | None = None) -> InterceptorState:
    """What `list_interceptors` reports once `put_rule(rule)` is applied: compare it to the
    observed state to tell whether the Gateway already has this rule (no-op) or drifted."""
    plugin_class, config = interceptor_of(rule)
    return InterceptorState(
        name=rule.name,
        plugin_class=plugin_class,
        priority=DEFAULT_PRIORITY,
        config_json=_canonical(config),
        vcluster=vcluster,
    )


class ConduktorGatewayClient:
    """`ConduktorGateway` over the admin API v2; `vcluster` scopes every call (None = default)."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        vcluster: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.api = HttpApi(SYSTEM, client, retry=retry)
        self.vcluster = vcluster

    @property
    def calls(self) -> int:
        return self.api.calls

    def _filter(self) -> dict[str, str]:
        return {"vcluster": self.vcluster} if self.vcluster else {}

    # ------------------------------------------------------------ interceptors

    def list_interceptors(self) -> Sequence[InterceptorState]:
        reply = self.api.request("GET", f"{API}/interceptor", params=self._filter(), ok=(200,))
        shape = Shape(SYSTEM, reply.url)
        items = [shape.obj(i, "interceptor") for i in shape.arr(reply.json(), "interceptors")]
        return sorted((self._interceptor(shape, i) for i in items), key=lambda i: i.name)

    @staticmethod
    def _interceptor(shape: Shape, item: Mapping[str, object]) -> InterceptorState:
        metadata = shape.obj(item.get("metadata"), "metadata")
        spec = shape.obj(item.get("spec"), "spec")
        scope = shape.obj(metadata.get("scope") or {}, "metadata.scope")
        vcluster = scope.get("vCluster")
        return InterceptorState(
            name=shape.str_(metadata, "name"),
            plugin_class=shape.str_(spec, "pluginClass"),
            priority=shape.int_(spec, "priority", DEFAULT_PRIORITY),
            config_json=_canonical(shape.obj(spec.get("config") or {}, "spec.config")),
            vcluster=vcluster if isinstance(vcluster, str) else None,
        )

    def put_interceptor(
        self,
        name: str,
        plugin_class: str,
        config: Mapping[str, object],
        *,
        priority: int = DEFAULT_PRIORITY,
        comment: str = "",
    ) -> None:
        metadata: dict[str, object] = {"name": name}
        if self.vcluster:
            metadata["scope"] = {"vCluster": self.vcluster}
        spec: dict[str, object] = {
            "pluginClass": plugin_class,
            "priority": priority,
            "config": dict(config),
        }
        if comment:
            spec["comment"] = comment
        body = {
            "kind": "Interceptor",
            "apiVersion": "gateway/v2",
            "metadata": metadata,
            "spec": spec,
        }
        self.api.request("PUT", f"{API}/interceptor", json_body=body, ok=(200, 201))

    def put_rule(self, rule: GatewayRuleSpec) -> None:
        """The rule's interceptor: a virtual SQL topic, or the masking of one."""
        plugin_class, config = interceptor_of(rule)
        comment = f"managed by streamt ({rule.node})" if rule.node else "managed by streamt"
        self.put_interceptor(rule.name, plugin_class, config, comment=comment)

    def delete_interceptor(self, name: str) -> None:
        scope = {"vCluster": self.vcluster} if self.vcluster else {}
        self.api.request(
            "DELETE", f"{API}/interceptor/{quote(name, safe='')}", json_body=scope, allow=(404,)
        )

    # ------------------------------------------------------------ alias topics

    def list_alias_topics(self) -> Sequence[AliasTopicState]:
        reply = self.api.request("GET", f"{API}/alias-topic", params=self._filter(), ok=(200,))
        shape = Shape(SYSTEM, reply.url)
        states = []
        for item in shape.arr(reply.json(), "alias topics"):
            data = shape.obj(item, "alias topic")
            metadata, spec = (
                shape.obj(data.get("metadata"), "metadata"),
                shape.obj(data.get("spec"), "spec"),
            )
            vcluster = metadata.get("vCluster")
            states.append(
                AliasTopicState(
                    name=shape.str_(metadata, "name"),
                    physical_name=shape.str_(spec, "physicalName"),
                    vcluster=vcluster if isinstance(vcluster, str) else None,
                )
            )
        return sorted(states, key=lambda a: a.name)

    def put_alias_topic(self, name: str, physical_name: str) -> None:
        metadata: dict[str, object] = {"name": name}
        if self.vcluster:
            metadata["vCluster"] = self.vcluster
        body = {
            "kind": "AliasTopic",
            "apiVersion": "gateway/v2",
            "metadata": metadata,
            "spec": {"physicalName": physical_name},
        }
        self.api.request("PUT", f"{API}/alias-topic", json_body=body, ok=(200, 201))

    def delete_alias_topic(self, name: str) -> None:
        body: dict[str, object] = {"name": name}
        if self.vcluster:
            body["vCluster"] = self.vcluster
        self.api.request("DELETE", f"{API}/alias-topic", json_body=body, allow=(404,))
