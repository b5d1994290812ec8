"""The README's Python API example runs as written (on a copy of examples/quickstart, against
in-memory systems) and does what its comments say: plan -> apply -> status -> an empty plan,
through `Context` alone, the same object the CLI calls."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from streamt.adapters.protocols import TopicState
from streamt.apply import jobs as apply_jobs
from streamt.context import Context
from streamt.diagnostics import StreamtError

from .apply.fakes import FakeFlink, FakeKafka, fake_systems

REPO = Path(__file__).resolve().parents[2]


def _example() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python block under ### Python API"
    return match.group(1)


def test_readme_python_example_plans_applies_and_reports_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    systems = fake_systems()
    assert isinstance(systems.kafka, FakeKafka) and isinstance(systems.flink, FakeFlink)
    systems.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})  # the source
    monkeypatch.setattr("streamt.apply.deployment.systems_from_runtime", lambda r, e: systems)
    # the fakes answer, so nothing is probed (the project's runtime names no stack of this run)
    monkeypatch.setattr("streamt.apply.deployment.preflight", lambda *args, **kw: None)
    monkeypatch.setattr(apply_jobs, "await_running", lambda ctx, job_id, label="": None)
    project = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", project)
    code = _example().replace('"examples/quickstart"', repr(str(project)))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("flowchart") or lines[0].startswith("graph")  # the mermaid DAG
    assert (
        "True [('topic', 'events_clean', 'create'), ('flink_job', 'events_clean', 'create')]"
        in lines
    )
    assert (
        lines[-1] == "[('topic', 'events_clean', 'OK'), ('flink_job', 'events_clean', 'RUNNING')] 0"
    )
    assert "events_clean" in systems.kafka.topics and len(systems.flink.submitted) == 1


def test_a_context_reaches_no_system_until_asked(tmp_path: Path) -> None:
    """Creating and loading a Context, validating and compiling touch no system; the ledger
    and the live state are read on the first plan, once."""
    systems = fake_systems()
    assert isinstance(systems.kafka, FakeKafka)
    systems.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})
    ctx = Context.load(REPO / "examples" / "quickstart", systems=systems, environ={})
    ctx.compile()
    ctx.deployment()
    assert systems.calls() == {k: 0 for k in systems.calls()}
    ctx.plan()
    after_one = systems.calls()
    assert after_one["kafka"] > 0 and after_one["ledger"] > 0
    ctx.plan(select="events_clean")  # planned again on what was observed
    assert systems.calls() == after_one


def test_context_load_raises_with_every_load_problem(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text("project: {name: p}\nmodels: [{nme: x}]\n")
    with pytest.raises(StreamtError) as caught:
        Context.load(tmp_path, environ={})
    assert [d.code for d in caught.value.diagnostics] == ["L007", "L005"]  # no name, unknown key


def test_destroy_through_the_python_api_removes_what_apply_created(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    systems = fake_systems()
    assert isinstance(systems.kafka, FakeKafka) and isinstance(systems.flink, FakeFlink)
    systems.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})
    monkeypatch.setattr(apply_jobs, "await_running", lambda ctx, job_id, label="": None)
    ctx = Context.load(REPO / "examples" / "quickstart", systems=systems, environ={})
    assert ctx.apply(ctx.plan()).ok
    plan = ctx.destroy_plan()
    assert sorted((c.kind.value, c.name, c.action.value) for c in plan.changes) == [
        ("flink_job", "events_clean", "delete"),
        ("topic", "events_clean", "delete"),
    ]
    with pytest.raises(StreamtError) as caught:
        ctx.apply(plan)  # deletes need allow_destructive: only `destroy` implies it
    assert [d.code for d in caught.value.diagnostics] == ["A003", "A003"]
    assert ctx.destroy(plan).ok
    assert list(systems.kafka.topics) == ["events.raw.v1"]  # the source is not the project's
    assert not ctx.destroy_plan().has_changes
