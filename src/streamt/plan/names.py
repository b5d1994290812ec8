"""Default-named topics that already exist, created by someone else (pure; warning V161).

A model's topic is its name by default, so two projects (or two environments of one project)
that keep the default write into each other's topics. The plan refuses such a topic anyway
(`plan/common.py`); this warning says why it collided and how to stop it for good: a prefix of
the project or the environment, or a topic name of the model's own. Only the plan sees the
cluster, so the warning is given there, placed on the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.plan.inputs import LiveState
from streamt.plan.ledger import Ledger
from streamt.resources import ResourceKind

CODE = "V161"
HINT = (
    "give the project a topic prefix (`project: {prefix: ...}` in stream_project.yml, or "
    "`environment: {prefix: ...}` in environments/<env>.yml) or the model a topic of its own "
    "(advanced.topic.name); adopt it (--adopt) only if it really is this model's topic"
)


@dataclass(frozen=True)
class DefaultName:
    """A model whose topic is its own name (no prefix, no advanced.topic.name)."""

    model: str
    node: str
    location: Location


def foreign_default_names(
    live: LiveState, ledger: Ledger, defaults: Mapping[str, DefaultName]
) -> list[Diagnostic]:
    """V161 for each default-named topic (`defaults`: topic -> its model) that exists on the
    cluster and that this project did not create."""
    out = []
    for topic, model in sorted(defaults.items()):
        entry = ledger.get(ResourceKind.TOPIC, topic)
        if topic not in live.topics or (entry is not None and entry.owned):
            continue
        owner = ledger.owner(ResourceKind.TOPIC, topic)
        if owner is not None:
            project, _, environment = owner.partition("/")
            who = f"created by project {project!r} (environment {environment!r})"
        elif entry is not None:
            who = "adopted by this project, created by someone else"
        else:
            who = "not created by this project"
        out.append(
            Diagnostic(
                CODE,
                f"model {model.model!r} writes topic {topic!r}, its default name (the model's "
                f"name), which already exists on the cluster, {who}: projects or environments "
                "that keep the default name write into each other's topics",
                severity=Severity.WARNING,
                location=model.location,
                hint=HINT,
                node=model.node,
            )
        )
    return out
