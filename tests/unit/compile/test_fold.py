"""Compile is a fold over one pure per-model function, `compile_model(model, nid, inputs,
settings)`: the fold only threads each model's facts to its readers, the memo's key is a hash of
every argument of that function, the function sees no other model, and compile/ has no import
circle."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from streamt.compile import compile_project
from streamt.compile.facts import (
    CompiledModel,
    ModelInputs,
    Settings,
    SourceFacts,
    model_facts,
    settings_of,
)
from streamt.compile.functions import DeclaredFunctions, declared_functions
from streamt.compile.memo import ModelMemo
from streamt.compile.model import compile_model
from streamt.compile.shapes import ShapeMemo
from streamt.compile.sources import source_schema
from streamt.graph import build_graph
from streamt.graph.dag import Graph
from streamt.load import load_project
from streamt.load.jinja import Refs
from streamt.load.model import Project

COMPILE = Path(__file__).resolve().parents[3] / "src" / "streamt" / "compile"

CHAIN = """
project: {name: shop, prefix: 'team.'}
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: id, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: ts, type: TIMESTAMP(3)}
    event_time: {column: ts}
models:
  - name: a
    sql: SELECT id, amount, ts FROM {{ source("orders") }} WHERE amount > 0
  - name: b
    description: the middle one
    sql: SELECT id, SUM(amount) AS total FROM {{ ref("a") }} GROUP BY id
    advanced:
      topic: {partitions: 3}
  - name: out
    from: b
    advanced:
      connector:
        type: jdbc-sink
        config: {connection.url: "jdbc:postgresql://localhost:5432/shop"}
"""


def _load(tmp_path: Path, env_prefix: str = "") -> tuple[Project, Graph]:
    (tmp_path / "stream_project.yml").write_text(CHAIN)
    env = None
    if env_prefix:
        env = "dev"
        (tmp_path / "environments").mkdir()
        (tmp_path / "environments" / "dev.yml").write_text(
            f"environment: {{prefix: '{env_prefix}'}}\n"
        )
    loaded = load_project(tmp_path, env=env)
    assert loaded.project is not None, [d.render() for d in loaded.diagnostics]
    graph, _ = build_graph(loaded.project)
    return loaded.project, graph


def _by_hand(
    project: Project, graph: Graph
) -> tuple[Settings, dict[str, tuple[CompiledModel, ModelInputs]]]:
    """Fold the chain by hand: each model compiled from its inputs' facts alone."""
    settings = settings_of(project, declared_functions(project, []))
    source = project.sources[0]
    sid = "source.shop.orders"
    orders = SourceFacts(sid, source, source_schema(source, None, [], sid))
    models = {m.name: m for m in project.models}
    a_in = ModelInputs(refs=graph.refs["model.shop.a"], sources=(orders,))
    a = compile_model(models["a"], "model.shop.a", a_in, settings)
    assert a.node is not None
    a_facts = model_facts(settings, models["a"], a.node, a)
    b_in = ModelInputs(refs=graph.refs["model.shop.b"], models=(a_facts,), feeds_connector=True)
    b = compile_model(models["b"], "model.shop.b", b_in, settings)
    assert b.node is not None
    b_facts = model_facts(settings, models["b"], b.node, b)
    out_in = ModelInputs(from_ids=("model.shop.b",), models=(b_facts,))
    out = compile_model(models["out"], "model.shop.out", out_in, settings)
    return settings, {"a": (a, a_in), "b": (b, b_in), "out": (out, out_in)}


def test_a_fold_by_hand_over_compile_model_equals_compile_project(tmp_path: Path) -> None:
    project, graph = _load(tmp_path)
    result = compile_project(project, graph)
    _, by_hand = _by_hand(project, graph)
    for name, (compiled, _) in by_hand.items():
        assert compiled.node == result.nodes[f"model.shop.{name}"]
    jobs = [j for c, _ in by_hand.values() for j in c.jobs]
    topics = [t for c, _ in by_hand.values() for t in c.topics]
    connectors = [k for c, _ in by_hand.values() for k in c.connectors]
    assert sorted(jobs, key=lambda j: j.name) == list(result.desired.jobs)
    assert sorted(topics, key=lambda t: t.name) == list(result.desired.topics)
    assert connectors == list(result.desired.connectors)
    assert [(t.name, t.partitions) for t in topics] == [
        ("team.a", 1),
        ("team.b", 3),
        ("team.out.connect", 3),  # the envelope topic: as wide as the topic it copies
    ]
    assert [j.name for j in jobs] == ["a", "b", "out__envelope"]


