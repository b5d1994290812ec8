"""The tables one job reads: sources (Kafka tables with their format options) and upstream
models (their topics, `upsert-kafka` when they emit updates, views for virtual topics). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from streamt.compile.bad_records import (
    AVRO,
    SIDE_TOPICS,
    guarded_input,
    policy,
    problems,
    side_topic,
    side_topic_spec,
)
from streamt.compile.eventtime import idle_options, idle_timeout_ms
from streamt.compile.facts import ModelFacts, Settings, SourceFacts
from streamt.compile.jobs import READ_COMMITTED, InputTable
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_options, topic_options, versioned_source_options
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model
from streamt.resources import TopicSpec
from streamt.sql import QueryAnalysis


def source_input(
    settings: Settings, facts: SourceFacts, table: str, group: str, analysis: QueryAnalysis
) -> InputTable:
    source, schema, runtime = facts.source, facts.schema, settings.project.runtime
    columns = schema.columns or analysis.inferred.get(table, ())
    keys = [c for k in source.key for c in columns if c.name == k]
    if table in analysis.versioned and not schema.updating:
        # the versioned side of a temporal join: the latest row per key (upsert-kafka)
        options = versioned_source_options(source, runtime, group, keys)
        return InputTable(table, tuple(columns), options, tuple(source.key), topic=source.topic)
    pk = schema.primary_key if schema.updating else ()
    options = source_options(source, runtime, group, [] if pk else keys)
    if source.event_time is not None:
        options += idle_options(idle_timeout_ms(settings.project, source.event_time))
    return InputTable(table, tuple(columns), options, pk, topic=source.topic)


def ref_inputs(
    settings: Settings,
    upstream: ModelFacts,
    table: str,
    group: str,
    analysis: QueryAnalysis,
    parallelism: int | None = None,
) -> list[InputTable]:
    """`parallelism`: the reading job's, when it sets one."""
    if upstream.materialization is Materialization.VIRTUAL_TOPIC:
        query, inner = upstream.view or ("", ())
        return [*inner, InputTable(table, upstream.columns, view_query=query)]
    upsert = upstream.changelog is ChangelogMode.UPSERT or table in analysis.versioned
    columns = upstream.columns or analysis.inferred.get(table, ())
    event_time = analysis.event_times.get(table)
    if event_time is not None:  # a cascaded window: this column is the table's event time
        columns = tuple(
            replace(c, rowtime=True, proctime=False, watermark_delay_ms=0)
            if c.name == event_time
            else c.plain()
            for c in columns
        )
    options = topic_options(
        upstream.topic or upstream.name,
        settings.project.runtime,
        upsert=upsert,
        key=() if upsert else upstream.primary_key,
        group_id=group,
    )
    if upstream.exactly_once:  # only the rows of committed transactions
        options += READ_COMMITTED
    if upstream.rowtime is not None:
        options += idle_options(upstream.idle_timeout_ms)
        options += _source_parallelism(upstream, parallelism)
    return [
        InputTable(
            table,
            tuple(columns),
            options,
            upstream.primary_key if upsert else (),
            topic=upstream.topic,
        )
    ]


def _source_parallelism(
    upstream: ModelFacts, parallelism: int | None
) -> tuple[tuple[str, str], ...]:
    """A reader running wider than the watermarked topic it reads would have subtasks without
    a partition, which hold the watermark back for ever (no window fires): read the topic with
    one subtask per partition instead. No idle timeout is needed for that, so nothing is lost."""
    partitions = upstream.partitions
    if parallelism is None or parallelism <= partitions:
        return ()
    return (("scan.parallelism", str(partitions)),)


def dedupe(tables: list[InputTable]) -> list[InputTable]:
    seen: set[str] = set()
    out = []
    for t in tables:
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return out


@dataclass(frozen=True)
class GuardedInputs:
    inputs: tuple[InputTable, ...]  # what the job declares, side tables included
    side_inserts: tuple[str, ...]  # the INSERTs routing bad records to the side topics


