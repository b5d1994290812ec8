"""V100: a window or time-based join reads a watermarked input that may have a quiet partition
and no idle timeout says what to do about it.

A partition (or a source subtask) without records holds the job's watermark back, so windows
never fire; an idle timeout lets the watermark move on without it, at the price of dropping that
partition's rows that arrive later as late. streamt sets no idle timeout by default (it never
drops rows on its own); this warning makes the choice visible. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from streamt.compile.result import CompiledNode
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.model import EventTime, Model, Project, Source
from streamt.resources import TopicSpec

# stateful operators that wait for the watermark of every input
_WATERMARK_DRIVEN = ("window", "interval join", "temporal join", "keep first row", "MATCH")


def check_idleness(
    project: Project, nodes: Mapping[str, CompiledNode], topics: Iterable[TopicSpec]
) -> list[Diagnostic]:
    if project.defaults.event_time.watermark.idle_timeout_ms is not None:
        return []  # a project-wide choice was made
    partitions = {t.name: t.partitions for t in topics}
    sources = {s.name: s for s in project.sources}
    models = {m.name: m for m in project.models}
    out: list[Diagnostic] = []
    for node in nodes.values():
        model = models.get(node.name)
        if node.kind != "model" or model is None or not _waits(node.stateful_reasons):
            continue
        quiet = [_quiet(nodes.get(nid), sources, models, partitions) for nid in node.inputs]
        named = [q for q in quiet if q]
        if named:
            out.append(_warning(node, model.where("sql"), " and ".join(named)))
    return out


def _quiet(
    upstream: CompiledNode | None,
    sources: Mapping[str, Source],
    models: Mapping[str, Model],
    partitions: Mapping[str, int],
) -> str:
    """How to name an input that may hold the watermark back, or "" when it cannot."""
    if upstream is None or upstream.rowtime is None:
        return ""
    if upstream.kind == "source":
        source = sources.get(upstream.name)
        if source is None or _chosen(source.event_time):
            return ""
        return f"source '{upstream.name}' (its partitions are only known at apply)"
    count = partitions.get(upstream.topic or "", 1)
    model = models.get(upstream.name)
    if count <= 1 or (model is not None and _chosen(model.event_time)):
        return ""
    return f"model '{upstream.name}' (topic with {count} partitions)"


def _waits(reasons: Iterable[str]) -> bool:
    return any(w in r for r in reasons for w in _WATERMARK_DRIVEN)


def _chosen(event_time: EventTime | None) -> bool:
    return event_time is not None and event_time.watermark.idle_timeout_ms is not None


def _warning(node: CompiledNode, location: Location, where: str) -> Diagnostic:
    return Diagnostic(
        "V100",
        f"model '{node.name}' waits for the watermark of {where}; with no idle timeout set, "
        "a partition without records holds its windows and joins back",
        Severity.WARNING,
        location,
        hint="set event_time.watermark.idle_timeout_ms on the input (or "
        "defaults.event_time.watermark.idle_timeout_ms); rows of an input quiet for longer "
        "arrive late and are dropped, so 0 (never idle) keeps every row and records the choice",
        node=node.id,
    )
