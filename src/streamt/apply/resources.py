"""Apply steps for topics, subjects and connectors. Each is idempotent: re-running a step
whose effect already happened converges (a topic that exists is fine, a PUT is a PUT)."""

from __future__ import annotations

from streamt.adapters.gateway import expected_interceptor
from streamt.apply.secrets import bound_config
from streamt.apply.step import StepContext, StepError
from streamt.plan.connectors import live_config_digest
from streamt.plan.payloads import data_fingerprint
from streamt.resources import (
    Action,
    Change,
    ConnectorSpec,
    EntryStatus,
    GatewayRuleSpec,
    SubjectSpec,
    TopicSpec,
    digest,
)


def _applied(
    ctx: StepContext, change: Change, payload: object, *, owned: bool, **extra: object
) -> None:
    entry = ctx.base_entry(change, owned=owned)
    fields: dict[str, object] = {
        "status": EntryStatus.APPLIED,
        "spec": payload,
        "target": None,
        "error": "",
        "owned": entry.owned or owned,
        "node": change.node or entry.node,
        **extra,
    }
    if payload is not None:
        fields["data_fingerprint"] = data_fingerprint(payload)  # type: ignore[arg-type]
    ctx.writer.put(entry.model_copy(update=fields))


# ------------------------------------------------------------------ topics


def apply_topic(ctx: StepContext, change: Change) -> str:
    payload = change.desired
    if not isinstance(payload, TopicSpec):
        raise StepError(f"{change.address}: plan carries no topic payload")
    match change.action:
        case Action.CREATE:
            _create_topic(ctx, payload)
            if change.external:
                return f"created source topic ({payload.partitions} partition, not owned)"
            _applied(ctx, change, payload, owned=True)
            return f"created ({payload.partitions} partitions)"
        case Action.UPDATE:
            done = _update_topic(ctx, change, payload)
            _applied(ctx, change, payload, owned=False)
            return done
        case Action.ADOPT | Action.NOOP:
            _applied(ctx, change, payload, owned=False)
            return "recorded in the ledger"
        case _:
            raise StepError(f"{change.address}: cannot {change.action.value} a topic")


def _create_topic(ctx: StepContext, topic: TopicSpec) -> None:
    # a topic an interrupted run created already is no error (the adapter takes Kafka's
    # TOPIC_ALREADY_EXISTS as done); every other refusal is the step's error, Kafka's
    # "collides with existing topic" included (it was once taken for "exists" by its text)
    ctx.kafka.create_topics([topic])


def _update_topic(ctx: StepContext, change: Change, p: TopicSpec) -> str:
    done = []
    configs = {a.key: a.after for a in change.attributes if a.key != "partitions"}
    for attr in change.attributes:
        if attr.key == "partitions":
            ctx.kafka.add_partitions(p.name, p.partitions)
            done.append(f"partitions -> {p.partitions}")
    if configs:
        ctx.kafka.alter_topic_config(p.name, configs)
        done.append(f"config {', '.join(sorted(configs))}")
    return "updated " + "; ".join(done)


def delete_topic(ctx: StepContext, change: Change) -> str:
    ctx.kafka.delete_topics([change.name])
    ctx.writer.forget(change.kind, change.name)
    return "deleted"


# ------------------------------------------------------------------ subjects


def apply_subject(ctx: StepContext, change: Change) -> str:
    payload = change.desired
    if not isinstance(payload, SubjectSpec):
        raise StepError(f"{change.address}: plan carries no subject payload")
    if change.action in (Action.ADOPT, Action.NOOP):
        _applied(ctx, change, payload, owned=False)
        return "recorded in the ledger"
    schema_id = ctx.registry.register(payload.subject, payload.schema_type, payload.schema_text)
    if payload.compatibility:
        ctx.registry.set_compatibility(payload.subject, payload.compatibility)
    _applied(ctx, change, payload, owned=change.action is Action.CREATE)
    return f"registered (schema id {schema_id})"


def delete_subject(ctx: StepContext, change: Change) -> str:
    ctx.registry.delete_subject(change.name)
    ctx.writer.forget(change.kind, change.name)
    return "deleted"


# ------------------------------------------------------------------ connectors


def apply_connector(ctx: StepContext, change: Change) -> str:
    payload = change.desired
    if not isinstance(payload, ConnectorSpec):
        raise StepError(f"{change.address}: plan carries no connector payload")
    if change.action is Action.NOOP:
        return "unchanged"
    owned = change.action is Action.CREATE
    entry = ctx.base_entry(change, owned=owned)
    ctx.writer.put(entry.model_copy(update={"status": EntryStatus.PENDING, "target": payload}))
    resolved = bound_config(payload.config, ctx.options.environ)
    ctx.connect.put_connector(payload.name, resolved)
    digest = live_config_digest({**resolved, "name": payload.name}, payload)
    _applied(ctx, change, payload, owned=owned, live_digest=digest)
    return "created" if owned else "config updated"


def delete_connector(ctx: StepContext, change: Change) -> str:
    ctx.connect.delete_connector(change.name)
    ctx.writer.forget(change.kind, change.name)
    return "deleted"


# ------------------------------------------------------------------ gateway rules


def apply_gateway_rule(ctx: StepContext, change: Change) -> str:
    payload = change.desired
    if not isinstance(payload, GatewayRuleSpec) or not (payload.statement or payload.masked_fields):
        raise StepError(f"{change.address}: plan carries no gateway rule statement")
    if change.action is Action.NOOP:
        return "unchanged"
    gateway = ctx.systems.gateway
    if gateway is None:
        raise StepError("runtime.conduktor.gateway is not configured")
    gateway.put_rule(payload)
    live = digest(expected_interceptor(payload).config_json)
    _applied(ctx, change, payload, owned=change.action is Action.CREATE, live_digest=live)
    what = "masking" if payload.masked_fields else "virtual topic"
    return f"{what} created" if change.action is Action.CREATE else f"{what} updated"


def delete_gateway_rule(ctx: StepContext, change: Change) -> str:
    gateway = ctx.systems.gateway
    if gateway is None:
        raise StepError("runtime.conduktor.gateway is not configured")
    gateway.delete_interceptor(change.name)
    ctx.writer.forget(change.kind, change.name)
    return "deleted"
