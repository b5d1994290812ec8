"""The values compile folds over: one model's compilation is a pure function
`compile_model(model, nid, inputs, settings) -> CompiledModel` (`streamt.compile.model`).

- `Settings`: what every model reads of the project (name, prefix, runtime, defaults; never its
  sources or models), the declared functions, whether jobs are rendered, whether this is an
  inference round;
- `ModelInputs`: what one model reads of the graph and of its inputs' compiled facts
  (`SourceFacts`, `ModelFacts`: only what a reader reads, so an upstream edit that leaves them
  as they were does not reach its children);
- `CompiledModel`: what compiling one model yields (node, diagnostics, specs, the tables a
  virtual topic's readers inline, and, while inferring, the column demand it records).

The per-model memo (`streamt.compile.memo`) is keyed on the function's arguments. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass

from streamt.compile.demand import InputKey
from streamt.compile.eventtime import idle_timeout_ms
from streamt.compile.functions import DeclaredFunctions
from streamt.compile.jobs import InputTable
from streamt.compile.result import CompiledNode
from streamt.compile.shapes import ShapeMemo
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.topics import topic_spec
from streamt.diagnostics import Diagnostic
from streamt.load.jinja import Refs
from streamt.load.model import Model, Project, ProjectInfo, Source
from streamt.resources import ConnectorSpec, GatewayRuleSpec, JobSpec, SubjectSpec, TopicSpec
from streamt.sql import Column, TableSchema


@dataclass(frozen=True)
class Settings:
    """What every model's compilation reads of the project. `project` holds the project's
    name, prefix, runtime and defaults only (`settings_of`): no model can read another model
    or source except through its `ModelInputs`."""

    project: Project
    functions: DeclaredFunctions
    with_jobs: bool = True  # render each Flink job's script (validate does not need them)
    infer_only: bool = False  # an inference round: record column demand, report nothing
    bounded: bool = False  # unit-test runs: inputs read to their latest offset (`bounded_input`)
    shapes: ShapeMemo = field(default_factory=ShapeMemo, compare=False)  # a cache, not an input

    def key(self) -> str:
        """Every field but the caches (`compare=False`), the same in every process: what the
        memo keys on."""
        return repr(_stable(self))


def settings_of(
    project: Project,
    functions: DeclaredFunctions,
    *,
    with_jobs: bool = True,
    infer_only: bool = False,
    bounded: bool = False,
    shapes: ShapeMemo | None = None,
) -> Settings:
    """The project cut down to what a model's compilation may read (the name prefix folded
    into `project.prefix`; no sources, models, tests, positions)."""
    shell = Project.model_construct(
        project=ProjectInfo.model_construct(name=project.name, prefix=project.name_prefix or None),
        runtime=project.runtime,
        defaults=project.defaults,
        environment_config=None,
    )
    return Settings(
        shell,
        functions,
        with_jobs=with_jobs,
        infer_only=infer_only,
        bounded=bounded,
        shapes=shapes if shapes is not None else functions.shape_memo(),
    )


def _stable(value: object) -> object:
    """`value` with its dataclasses' compared fields spelled out and sets sorted (a set's
    order changes from process to process)."""
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_stable(v)) for v in value)
    if isinstance(value, Mapping):
        return [(k, _stable(v)) for k, v in value.items()]
    if is_dataclass(value) and not isinstance(value, type):
        compared = (_stable(getattr(value, f.name)) for f in fields(value) if f.compare)
        return (type(value).__name__, *compared)
    return value


@dataclass(frozen=True)
class SourceFacts:
    """A source as its readers see it: its definition and its (closed) table schema."""

    id: str
    source: Source
    schema: TableSchema


@dataclass(frozen=True)
class ModelFacts:
    """What a reader reads of a compiled model (its description or, unless it is a virtual
    topic, its query are not among them)."""

    id: str
    name: str
    materialization: Materialization | None
    columns: tuple[Column, ...]
    changelog: ChangelogMode
    topic: str | None
    primary_key: tuple[str, ...]
    rowtime: str | None
    view: tuple[str, tuple[InputTable, ...]] | None = None  # a virtual topic's query and tables
    topic_partitions: int | None = None  # of the topic spec it declared for its topic
    idle_timeout_ms: int = 0  # how its watermarked readers go idle (rowtime set)
    partitions: int = 1  # its topic's partitions as configured (rowtime set)
    open_star: bool = False  # inferring: passes an input's columns through `*`
    exactly_once: bool = False  # its job writes its topic in Kafka transactions


def model_facts(
    settings: Settings, model: Model, node: CompiledNode, compiled: CompiledModel
) -> ModelFacts:
    """What the readers of `model` (compiled to `node`, `compiled`) read of it."""
    project = settings.project
    virtual = node.materialization is Materialization.VIRTUAL_TOPIC
    timed = node.rowtime is not None
    own = next((t.partitions for t in compiled.topics if t.name == node.topic), None)
    return ModelFacts(
        id=node.id,
        name=node.name,
        materialization=node.materialization,
        columns=node.columns,
        changelog=node.changelog,
        topic=node.topic,
        primary_key=node.primary_key,
        rowtime=node.rowtime,
        view=(node.query, compiled.view or ()) if virtual else None,
        topic_partitions=own,
        idle_timeout_ms=idle_timeout_ms(project, model.event_time) if timed else 0,
        partitions=_configured_partitions(project, model, node.id, own) if timed else 1,
        open_star=compiled.star_from is not None,
        exactly_once=writes_in_transactions(project, model, node.materialization),
    )


def writes_in_transactions(
    project: Project, model: Model, materialization: Materialization | None
) -> bool:
    """Whether `model`'s job writes its topic in Kafka transactions (`exactly_once`): whatever
    reads the topic (a model's job, a sink connector, a continuous test's job) reads committed
    rows only, never those of an aborted transaction."""
    return materialization is Materialization.FLINK and project.delivery_of(model) == "exactly_once"


def _configured_partitions(project: Project, model: Model, nid: str, own: int | None) -> int:
    """Its topic's partitions: those of the topic spec it declared (the same settings), else
    as configured."""
    return own if own is not None else topic_spec(project, model, nid).partitions


@dataclass(frozen=True)
class ModelInputs:
    """What one model's compilation reads besides the model and the settings."""

    refs: Refs | None = None  # what its SQL names (None: no SQL, or nothing captured)
    from_ids: tuple[str, ...] = ()  # what a model without SQL reads (`from:`)
    sources: tuple[SourceFacts, ...] = ()  # its inputs that exist
    models: tuple[ModelFacts, ...] = ()  # ... and compiled
    feeds_connector: bool = False  # a sink connector reads its topic
    feeds_models: bool = False  # another model's SQL reads it

    def source(self, name: str) -> SourceFacts | None:
        return next((s for s in self.sources if s.source.name == name), None)

    def model(self, name: str) -> ModelFacts | None:
        return next((m for m in self.models if m.name == name), None)

    def by_id(self, nid: str) -> SourceFacts | ModelFacts | None:
        found: tuple[SourceFacts | ModelFacts, ...] = (*self.sources, *self.models)
        return next((f for f in found if f.id == nid), None)


@dataclass(frozen=True)
class CompiledModel:
    """What compiling one model yields (the fold holds a source's node and subject in one too)."""

    node: CompiledNode | None
    diags: tuple[Diagnostic, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    subjects: tuple[SubjectSpec, ...] = ()
    jobs: tuple[JobSpec, ...] = ()
    connectors: tuple[ConnectorSpec, ...] = ()
    rules: tuple[GatewayRuleSpec, ...] = ()
    view: tuple[InputTable, ...] | None = None  # a virtual topic: the tables its query reads
    # inferring only: columns it reads of each source / upstream model, and its `*`'s input
    inferred: tuple[tuple[str, tuple[Column, ...]], ...] = ()
    demand: tuple[tuple[str, tuple[Column, ...]], ...] = ()
    star_from: InputKey | None = None
    # its query could not be analysed (reported on it): its readers compile nothing, so one
    # mistake is one error, never a second one (unknown columns) in every reader downstream
    query_failed: bool = False
