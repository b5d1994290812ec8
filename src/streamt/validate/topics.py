"""Effective output topics with defaults applied, and where each setting came from.

Used by the governance rules. When a compile result exists its `TopicSpec`s are authoritative;
`fallback_topics` computes the same values for a project that did not compile (precedence:
`advanced.topic` > `defaults.models.topic` > `defaults.topic` > 1).
"""

from __future__ import annotations

from streamt.diagnostics import Location
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Materialized, Model, Project
from streamt.resources import TopicSpec


def creates_topic(model: Model) -> bool:
    if model.materialized in (Materialized.SINK, Materialized.VIRTUAL_TOPIC):
        return False
    return not (model.sql is None and model.from_)


def fallback_topics(project: Project) -> list[TopicSpec]:
    out = []
    for model in project.models:
        if not creates_topic(model):
            continue
        out.append(
            TopicSpec(
                name=project.topic_of(model),
                partitions=_setting(project, model, "partitions") or 1,
                replication_factor=_setting(project, model, "replication_factor") or 1,
                config={
                    **project.defaults.topic.config,
                    **project.defaults.models.topic.config,
                    **model.advanced.topic.config,
                },
                node=node_id(NodeKind.MODEL, project.name, model.name),
            )
        )
    return out


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
