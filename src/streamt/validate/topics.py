"""Effective output topics with defaults applied, and where each setting came from.

Used by the governance rules. When a compile result exists its `TopicSpec`s are authoritative;
`fallback_topics` computes the same values for a project that did not compile (precedence:
`advanced.topic` > `defaults.models.topic` > `defaults.topic` > 1).
"""

from __future__ import annotations

from collections.abc import Iterable

from streamt.compile.topics import topic_spec
from streamt.diagnostics import Diagnostic, Location
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Materialized, Model, Project
from streamt.resources import TopicSpec


def creates_topic(model: Model) -> bool:
    if model.materialized in (Materialized.SINK, Materialized.VIRTUAL_TOPIC):
        return False
    return not (model.sql is None and model.from_)


def fallback_topics(project: Project) -> list[TopicSpec]:
    return [
        topic_spec(project, model, node_id(NodeKind.MODEL, project.name, model.name))
        for model in project.models
        if creates_topic(model)
    ]


def _setting(project: Project, model: Model, key: str) -> int | None:
    for layer in (model.advanced.topic, project.defaults.models.topic, project.defaults.topic):
        value = getattr(layer, key)
        if value is not None:
            return int(value)
    return None


def provenance(project: Project, model: Model | None, key: str) -> tuple[Location, str]:
    """Where a topic setting was written, and a phrase naming that layer."""
    if model is not None and getattr(model.advanced.topic, key) is not None:
        return model.where(f"advanced.topic.{key}"), f"advanced.topic.{key}"
    if model is None:
        return Location(), "the compiled topic"
    if getattr(project.defaults.models.topic, key) is not None:
        return (
            model.location,
            f"defaults.models.topic.{key} ({project.where(f'defaults.models.topic.{key}')})",
        )
    if getattr(project.defaults.topic, key) is not None:
        return model.location, f"defaults.topic.{key} ({project.where(f'defaults.topic.{key}')})"
    return model.location, "the built-in default"


def check_min_insync(project: Project, topics: Iterable[TopicSpec]) -> list[Diagnostic]:
    """V038: `min.insync.replicas` above the replication factor. Kafka creates such a topic, and
    then refuses every `acks=all` write to it (NotEnoughReplicas): the job writing it restarts
    forever."""
    models = {node_id(NodeKind.MODEL, project.name, m.name): m for m in project.models}
    out = []
    for spec in topics:
        value = spec.config.get("min.insync.replicas", "")
        if not value.isdigit() or int(value) <= spec.replication_factor:
            continue
        where, layer = _min_insync_origin(project, models.get(spec.node))
        out.append(
            Diagnostic(
                "V038",
                f"topic {spec.name}: min.insync.replicas {value} (from {layer}) is above its "
                f"replication factor {spec.replication_factor}; Kafka would refuse every write "
                "with acks=all, so the job writing it could never commit a row",
                location=where,
                node=spec.node,
                hint=f"set min_insync_replicas to at most {spec.replication_factor}, or raise "
                "replication_factor",
            )
        )
    return out


def _min_insync_origin(project: Project, model: Model | None) -> tuple[Location, str]:
    """Where the effective `min.insync.replicas` was written: the nearest layer that sets it,
    its typed key before its `config` map (as compile/topics.py merges them)."""
    if model is None:
        return Location(), "the compiled topic"
    layers = (
        ("advanced.topic", model.advanced.topic, model.where),
        ("defaults.models.topic", project.defaults.models.topic, project.where),
        ("defaults.topic", project.defaults.topic, project.where),
    )
    for path, layer, where in layers:
        for key in ("min_insync_replicas", "config"):
            if key == "min_insync_replicas" and layer.min_insync_replicas is None:
                continue
            if key == "config" and "min.insync.replicas" not in layer.config:
                continue
            return where(f"{path}.{key}"), f"{path}.{key}"
    return model.location, "the compiled topic"
