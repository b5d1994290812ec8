"""Wire a sink model to its Connect-JSON envelope (see `streamt.compile.envelope`): find the
one upstream it copies, and return the envelope topic and job and the connector
settings that read the envelope topic. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from streamt.compile.envelope import (
    Upstream,
    connector_defaults,
    envelope_job,
    envelope_name,
    envelope_topic,
    envelope_topic_spec,
)
from streamt.compile.facts import ModelFacts, ModelInputs, Settings, SourceFacts
from streamt.compile.jobs import READ_COMMITTED, InputTable, pipeline_name
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_options, topic_options
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model
from streamt.resources import JobSpec, TopicSpec


@dataclass(frozen=True)
class Envelope:
    """The envelope topic and job of a sink, and the connector's (topics, default settings);
    or, when it cannot be wired, only the diagnostic that says why."""

    diags: tuple[Diagnostic, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    jobs: tuple[JobSpec, ...] = ()
    connector: tuple[list[str], Mapping[str, str]] | None = None


def add_envelope(settings: Settings, inputs: ModelInputs, model: Model, nid: str) -> Envelope:
    project = settings.project
    found = inputs.by_id(inputs.from_ids[0]) if len(inputs.from_ids) == 1 else None
    upstream = _upstream(settings, model, found)
    if upstream is None:
        if settings.infer_only:
            return Envelope()
        return Envelope(
            (
                Diagnostic(
                    "C015",
                    f"sink '{model.name}' needs schema'd records (its connector reads Connect "
                    "JSON), so it must copy exactly one source or model with known columns",
                    location=model.where("from"),
                    hint="declare the upstream's columns, or set value.converter in "
                    "advanced.connector.config to read the topic as it is",
                    node=nid,
                ),
            )
        )
    key = upstream.table.primary_key if upstream.updating else ()
    partitions = (found.topic_partitions if isinstance(found, ModelFacts) else None) or 1
    topic = envelope_topic_spec(project, model, nid, partitions)
    jobs = (envelope_job(project, model, nid, upstream, key),) if settings.with_jobs else ()
    connector = (
        [envelope_topic(model.name, project.name_prefix)],
        connector_defaults(model, key, project.name_prefix),
    )
    return Envelope(topics=(topic,), jobs=jobs, connector=connector)


def _upstream(
    settings: Settings, model: Model, found: SourceFacts | ModelFacts | None
) -> Upstream | None:
    runtime = settings.project.runtime
    group = pipeline_name(settings.project.job_scope, envelope_name(model.name))
    if isinstance(found, SourceFacts):
        source, schema = found.source, found.schema
        if not schema.columns:
            return None
        columns = tuple(c.plain() for c in schema.columns)
        pk = schema.primary_key if schema.updating else ()
        if schema.updating and not pk:
            return None
        keys = [] if pk else [c for k in source.key for c in columns if c.name == k]
        options = source_options(source, runtime, group, keys)
        table = InputTable(source.name, columns, options, pk, topic=source.topic)
        return Upstream(table, schema.updating)
    if found is None or not found.columns or found.topic is None:
        return None
    columns = tuple(c.plain() for c in found.columns)
    updating = found.changelog is ChangelogMode.UPSERT
    pk = found.primary_key if updating else ()
    if updating and not pk:
        return None
    if found.materialization not in (Materialization.FLINK, Materialization.TOPIC):
        return None
    options = topic_options(
        found.topic,
        runtime,
        upsert=updating,
        key=() if updating else found.primary_key,
        group_id=group,
    )
    if found.exactly_once:  # only the rows of committed transactions
        options += READ_COMMITTED
    return Upstream(InputTable(found.name, columns, options, pk, topic=found.topic), updating)
