"""The plan / apply / status / rollback commands end to end on in-memory systems (exit codes,
non-TTY refusal, dry run, saved plans, stale plans). Real-stack proof: tests/integration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.apply import jobs as apply_jobs
from streamt.apply.step import StepError
from streamt.cli import main
from streamt.diagnostics import Diagnostic
from streamt.resources import TopicState
from streamt.state import Systems

from .fakes import FakeFlink, FakeKafka, fake_systems

QUICKSTART = str(Path(__file__).resolve().parents[3] / "examples" / "quickstart")


@pytest.fixture
def systems(monkeypatch):  # type: ignore[no-untyped-def]
    chosen = fake_systems()
    assert isinstance(chosen.kafka, FakeKafka)
    chosen.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})  # the source
    monkeypatch.setattr(
        "streamt.apply.deployment.systems_from_runtime", lambda runtime, environ: chosen
    )
    monkeypatch.setattr(apply_jobs, "await_running", lambda ctx, job_id, label="": None)
    # the fakes stand in for every system: nothing on the network to probe first
    monkeypatch.setattr("streamt.apply.deployment.preflight", lambda *args, **kw: None)
    return chosen


def test_plan_detailed_exitcode_then_apply_then_no_changes(systems: Systems, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["plan", "-p", QUICKSTART, "--detailed-exitcode"]) == 3
    out = capsys.readouterr().out
    assert "+ flink_job events_clean: create" in out and "+ topic events_clean: create" in out
    assert main(["plan", "-p", QUICKSTART]) == 0
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    assert "Apply complete" in capsys.readouterr().out
    assert main(["plan", "-p", QUICKSTART, "--detailed-exitcode"]) == 0
    assert "No changes." in capsys.readouterr().out


def test_apply_without_a_terminal_refuses_and_dry_run_changes_nothing(
    systems: Systems, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert main(["apply", "-p", QUICKSTART]) == 1
    captured = capsys.readouterr()
    assert "+ flink_job events_clean" in captured.out and "A007" in captured.err
    assert main(["apply", "-p", QUICKSTART, "--dry-run"]) == 0
    assert "Dry run: these steps would run" in capsys.readouterr().out
    assert isinstance(systems.kafka, FakeKafka) and list(systems.kafka.topics) == ["events.raw.v1"]


def test_saved_plan_applies_once_then_is_stale(systems: Systems, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "plan.json"
    assert main(["plan", "-p", QUICKSTART, "--out", str(saved), "--format", "json"]) == 0
    body = json.loads(saved.read_text())
    printed = json.loads(capsys.readouterr().out)  # the plan, in the command's JSON document
    assert body["schema_version"] == 1 and {k: printed[k] for k in body} == body
    assert printed["command"] == "plan" and printed["exit_code"] == 0
    assert main(["apply", "-p", QUICKSTART, "--plan", str(saved), "--auto-approve"]) == 0
    capsys.readouterr()
    assert main(["apply", "-p", QUICKSTART, "--plan", str(saved), "--auto-approve"]) == 1
    err = capsys.readouterr().err
    assert "A005" in err and "the plan is stale" in err and str(saved) in err


def test_status_json_and_rollback_without_history(systems: Systems, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    capsys.readouterr()
    assert main(["status", "-p", QUICKSTART, "--format", "json", "--lag"]) == 0
    body = json.loads(capsys.readouterr().out)
    states = {(r["kind"], r["name"]): r["state"] for r in body["resources"]}
    assert states == {("topic", "events_clean"): "OK", ("flink_job", "events_clean"): "RUNNING"}
    assert body["drift"] == 0
    assert main(["rollback", "-p", QUICKSTART, "events_clean"]) == 1
    assert "A021" in capsys.readouterr().err


def test_status_exit_code_3_on_drift(systems: Systems, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    assert isinstance(systems.kafka, FakeKafka)
    del systems.kafka.topics["events_clean"]
    capsys.readouterr()
    assert main(["status", "-p", QUICKSTART]) == 3
    assert "missing: in the ledger but not live" in capsys.readouterr().out


def test_plan_and_apply_fail_with_p020_when_the_source_topic_is_missing(
    systems: Systems, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(systems.kafka, FakeKafka) and isinstance(systems.flink, FakeFlink)
    del systems.kafka.topics["events.raw.v1"]
    assert main(["plan", "-p", QUICKSTART]) == 1
    err = capsys.readouterr().err
    assert "P020" in err and "source 'events' (topic 'events.raw.v1')" in err
    assert "create the topic or produce to it first (sources are external to streamt)" in err
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 1
    assert "P020" in capsys.readouterr().err
    assert systems.kafka.created == [] and systems.flink.submitted == []  # nothing half-applied


def test_a_failed_step_exits_1(systems: Systems, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    def never_starts(ctx: object, job_id: str, label: str = "") -> None:
        raise StepError(f"job {job_id} went FAILED right after submission")

    monkeypatch.setattr(apply_jobs, "await_running", never_starts)
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 1
    err = capsys.readouterr().err
    assert "Apply stopped: 1 step(s) failed" in err and "went FAILED" in err


def _blocking(monkeypatch, failures: list[Diagnostic]) -> list[str]:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def fake(project: object, compiled: object, environ: object) -> list[Diagnostic]:
        calls.append(getattr(project, "name", "?"))
        return failures

    monkeypatch.setattr("streamt.testing.session.blocking_diagnostics", fake)
    return calls


def test_a_failing_block_deploy_test_refuses_the_apply_before_any_step(
    systems: Systems, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    failing = Diagnostic("T101", "data test 'no_nulls' (sample on events_clean) fails and blocks")
    calls = _blocking(monkeypatch, [failing])
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 1
    assert "error T101: data test 'no_nulls'" in capsys.readouterr().err
    assert calls == ["my-pipeline"]
    assert isinstance(systems.flink, FakeFlink) and systems.flink.submitted == []
    assert isinstance(systems.kafka, FakeKafka) and systems.kafka.created == []
    assert main(["apply", "-p", QUICKSTART, "--auto-approve", "--ignore-blocking-tests"]) == 0
    out = capsys.readouterr()
    assert "deploying anyway (--ignore-blocking-tests)" in out.err and "Apply complete" in out.out
    assert len(systems.flink.submitted) == 1


def test_passing_blocking_tests_let_the_apply_run(systems: Systems, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    calls = _blocking(monkeypatch, [])
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    assert calls == ["my-pipeline"] and "Apply complete" in capsys.readouterr().out


def test_plan_and_apply_warn_v161_when_a_default_named_topic_exists_and_is_not_ours(
    systems: Systems, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(systems.kafka, FakeKafka)
    systems.kafka.topics["events_clean"] = TopicState("events_clean", 1, 1, {})  # someone else's
    assert main(["plan", "-p", QUICKSTART]) == 1  # refused: exists, not owned by this project
    err = capsys.readouterr().err
    assert "stream_project.yml:21:5: warning V161: model 'events_clean' writes topic " in (err)
    assert "already exists on the cluster, not created by this project" in err
    assert "advanced.topic.name" in err
    assert main(["apply", "-p", QUICKSTART, "--auto-approve", "--adopt", "events_clean"]) == 0
    assert "warning V161" in capsys.readouterr().err  # adopted, still not created here
    assert main(["plan", "-p", QUICKSTART]) == 0
    assert "adopted by this project, created by someone else" in capsys.readouterr().err


def test_no_v161_for_a_topic_this_project_created(systems: Systems, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    assert main(["plan", "-p", QUICKSTART]) == 0
    assert "V161" not in capsys.readouterr().err


def test_an_upgrade_that_cannot_keep_the_state_needs_allow_state_loss(
    systems: Systems, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "stream_project.yml"
    project.write_text((Path(QUICKSTART) / "stream_project.yml").read_text())
    assert main(["apply", "-p", str(tmp_path), "--auto-approve"]) == 0
    capsys.readouterr()
    # a parallelism above the max parallelism pinned at the first start (Flink's 128)
    project.write_text(project.read_text() + "      flink:\n        parallelism: 200\n")
    assert main(["plan", "-p", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "upgrade - " in out and "[state-breaking]" in out and "--allow-state-loss" in out
    assert main(["apply", "-p", str(tmp_path), "--auto-approve"]) == 1
    err = capsys.readouterr().err
    assert "A140" in err and "parallelism 200 exceeds the max parallelism 128" in err
    assert main(["apply", "-p", str(tmp_path), "--auto-approve", "--allow-state-loss"]) == 0
    assert "without state" in capsys.readouterr().out
    assert main(["plan", "-p", str(tmp_path), "--detailed-exitcode"]) == 0
