"""Wire a sink model to its Connect-JSON envelope (see `streamt.compile.envelope`): find the
one upstream it copies, add the envelope topic and job to the run, and return the connector
settings that read the envelope topic. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from streamt.compile.envelope import (
    Upstream,
    connector_defaults,
    envelope_job,
    envelope_name,
    envelope_topic,
    envelope_topic_spec,
)
from streamt.compile.jobs import InputTable, pipeline_name
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_options, topic_options
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model

if TYPE_CHECKING:
    from streamt.compile.project import _Run


def add_envelope(
    run: _Run, model: Model, nid: str, inputs: Sequence[str]
) -> tuple[list[str], Mapping[str, str]] | None:
    """(topics the connector reads, its default settings), or None (a diagnostic says why)."""
    upstream = _upstream(run, model, inputs)
    if upstream is None:
        if not run.infer_only:
            run.diags.append(
                Diagnostic(
                    "C015",
                    f"sink '{model.name}' needs schema'd records (its connector reads Connect "
                    "JSON), so it must copy exactly one source or model with known columns",
                    location=model.where("from"),
                    hint="declare the upstream's columns, or set value.converter in "
                    "advanced.connector.config to read the topic as it is",
                    node=nid,
                )
            )
        return None
    key = upstream.table.primary_key if upstream.updating else ()
    partitions = next((t.partitions for t in run.topics if t.name == upstream.table.topic), 1)
    run.topics.append(envelope_topic_spec(run.project, model, nid, partitions))
    if run.with_jobs:
        run.jobs.append(envelope_job(run.project, model, nid, upstream, key))
    return [envelope_topic(model.name, run.project.name_prefix)], connector_defaults(model, key)


def _upstream(run: _Run, model: Model, inputs: Sequence[str]) -> Upstream | None:
    if len(inputs) != 1:
        return None
    group = pipeline_name(run.project.job_scope, envelope_name(model.name))
    node = run.nodes.get(inputs[0])
    if node is None or not node.columns or node.topic is None:
        return None
    columns = tuple(c.plain() for c in node.columns)
    updating = node.changelog is ChangelogMode.UPSERT
    pk = node.primary_key if updating else ()
    if updating and not pk:
        return None
    if node.kind == "source":
        source = next(s for s in run.project.sources if s.name == node.name)
        keys = [] if pk else [c for k in source.key for c in columns if c.name == k]
        options = source_options(source, run.project.runtime, group, keys)
    elif node.materialization in (Materialization.FLINK, Materialization.TOPIC):
        options = topic_options(
            node.topic,
            run.project.runtime,
            upsert=updating,
            key=() if updating else node.primary_key,
            group_id=group,
        )
    else:
        return None
    return Upstream(InputTable(node.name, columns, options, pk, topic=node.topic), updating)
