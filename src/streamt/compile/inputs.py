"""The tables one job reads: sources (Kafka tables with their format options) and upstream
models (their topics, `upsert-kafka` when they emit updates, views for virtual topics). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from streamt.compile.bad_records import (
    SIDE_TOPICS,
    guarded_input,
    policy,
    side_topic,
    side_topic_spec,
)
from streamt.compile.eventtime import idle_options, idle_timeout_ms
from streamt.compile.jobs import InputTable
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_options, topic_options, versioned_source_options
from streamt.compile.topics import topic_spec
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model
from streamt.sql import QueryAnalysis

if TYPE_CHECKING:
    from streamt.compile.project import _Run


def source_input(
    run: _Run, name: str, table: str, group: str, analysis: QueryAnalysis
) -> InputTable:
    source = next(s for s in run.project.sources if s.name == name)
    schema = run.sources[name]
    columns = schema.columns or analysis.inferred.get(table, ())
    keys = [c for k in source.key for c in columns if c.name == k]
    if table in analysis.versioned and not schema.updating:
        # the versioned side of a temporal join: the latest row per key (upsert-kafka)
        options = versioned_source_options(source, run.project.runtime, group, keys)
        return InputTable(table, tuple(columns), options, tuple(source.key), topic=source.topic)
    pk = schema.primary_key if schema.updating else ()
    options = source_options(source, run.project.runtime, group, [] if pk else keys)
    if source.event_time is not None:
        options += idle_options(idle_timeout_ms(run.project, source.event_time))
    return InputTable(table, tuple(columns), options, pk, topic=source.topic)


def ref_inputs(
    run: _Run,
    name: str,
    table: str,
    group: str,
    analysis: QueryAnalysis,
    parallelism: int | None = None,
) -> list[InputTable]:
    """`parallelism`: the reading job's, when it sets one."""
    upstream = run.nodes[run.mid(name)]
    if upstream.materialization is Materialization.VIRTUAL_TOPIC:
        inner = list(run.job_inputs.get(f"__vt__{name}", ()))
        return [*inner, InputTable(table, upstream.columns, view_query=upstream.query)]
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
        upstream.topic or name,
        run.project.runtime,
        upsert=upsert,
        key=() if upsert else upstream.primary_key,
        group_id=group,
    )
    model = run.models.get(name)
    if upstream.rowtime is not None and model is not None:
        options += idle_options(idle_timeout_ms(run.project, model.event_time))
        options += _source_parallelism(run, model, parallelism)
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
    run: _Run, upstream: Model, parallelism: int | None
) -> tuple[tuple[str, str], ...]:
    """A reader running wider than the watermarked topic it reads would have subtasks without
    a partition, which hold the watermark back for ever (no window fires): read the topic with
    one subtask per partition instead. No idle timeout is needed for that, so nothing is lost."""
    partitions = topic_spec(run.project, upstream, run.mid(upstream.name)).partitions
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
    run: _Run, model: Model, tables: Sequence[tuple[InputTable, str]]
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
        topic = side_topic(run.project.topic_of(model), chosen)
        name = "streamt" + SIDE_TOPICS[chosen].replace(".", "_")
        options = topic_options(topic, run.project.runtime, upsert=False, key=(), group_id=None)
        guarded = guarded_input(table, chosen, name, options)
        out.extend(guarded.tables)
        inserts.append(guarded.side_insert)
        sides.setdefault(name, guarded.side)
    return GuardedInputs(tuple(out) + tuple(sides.values()), tuple(inserts))


def side_topics(
    run: _Run, model: Model, nid: str, sources: Sequence[str], refs: Sequence[str]
) -> None:
    """The model's side topics, one per policy its inputs use (also when jobs are not rendered)."""
    by_name = {s.name: s for s in run.project.sources}
    used = {policy(by_name[s], run.project) for s in sources if s in by_name}
    if model.on_bad_record and any(_plain(run, r) for r in refs):
        used.add(model.on_bad_record)
    for chosen in sorted(used - {"fail"}):
        name = side_topic(run.project.topic_of(model), chosen)
        run.topics.append(side_topic_spec(run.project, name, nid))


def _plain(run: _Run, ref: str) -> bool:
    upstream = run.nodes.get(run.mid(ref))
    return (
        upstream is not None
        and upstream.materialization is not Materialization.VIRTUAL_TOPIC
        and upstream.changelog is ChangelogMode.APPEND
        and not upstream.primary_key
    )


def source_policies(run: _Run, tables: Sequence[InputTable]) -> list[tuple[InputTable, str]]:
    by_topic = {s.topic: s for s in run.project.sources}
    out = []
    for table in tables:
        source = by_topic.get(table.topic or "")
        chosen = policy(source, run.project) if source is not None else "fail"
        out.append((table, chosen if _guardable(table) else "fail"))  # else V150 says why
    return out


def ref_policies(model: Model, tables: Sequence[InputTable]) -> list[tuple[InputTable, str]]:
    """A model's `on_bad_record` applies to the topics of the models it reads that are
    value-only JSON and append-only (`ref_problems` reports the others)."""
    chosen = model.on_bad_record or "fail"
    return [(t, chosen if _guardable(t) else "fail") for t in tables]


def _guardable(table: InputTable) -> bool:
    return (
        table.view_query is None
        and table.topic is not None
        and dict(table.options).get("format") == "json"
        and not table.primary_key
    )


def ref_problems(run: _Run, model: Model, nid: str, refs: Sequence[str]) -> list[Diagnostic]:
    """V151: a model's `on_bad_record` cannot guard an input that is keyed, updating or a
    virtual topic (it keeps failing on a bad record)."""
    chosen = model.on_bad_record or "fail"
    if chosen == "fail":
        return []
    out = []
    for name in refs:
        if run.mid(name) in run.nodes and not _plain(run, name):
            out.append(
                Diagnostic(
                    "V151",
                    f"model '{model.name}': on_bad_record: {chosen} cannot guard its input "
                    f"'{name}': it is keyed, updating or a virtual topic (only value-only, "
                    "append-only JSON topics are parsed in SQL)",
                    location=model.where("on_bad_record"),
                    hint="remove on_bad_record from this model, or read a non-keyed model",
                    node=nid,
                )
            )
    return out
