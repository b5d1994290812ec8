"""Per-model memo for `compile_project`: reuse one model's compiled result while nothing it
depends on changed (like dbt's partial parsing, but keyed by content, never by mtimes).

A model's key hashes everything its compilation reads: the model itself (every field, its
YAML/SQL positions, since diagnostics carry them), the project's name, runtime, defaults and
user functions (with their jars' digests),
the compiled facts of each input (a source's definition and table schema; an upstream model's
materialization, columns, changelog, topic and key and, for a virtual topic, its query and the
tables its view reads: exactly what `_model_body` reads of it), whether a sink connector
reads it, whether jobs are rendered, and a `salt` (streamt's code fingerprint). An upstream edit
that leaves the upstream's compiled schema as it was therefore does not invalidate its children
(early cut-off); one that changes it re-compiles exactly the children that read it, and so on
down the graph.

The value is the model's `Delta`: what compiling it added to the run (node, diagnostics,
specs, job inputs). Pure: the caller reads and writes the entries (`streamt.cache`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from streamt.compile.jobs import InputTable
from streamt.compile.result import CompiledNode
from streamt.compile.specs import (
    ConnectorSpec,
    FlinkJobSpec,
    GatewayRuleSpec,
    Materialization,
    SubjectSpec,
    TopicSpec,
)
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model

if TYPE_CHECKING:
    from streamt.compile.project import _Run


@dataclass(frozen=True)
class Delta:
    """What compiling one model added to the run."""

    node: CompiledNode | None
    diags: tuple[Diagnostic, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    subjects: tuple[SubjectSpec, ...] = ()
    jobs: tuple[FlinkJobSpec, ...] = ()
    connectors: tuple[ConnectorSpec, ...] = ()
    rules: tuple[GatewayRuleSpec, ...] = ()
    job_inputs: tuple[tuple[str, tuple[InputTable, ...]], ...] = ()


@dataclass
class ModelMemo:
    """Entries from an earlier run in, the entries this run used or made out (`used`)."""

    entries: Mapping[str, Delta] = field(default_factory=dict)
    salt: str = ""
    used: dict[str, Delta] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    _context: str | None = field(default=None, repr=False)
    _reprs: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, key: str) -> Delta | None:
        delta = self.entries.get(key)
        if delta is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = delta
        return delta

    def put(self, key: str, delta: Delta) -> None:
        self.used[key] = delta

    # ------------------------------------------------------------------ keys
    def key(self, run: _Run, model: Model, nid: str, named: str, inputs: list[str]) -> str:
        from streamt.compile.model_specs import _feeds_connector

        if self._context is None:
            project = run.project
            functions = (project.functions, sorted(run.functions.jars.items()))
            self._context = repr(
                (
                    self.salt,
                    project.name,
                    project.name_prefix,
                    project.runtime,
                    project.defaults,
                    functions,
                )
            )
        parts = [
            self._context,
            repr(run.with_jobs),
            named,
            _model_text(model),
            repr(_feeds_connector(run, nid)),
        ]
        parts += [self._input_repr(run, i) for i in inputs]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _input_repr(self, run: _Run, nid: str) -> str:
        cached = self._reprs.get(nid)
        if cached is not None:
            return cached
        node = run.nodes.get(nid)
        if node is None:
            text = f"{nid}:missing"
        elif node.kind == "source":
            source = next((s for s in run.project.sources if s.name == node.name), None)
            text = repr((nid, source, run.sources.get(node.name), node))
        else:
            # only what a child's compilation reads: its description or (non-virtual) query
            # changing does not invalidate the children
            virtual = node.materialization is Materialization.VIRTUAL_TOPIC
            text = repr(
                (
                    nid,
                    node.materialization,
                    node.columns,
                    node.changelog,
                    node.topic,
                    node.primary_key,
                    (node.query, run.job_inputs.get(f"__vt__{node.name}")) if virtual else None,
                    _read_as(run, node.name),  # idle timeout, partitions: its readers' options
                )
            )
        self._reprs[nid] = text
        return text


def _read_as(run: _Run, name: str) -> object:
    model = run.models.get(name)
    return (model.event_time, model.advanced.topic) if model is not None else None


def _model_text(model: Model) -> str:
    """Every field of the model, positions included (JSON from pydantic's serializer: fast)."""
    try:
        return model.__pydantic_serializer__.to_json(model).decode()
    except Exception:  # a value JSON cannot carry: repr is complete too
        return repr((model, sorted(model.spans.items())))


# ---------------------------------------------------------------------- capture / replay


@dataclass(frozen=True)
class Mark:
    """Lengths of the run's lists before one model compiled."""

    diags: int
    topics: int
    subjects: int
    jobs: int
    connectors: int
    rules: int


def mark(run: _Run) -> Mark:
    return Mark(
        len(run.diags),
        len(run.topics),
        len(run.subjects),
        len(run.jobs),
        len(run.connectors),
        len(run.rules),
    )


def capture(run: _Run, before: Mark, model: Model, nid: str) -> Delta:
    names = (model.name, f"__vt__{model.name}")
    return Delta(
        node=run.nodes.get(nid),
        diags=tuple(run.diags[before.diags :]),
        topics=tuple(run.topics[before.topics :]),
        subjects=tuple(run.subjects[before.subjects :]),
        jobs=tuple(run.jobs[before.jobs :]),
        connectors=tuple(run.connectors[before.connectors :]),
        rules=tuple(run.rules[before.rules :]),
        job_inputs=tuple((n, run.job_inputs[n]) for n in names if n in run.job_inputs),
    )


def replay(run: _Run, delta: Delta, nid: str) -> None:
    if delta.node is not None:
        run.nodes[nid] = delta.node
    run.diags.extend(delta.diags)
    run.topics.extend(delta.topics)
    run.subjects.extend(delta.subjects)
    run.jobs.extend(delta.jobs)
    run.connectors.extend(delta.connectors)
    run.rules.extend(delta.rules)
    run.job_inputs.update(delta.job_inputs)


def memo_classes() -> tuple[type, ...]:
    """Every class a memo entry may contain (the cache's unpickler refuses any other global)."""
    from streamt.compile.specs import ChangelogMode, Fingerprint
    from streamt.diagnostics import Location, Severity
    from streamt.sql.schema import Column
    from streamt.sql.types import SqlType

    return (
        Delta,
        CompiledNode,
        Diagnostic,
        Location,
        Severity,
        TopicSpec,
        SubjectSpec,
        FlinkJobSpec,
        Fingerprint,
        ConnectorSpec,
        GatewayRuleSpec,
        InputTable,
        Column,
        SqlType,
        Materialization,
        ChangelogMode,
    )
