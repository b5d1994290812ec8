"""The per-model memo: a cached compile equals a cold one, and an edit re-compiles only the
edited model and the children whose inputs it changed."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from streamt import cache
from streamt.compile import CompileResult, compile_project
from streamt.compile.memo import ModelMemo
from streamt.context import Context
from streamt.diagnostics import StreamtError
from streamt.graph import build_graph
from streamt.load import load_project
from tests.unit.compile.helpers import EXAMPLES

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())

CHAIN = """
project: {name: shop}
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: id, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: status, type: STRING}
models:
  - name: a
    sql: SELECT id, amount, status FROM {{ source("orders") }} WHERE amount > 0
  - name: b
    description: the middle one
    sql: SELECT id, amount FROM {{ ref("a") }} WHERE status = 'ok'
  - name: c
    sql: SELECT id, amount FROM {{ ref("b") }} WHERE amount > 10
  - name: d
    sql: SELECT id FROM {{ ref("a") }}
"""

B = "SELECT id, amount FROM {{ ref(\"a\") }} WHERE status = 'ok'"


def _compile(root: Path, memo: ModelMemo | None, jobs: bool = True) -> CompileResult:
    loaded = load_project(root)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    return compile_project(loaded.project, graph, memo=memo, jobs=jobs)


def _roundtrip(memo: ModelMemo) -> ModelMemo:
    """What the next process reads back (through the cache's restricted unpickler)."""
    entries = cache.memo_entries(cache.memo_bytes(memo), memo.salt)
    assert len(entries) == len(memo.used)
    return ModelMemo(entries=entries, salt=memo.salt)


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "stream_project.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_a_memoised_compile_equals_the_cold_one(example: str) -> None:
    root = EXAMPLES / example
    cold = _compile(root, None)
    filled = ModelMemo()
    assert _compile(root, filled) == cold
    warm = _roundtrip(filled)
    assert _compile(root, warm) == cold
    assert warm.misses == 0 and warm.hits == filled.misses > 0


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_without_jobs_everything_but_the_job_scripts_is_the_same(example: str) -> None:
    root = EXAMPLES / example
    full, light = _compile(root, None), _compile(root, None, jobs=False)
    assert not light.desired.jobs
    assert light.nodes == full.nodes and light.diagnostics == full.diagnostics
    assert light.desired.topics == full.desired.topics
    assert light.desired.subjects == full.desired.subjects
    assert light.desired.connectors == full.desired.connectors
    assert light.desired.gateway_rules == full.desired.gateway_rules


def test_an_edit_recompiles_the_model_and_only_children_whose_inputs_changed(
    tmp_path: Path,
) -> None:
    (tmp_path / "stream_project.yml").write_text(CHAIN)
    memo = ModelMemo()
    _compile(tmp_path, memo)
    assert memo.misses == 4

    # b's output schema changes: b and its child c again, a and d reused
    _edit(
        tmp_path,
        'SELECT id, amount FROM {{ ref("a") }}',
        'SELECT id, CAST(amount AS INT) AS amount FROM {{ ref("a") }}',
    )
    memo = _roundtrip(memo)
    assert _compile(tmp_path, memo) == _compile(tmp_path, None)
    assert (memo.hits, memo.misses) == (2, 2)

    # only b's description: b again (its node changed), nothing downstream
    _edit(tmp_path, "the middle one", "the middle model")
    memo = _roundtrip(memo)
    assert _compile(tmp_path, memo) == _compile(tmp_path, None)
    assert (memo.hits, memo.misses) == (3, 1)


def _diags(report: object) -> list[str]:
    return [d.render() for d in report.diagnostics]  # type: ignore[attr-defined]


def test_an_error_introduced_then_fixed_shows_in_the_cached_path_as_in_the_cold(
    tmp_path: Path,
) -> None:
    (tmp_path / "stream_project.yml").write_text(CHAIN)
    first = Context(tmp_path, environ={}).validate()
    assert first.ok and not first.cached

    _edit(tmp_path, B, "SELECT id, amountt FROM {{ ref(\"a\") }} WHERE status = 'ok'")
    broken = Context(tmp_path, environ={}).validate()
    cold = Context(tmp_path, environ={}).validate(use_cache=False)
    assert not broken.cached and not broken.ok
    assert _diags(broken) == _diags(cold)
    assert any("amountt" in line for line in _diags(broken))
    assert len(cache.read_memo(tmp_path, "validate").entries) == 4

    _edit(tmp_path, "amountt", "amount")
    fixed = Context(tmp_path, environ={}).validate()
    assert fixed.ok and _diags(fixed) == _diags(first)
    assert _diags(fixed) == _diags(Context(tmp_path, environ={}).validate(use_cache=False))


def test_an_upstream_schema_change_reaches_the_cached_children(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(CHAIN)
    out = tmp_path / "out"
    assert not any(d.is_error for d in Context(tmp_path, environ={}).build(out).diagnostics)
    # the source renames `amount` (no line moves): a breaks though its own text is unchanged
    _edit(tmp_path, "{name: amount, type: DOUBLE}", "{name: amount_usd, type: DOUBLE}")
    warm = Context(tmp_path, environ={}).validate()
    cold = Context(tmp_path, environ={}).validate(use_cache=False)
    assert not warm.ok and _diags(warm) == _diags(cold)
    assert any("amount" in line for line in _diags(warm))
    with pytest.raises(StreamtError) as warm_error:
        Context(tmp_path, environ={}).build(out)
    with pytest.raises(StreamtError) as cold_error:
        Context(tmp_path, environ={}).build(out, use_cache=False)
    assert warm_error.value.diagnostics == cold_error.value.diagnostics


def test_compile_artifacts_from_the_memo_equal_the_cold_ones(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(CHAIN)
    warm_out, cold_out = tmp_path / "warm", tmp_path / "cold"
    Context(tmp_path, environ={}).build(warm_out)
    _edit(tmp_path, "WHERE amount > 10", "WHERE amount > 11")
    assert not Context(tmp_path, environ={}).build(warm_out).cached
    Context(tmp_path, environ={}).build(cold_out, use_cache=False)
    files = sorted(p.relative_to(cold_out) for p in cold_out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(warm_out) for p in warm_out.rglob("*") if p.is_file())
    for rel in files:
        assert (warm_out / rel).read_bytes() == (cold_out / rel).read_bytes(), rel


class _Planted:
    """Unpickling this would run a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        import os

        return os.system, (f"touch {self.marker}",)


def test_a_planted_memo_file_cannot_build_other_objects(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(CHAIN)
    folder = tmp_path / "target" / ".streamt-cache"
    folder.mkdir(parents=True)
    marker = tmp_path / "pwned"
    evil = {"salt": cache.code_fingerprint(), "entries": {"k": _Planted(marker)}}
    (folder / "validate-models.pickle").write_bytes(pickle.dumps(evil))
    assert cache.read_memo(tmp_path, "validate").entries == {}
    assert Context(tmp_path, environ={}).validate().ok
    assert not marker.exists()


def test_a_model_is_recompiled_when_a_var_it_reads_changes_and_only_then(tmp_path: Path) -> None:
    from streamt.load.jinja import Variables

    text = CHAIN.replace("WHERE status = 'ok'", "WHERE status = {{ var('status', 'ok') }}")
    (tmp_path / "stream_project.yml").write_text(text)
    project = load_project(tmp_path).project
    assert project is not None

    def run(memo: ModelMemo, values: dict[str, object], environ: dict[str, str]) -> str:
        graph, _ = build_graph(project, variables=Variables(values, environ))
        result = compile_project(project, graph, memo=memo)
        return next(j.query for j in result.desired.jobs if j.pipeline_name.endswith(".b"))

    first = ModelMemo()
    assert "'ok'" in run(first, {}, {})  # the default
    unread = _roundtrip(first)
    assert "'ok'" in run(unread, {"other": 1}, {"STATUS": "x"})
    assert (unread.hits, unread.misses) == (4, 0)  # nothing any model reads changed
    given = _roundtrip(unread)
    assert "'shipped'" in run(given, {"status": "shipped"}, {})
    assert (given.hits, given.misses) == (3, 1)  # b alone: its output schema is the same
