"""Output topic settings: `advanced.topic`, then `defaults.models.topic`, then `defaults.topic`,
then 1 partition / replication factor 1. Config maps merge in the same order;
`min_insync_replicas` is the `min.insync.replicas` config key of its layer. Pure.
"""

from __future__ import annotations

from streamt.load.model import Model, Project
from streamt.resources import TopicSpec


def topic_spec(project: Project, model: Model, node: str) -> TopicSpec:
    layers = (model.advanced.topic, project.defaults.models.topic, project.defaults.topic)
    partitions = next((t.partitions for t in layers if t.partitions is not None), 1)
    replication = next(
        (t.replication_factor for t in layers if t.replication_factor is not None), 1
    )
    config: dict[str, str] = {}
    for layer in reversed(layers):
        config.update({str(k): str(v) for k, v in layer.config.items()})
        if layer.min_insync_replicas is not None:
            config["min.insync.replicas"] = str(layer.min_insync_replicas)
    return TopicSpec(
        name=project.topic_of(model),
        partitions=partitions,
        replication_factor=replication,
        config=dict(sorted(config.items())),
        node=node,
    )
