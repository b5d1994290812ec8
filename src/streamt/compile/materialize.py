"""Materialization per the seed's table, decided from the parsed query (never from text).

stateless -> virtual_topic when a Gateway is configured (and the query is a filter/projection
over one physical topic), else a Flink job (info); stateful / updating / ML -> Flink job + topic;
`from:` only -> sink connector; no SQL and no `from:` -> a plain topic. An explicit
`materialized:` is honoured unless it contradicts the query (error). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamt.compile.specs import Materialization
from streamt.diagnostics import Diagnostic, Severity
from streamt.load.model import Materialized, Model
from streamt.sql import QueryAnalysis


@dataclass(frozen=True)
class Decision:
    materialization: Materialization
    diagnostics: tuple[Diagnostic, ...] = ()


def decide_without_sql(model: Model, node: str) -> Decision:
    inferred = (
        Materialization.SINK if (model.from_ or model.sink_connector) else Materialization.TOPIC
    )
    explicit = model.materialized
    if explicit is None or explicit.value == inferred.value:
        return Decision(inferred)
    if explicit is Materialized.TOPIC and inferred is Materialization.TOPIC:
        return Decision(inferred)
    # a sink copies a topic (`from:`); every other materialization runs a query
    lacks, fix = (
        ("from:", "add from: <model>") if explicit is Materialized.SINK else ("sql", "add sql:")
    )
    return Decision(
        inferred,
        (
            Diagnostic(
                "C011",
                f"model '{model.name}' is materialized: {explicit.value} but has no {lacks}",
                location=model.where("materialized"),
                hint=f"{fix}, or remove materialized:",
                node=node,
            ),
        ),
    )


def decide_with_sql(
    model: Model,
    node: str,
    analysis: QueryAnalysis,
    *,
    gateway: bool,
    gateway_expressible: bool,
    blocker: str = "",
) -> Decision:
    """`blocker`: why a one-table filter/projection cannot be a Gateway rule (names the construct)."""
    needs_flink = analysis.stateful or analysis.updating or bool(analysis.ml_functions)
    explicit = model.materialized
    where = model.where("materialized")
    asked = _asked_virtual_topic(model, node, gateway)
    if asked:
        return asked
    if explicit is not None or wants_virtual_topic(model):
        explicit = explicit or Materialized.VIRTUAL_TOPIC
        return _explicit(
            model, node, explicit, needs_flink, gateway, gateway_expressible, analysis, blocker
        )
    if needs_flink:
        return Decision(Materialization.FLINK)
    if gateway and gateway_expressible:
        return Decision(Materialization.VIRTUAL_TOPIC)
    if gateway and blocker:
        return Decision(
            Materialization.FLINK,
            (
                Diagnostic(
                    "G020",
                    f"model '{model.name}' is stateless but runs as a Flink job, not a Gateway "
                    f"virtual topic: {blocker}",
                    Severity.INFO,
                    model.where("sql"),
                    hint=GATEWAY_SUBSET,
                    node=node,
                ),
            ),
        )
    reason = (
        "no Conduktor Gateway is configured (runtime.conduktor.gateway)"
        if not gateway
        else "the query is not a filter/projection over one physical topic"
    )
    return Decision(
        Materialization.FLINK,
        (
            Diagnostic(
                "C012",
                f"model '{model.name}' is stateless; it runs as a Flink job because {reason}",
                Severity.INFO,
                where if model.materialized else model.location,
                node=node,
            ),
        ),
    )


GATEWAY_SUBSET = (
    "a Gateway virtual topic takes columns (renamed or CASE) of one JSON topic (SELECT * of an "
    "Avro/Protobuf one) filtered by comparisons (= <> > >= < <=), BETWEEN and REGEXP joined "
    "with AND; anything else runs on Flink"
)


def wants_virtual_topic(model: Model) -> bool:
    """`materialized: virtual_topic`, or `gateway.virtual_topic` without `materialized:`."""
    if model.materialized is not None:
        return model.materialized is Materialized.VIRTUAL_TOPIC
    return model.gateway is not None and model.gateway.virtual_topic is not None


def _asked_virtual_topic(model: Model, node: str, gateway: bool) -> Decision | None:
    """`gateway.virtual_topic` set where it cannot take effect: never silently a Flink job."""
    if model.gateway is None or model.gateway.virtual_topic is None:
        return None
    where = model.where("gateway.virtual_topic")
    if model.materialized not in (None, Materialized.VIRTUAL_TOPIC):
        message = (
            f"model '{model.name}' sets gateway.virtual_topic but is materialized: "
            f"{model.materialized.value if model.materialized else ''}"
        )
        hint = "remove gateway.virtual_topic, or materialized: (a virtual topic is a Gateway rule)"
    elif not gateway:
        message = (
            f"model '{model.name}' sets gateway.virtual_topic, which needs Conduktor Gateway; "
            "none is configured"
        )
        hint = "configure runtime.conduktor.gateway (admin_url), or remove gateway.virtual_topic"
    else:
        return None
    diag = Diagnostic("G022", message, location=where, hint=hint, node=node)
    return Decision(Materialization.VIRTUAL_TOPIC, (diag,))


def _explicit(
    model: Model,
    node: str,
    explicit: Materialized,
    needs_flink: bool,
    gateway: bool,
    expressible: bool,
    analysis: QueryAnalysis,
    blocker: str = "",
) -> Decision:
    where = model.where("materialized" if model.materialized else "gateway.virtual_topic")
    if explicit is Materialized.SINK:
        return Decision(
            Materialization.FLINK,
            (
                Diagnostic(
                    "C010",
                    f"model '{model.name}' is materialized: sink but has sql; a sink copies a topic",
                    location=where,
                    hint="remove sql: and use from: with advanced.connector, or remove materialized:",
                    node=node,
                ),
            ),
        )
    if explicit is Materialized.VIRTUAL_TOPIC:
        problems: list[Diagnostic] = []
        if needs_flink:
            why = (
                ", ".join(analysis.stateful_reasons + analysis.changelog_reasons) or "ML inference"
            )
            problems.append(
                Diagnostic(
                    "C010",
                    f"model '{model.name}' is materialized: virtual_topic but its query is stateful ({why})",
                    location=where,
                    hint="remove materialized: (it becomes a Flink job) or make the query a filter/projection",
                    node=node,
                )
            )
        elif not expressible and blocker:
            problems.append(
                Diagnostic(
                    "G021",
                    f"model '{model.name}' is a virtual topic, but {blocker}",
                    location=model.where("sql"),
                    hint=GATEWAY_SUBSET + "; remove materialized: virtual_topic to run it on Flink",
                    node=node,
                )
            )
        elif not expressible:
            problems.append(
                Diagnostic(
                    "C010",
                    f"model '{model.name}' is materialized: virtual_topic but a Gateway rule can only "
                    "filter and select columns of one topic",
                    location=where,
                    hint="remove computed columns/renames, or remove materialized:",
                    node=node,
                )
            )
        if not gateway:
            problems.append(
                Diagnostic(
                    "C013",
                    f"model '{model.name}' is materialized: virtual_topic, which needs Conduktor Gateway",
                    location=where,
                    hint="configure runtime.conduktor.gateway, or remove materialized:",
                    node=node,
                )
            )
        return Decision(Materialization.VIRTUAL_TOPIC, tuple(problems))
    if explicit is Materialized.TOPIC:
        return Decision(Materialization.TOPIC)
    return Decision(Materialization.FLINK)