def guard_inputs(
    settings: Settings, model: Model, tables: Sequence[tuple[InputTable, str]]
) -> GuardedInputs:
    """Input tables as the job reads them under their `on_bad_record` policy (each table with
    its policy), routing bad records to the side topics `side_topics` declared."""
    out: list[InputTable] = []
    sides: dict[str, InputTable] = {}
    inserts: list[str] = []
    for table, chosen in tables:
        if chosen == "fail":
            out.append(table)
            continue
        topic = side_topic(settings.project.topic_of(model), chosen)
        name = "streamt" + SIDE_TOPICS[chosen].replace(".", "_")
        runtime = settings.project.runtime
        options = topic_options(topic, runtime, upsert=False, key=(), group_id=None)
        jar = settings.functions.decoder_jar
        guarded = guarded_input(table, chosen, name, options, jar)
        out.extend(guarded.tables)
        inserts.append(guarded.side_insert)
        sides.setdefault(name, guarded.side)
    return GuardedInputs(tuple(out) + tuple(sides.values()), tuple(inserts))


def side_topics(
    settings: Settings,
    model: Model,
    nid: str,
    sources: Sequence[SourceFacts],
    upstreams: Sequence[ModelFacts],
) -> list[TopicSpec]:
    """The model's side topics, one per policy its inputs use (also when jobs are not rendered)."""
    project = settings.project
    used = {policy(f.source, project) for f in sources}
    if model.on_bad_record and any(_plain(m) for m in upstreams):
        used.add(model.on_bad_record)
    return [
        side_topic_spec(project, side_topic(project.topic_of(model), chosen), nid)
        for chosen in sorted(used - {"fail"})
    ]


def _plain(upstream: ModelFacts) -> bool:
    return (
        upstream.materialization is not Materialization.VIRTUAL_TOPIC
        and upstream.changelog is ChangelogMode.APPEND
        and not upstream.primary_key
    )


def source_policies(
    settings: Settings, sources: Sequence[SourceFacts], tables: Sequence[InputTable]
) -> list[tuple[InputTable, str]]:
    """Each source's table (`tables`, in the order of `sources`) with its policy."""
    out = []
    for facts, table in zip(sources, tables, strict=True):
        chosen = policy(facts.source, settings.project)
        refused = problems(facts.source, table.columns, chosen, "")
        # a source that cannot be guarded keeps `fail` (V150 / V160 say why)
        out.append((table, chosen if _guardable(table, AVRO) and not refused else "fail"))
    return out


def ref_policies(model: Model, tables: Sequence[InputTable]) -> list[tuple[InputTable, str]]:
    """A model's `on_bad_record` applies to the topics of the models it reads that are
    value-only JSON and append-only (`ref_problems` reports the others)."""
    chosen = model.on_bad_record or "fail"
    return [(t, chosen if _guardable(t) else "fail") for t in tables]  # JSON topics only


def _guardable(table: InputTable, *also: str) -> bool:
    """A Kafka table of format JSON (or one of `also`), value-only or with a raw/JSON key."""
    options = dict(table.options)
    formats = ("json", *also)
    keyed_json = (
        options.get("value.format") in formats
        and options.get("value.fields-include") == "ALL"
        and options.get("key.format") in ("json", "raw")
    )
    return (
        table.view_query is None
        and table.topic is not None
        and (options.get("format") in formats or keyed_json)
        and not table.primary_key
    )


def ref_problems(model: Model, nid: str, upstreams: Sequence[ModelFacts]) -> list[Diagnostic]:
    """V151: a model's `on_bad_record` cannot guard an input that is keyed, updating or a
    virtual topic (it keeps failing on a bad record)."""
    chosen = model.on_bad_record or "fail"
    if chosen == "fail":
        return []
    return [
        Diagnostic(
            "V151",
            f"model '{model.name}': on_bad_record: {chosen} cannot guard its input "
            f"'{m.name}': it is keyed, updating or a virtual topic (only value-only, "
            "append-only JSON topics are parsed in SQL)",
            location=model.where("on_bad_record"),
            hint="remove on_bad_record from this model, or read a non-keyed model",
            node=nid,
        )
        for m in upstreams
        if not _plain(m)
    ]
