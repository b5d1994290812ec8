"""Topic settings. A model's output topic: `advanced.topic`, then `defaults.models.topic`, then
`defaults.topic`, then 1 partition / replication factor 1. Config maps merge in the same order;
`min_insync_replicas` is the `min.insync.replicas` config key of its layer. A topic streamt
creates for no model (a continuous test's violations and DLQ topics, a bad-record guard's side
topic, a JDBC sink's envelope topic) takes the project-wide layer, `defaults.topic`, the same
way. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from streamt.load.model import Model, Project, TopicOptions
from streamt.resources import TopicSpec

# records written without a key, which a compacted topic refuses
_KEYLESS_REFUSES = frozenset({"cleanup.policy"})


def topic_spec(project: Project, model: Model, node: str) -> TopicSpec:
    layers = (model.advanced.topic, project.defaults.models.topic, project.defaults.topic)
    partitions = next((t.partitions for t in layers if t.partitions is not None), 1)
    return _layered(project.topic_of(model), partitions, layers, node)


def keyless_topic_spec(project: Project, name: str, node: str, partitions: int = 1) -> TopicSpec:
    """A topic streamt creates for no model of its own (a continuous test's violations or DLQ
    topic, a bad-record guard's side topic, a JDBC sink's envelope topic): the replication
    factor, `min.insync.replicas` and config of `defaults.topic`, as a model's topic gets them
    when it sets none of its own, except a `cleanup.policy` (compaction refuses a record
    without a key). `partitions` is the caller's: the topic's writer decides what more would
    buy."""
    spec = _layered(name, partitions, (project.defaults.topic,), node)
    config = {k: v for k, v in spec.config.items() if k not in _KEYLESS_REFUSES}
    return TopicSpec(spec.name, spec.partitions, spec.replication_factor, config, node=node)


def _layered(name: str, partitions: int, layers: Sequence[TopicOptions], node: str) -> TopicSpec:
    replication = next(
        (t.replication_factor for t in layers if t.replication_factor is not None), 1
    )
    config: dict[str, str] = {}
    for layer in reversed(layers):
        config.update({str(k): str(v) for k, v in layer.config.items()})
        if layer.min_insync_replicas is not None:
            config["min.insync.replicas"] = str(layer.min_insync_replicas)
    return TopicSpec(
        name=name,
        partitions=partitions,
        replication_factor=replication,
        config=dict(sorted(config.items())),
        node=node,
    )
