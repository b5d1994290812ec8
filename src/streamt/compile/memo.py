"""Per-model memo for `compile_project`: reuse one model's compiled result while nothing it
depends on changed (like dbt's partial parsing, but keyed by content, never by mtimes).

A model compiles by a pure function, `compile_model(model, nid, inputs, settings)`
(`streamt.compile.model`); the memo's key hashes those arguments, every field of them: the model
itself (every field, its YAML/SQL positions, since diagnostics carry them), its id, its
`ModelInputs` (what its SQL or `from:` names, whether a sink connector reads it, and its inputs'
compiled facts: a source's definition and table schema; of an upstream model only what a reader
reads, `ModelFacts`), the `Settings` (project name, prefix, runtime, defaults, user functions
with their jars' digests, whether jobs are rendered), and a `salt` (streamt's code fingerprint).
An upstream edit that leaves the upstream's facts as they were therefore does not invalidate its
children (early cut-off); one that changes them re-compiles exactly the children that read it,
and so on down the graph.

The value is the function's result, a `CompiledModel`. Pure: the caller reads and writes the
entries (`streamt.cache`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from streamt.compile.facts import CompiledModel, ModelFacts, ModelInputs, Settings, model_facts
from streamt.compile.jobs import InputTable
from streamt.compile.model import compile_model
from streamt.compile.result import CompiledNode
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.chunks import Moved, shifted
from streamt.load.model import Model
from streamt.resources import (
    ConnectorSpec,
    GatewayRuleSpec,
    JobSpec,
    SubjectSpec,
    TopicSpec,
)
from streamt.sql.schema import Column
from streamt.sql.types import SqlType

_INPUT_FIELDS = tuple(f.name for f in fields(ModelInputs))


@dataclass
class ModelMemo:
    """Entries from an earlier run in, the entries this run used or made out (`used`)."""

    entries: Mapping[str, CompiledModel] = field(default_factory=dict)
    salt: str = ""
    used: dict[str, CompiledModel] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    rounds: bool = False  # also answer the inference rounds of sources without columns
    _settings: dict[int, tuple[Settings, str]] = field(default_factory=dict, repr=False)
    _reprs: dict[int, tuple[object, str]] = field(default_factory=dict, repr=False)

    def compile(
        self, model: Model, nid: str, inputs: ModelInputs, settings: Settings
    ) -> CompiledModel:
        """`compile_model(model, nid, inputs, settings)`, or its result for equal arguments."""
        key = self.key(model, nid, inputs, settings)
        compiled = self.entries.get(key)
        if compiled is None:
            self.misses += 1
            compiled = compile_model(model, nid, inputs, settings)
        else:
            self.hits += 1
        self.used[key] = compiled
        return compiled

    def facts(
        self, settings: Settings, model: Model, node: CompiledNode, compiled: CompiledModel
    ) -> ModelFacts:
        """What `model`'s readers read of it (`model_facts`)."""
        return model_facts(settings, model, node, compiled)

    def key(self, model: Model, nid: str, inputs: ModelInputs, settings: Settings) -> str:
        """A hash of every argument of `compile_model`."""
        parts = [self.salt, self._settings_key(settings), nid, _model_text(model)]
        for name in _INPUT_FIELDS:
            value = getattr(inputs, name)
            if isinstance(value, tuple):  # the inputs' facts: each read by all its readers
                parts.append(f"{name}:{len(value)}")
                parts.extend(map(self._repr, value))
            else:
                parts.append(f"{name}={value!r}")
        return _digest("\0".join(parts))

    def _settings_key(self, settings: Settings) -> str:
        known = self._settings.get(id(settings))
        if known is None:
            known = self._settings[id(settings)] = (settings, _digest(settings.key()))
        return known[1]

    def _repr(self, value: object) -> str:
        """repr(value), once per object."""
        known = self._reprs.get(id(value))
        if known is None:
            known = self._reprs[id(value)] = (value, repr(value))  # held: its id stays unique
        return known[1]