def test_compile_model_sees_the_project_settings_but_no_other_model(tmp_path: Path) -> None:
    project, _ = _load(tmp_path, env_prefix="dev.")
    settings = settings_of(project, DeclaredFunctions.none())
    shell = settings.project
    assert (shell.sources, shell.models, shell.tests, shell.exposures) == ((), (), (), ())
    assert not shell.spans and not shell.root
    assert shell.name_prefix == project.name_prefix == "dev.team."
    assert shell.job_scope == project.job_scope == "dev.team.shop"
    assert (shell.runtime, shell.defaults) == (project.runtime, project.defaults)


def _changed(value: object) -> Any:
    """A different value of the same field."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, tuple):
        return value[:-1] if value else ("model.shop.x",)
    if isinstance(value, Refs):
        return replace(value, refs=(*value.refs, "x"))
    if value is None:
        return Refs(refs=("x",))
    if isinstance(value, DeclaredFunctions):
        return replace(value, aggregates=frozenset({"MY_AGG"}))
    if isinstance(value, ShapeMemo):
        return ShapeMemo()
    assert isinstance(value, Project), value
    info = value.project.model_copy(update={"name": value.project.name + "2"})
    return value.model_copy(update={"project": info})


def test_the_memo_key_hashes_every_argument_of_compile_model(tmp_path: Path) -> None:
    project, graph = _load(tmp_path)
    settings, by_hand = _by_hand(project, graph)
    memo = ModelMemo(salt="s")
    models = {m.name: m for m in project.models}
    for name, (_, inputs) in by_hand.items():
        model, nid = models[name], f"model.shop.{name}"
        key = memo.key(model, nid, inputs, settings)
        assert memo.key(model, nid, replace(inputs), settings) == key
        assert memo.key(model, nid + "x", inputs, settings) != key
        edited = model.model_copy(update={"description": "edited"})
        assert memo.key(edited, nid, inputs, settings) != key
        for f in fields(ModelInputs):
            other = replace(inputs, **{f.name: _changed(getattr(inputs, f.name))})
            assert memo.key(model, nid, other, settings) != key, f.name
        for f in fields(Settings):
            other_settings = replace(settings, **{f.name: _changed(getattr(settings, f.name))})
            same = memo.key(model, nid, inputs, other_settings) == key
            assert same is (not f.compare), f.name  # only the shape memo (a cache) is no argument
        assert ModelMemo(salt="t").key(model, nid, inputs, settings) != key


_KEY = """
from streamt.compile.facts import settings_of
from streamt.compile.functions import DeclaredFunctions
from streamt.load import load_project
project = load_project({root!r}).project
names = frozenset("AGG_" + str(i) for i in range(20))
print(settings_of(project, DeclaredFunctions({{}}, {{}}, {{}}, names)).key())
"""


def test_the_settings_key_is_the_same_in_every_process(tmp_path: Path) -> None:
    """The memo is read back by the next run: a set's order (hash-seeded) must not reach it."""
    _load(tmp_path)
    keys = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = _KEY.format(root=str(tmp_path))
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        keys.add(run.stdout)
    assert len(keys) == 1 and "AGG_19" in keys.pop()


def _imports(path: Path) -> set[str]:
    """Every module of compile/ that `path` imports, wherever the import stands (top level,
    `if TYPE_CHECKING`, inside a function)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out |= {n.rpartition(".")[2] for n in names if n.startswith("streamt.compile.")}
    return out


def test_no_module_of_compile_imports_itself_back_in_a_circle() -> None:
    modules = {
        p.stem: _imports(p) & {q.stem for q in COMPILE.glob("*.py")} for p in COMPILE.glob("*.py")
    }
    modules.pop("__init__")

    def reaches(start: str, goal: str) -> bool:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in modules.get(todo.pop(), set()) - seen:
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False

    circles = sorted(m for m in modules if reaches(m, m))
    assert circles == []
    assert "project" in modules and modules["model"] >= {"model_specs", "plain"}