@dataclass
class SessionMemo(ModelMemo):
    """A resident process's memo (`validate --watch`), kept from run to run: a model whose
    `Model` is the very object compiled last time (a load that reuses unchanged entries,
    `streamt.load.chunks`, hands the same object back), with the same settings key and inputs
    equal to last time's (sources compared as the same objects), gets last time's result without
    hashing anything; any other goes through `ModelMemo.compile`, whose entries are every
    result this memo has made."""

    # (node id, settings key) -> the model object, inputs and result of its last compilation
    last: dict[tuple[str, str], tuple[Model, ModelInputs, CompiledModel]] = field(
        default_factory=dict
    )
    rounds: bool = True  # inference rounds too (their settings key differs: `infer_only`)
    moved: list[Moved] = field(default_factory=list)  # the load's moved nodes (`ChunkReader`)
    _moves: dict[int, Moved] | None = field(default=None, repr=False)
    _facts: dict[tuple[str, str], tuple[Model, CompiledModel, ModelFacts]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        self.entries = self.used

    def new_run(self) -> None:
        """Forget the objects held for the last run's keys (settings, reprs)."""
        self._settings.clear()
        self._reprs.clear()
        self._moves = None

    def compile(
        self, model: Model, nid: str, inputs: ModelInputs, settings: Settings
    ) -> CompiledModel:
        settings_key = self._settings_key(settings)
        seen = self.last.get((nid, settings_key))
        if seen is not None and _same_inputs(seen[1], inputs):
            again = seen[2] if seen[0] is model else self._moved(model, seen[0], seen[2])
            if again is not None:
                self.hits += 1
                self.last[nid, settings_key] = (model, inputs, again)
                return again
        compiled = super().compile(model, nid, inputs, settings)
        self.last[nid, settings_key] = (model, inputs, compiled)
        return compiled

    def facts(
        self, settings: Settings, model: Model, node: CompiledNode, compiled: CompiledModel
    ) -> ModelFacts:
        """Last run's facts object while the model and its result are last run's (so its
        readers' inputs compare by identity)."""
        key = (node.id, self._settings_key(settings))
        seen = self._facts.get(key)
        if seen is not None and seen[0] is model and seen[1] is compiled:
            return seen[2]
        made = model_facts(settings, model, node, compiled)
        self._facts[key] = (model, compiled, made)
        return made

    def _moved(self, model: Model, was: Model, compiled: CompiledModel) -> CompiledModel | None:
        """`compiled` (of `was`) for `model`, when the load only moved `was` down or up to
        `model` (`ChunkReader`): its diagnostics in that file moved with it. None when they
        point anywhere else in the file (then it is compiled again)."""
        if self._moves is None:
            self._moves = {id(m.node): m for m in self.moved}
        move = self._moves.get(id(model))
        if move is None or move.was is not was:
            return None
        file = was.location.file
        diags = []
        for d in compiled.diags:
            where = d.location
            if where.file == file and where.line:
                if not move.first <= where.line <= move.last:
                    return None
                d = replace(d, location=shifted(where, move.delta))
            diags.append(d)
        return replace(compiled, diags=tuple(diags))


def _same_inputs(a: ModelInputs, b: ModelInputs) -> bool:
    return (
        a.refs == b.refs
        and a.from_ids == b.from_ids
        and a.feeds_connector == b.feeds_connector
        and a.feeds_models == b.feeds_models
        and a.models == b.models
        and len(a.sources) == len(b.sources)
        and all(
            x.id == y.id and x.source is y.source and x.schema == y.schema
            for x, y in zip(a.sources, b.sources, strict=True)
        )
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _model_text(model: Model) -> str:
    """Every field of the model, positions included (JSON from pydantic's serializer: fast)."""
    try:
        return model.__pydantic_serializer__.to_json(model).decode()
    except Exception:  # a value JSON cannot carry: repr is complete too
        return repr((model, sorted(model.spans.items())))


def memo_classes() -> tuple[type, ...]:
    """Every class a memo entry may contain (the cache's unpickler refuses any other global)."""
    return (
        CompiledModel,
        CompiledNode,
        Diagnostic,
        Location,
        Severity,
        TopicSpec,
        SubjectSpec,
        JobSpec,
        ConnectorSpec,
        GatewayRuleSpec,
        InputTable,
        Column,
        SqlType,
        Materialization,
        ChangelogMode,
    )
