"""Class 9 of issue 10: plans and paths streamt can trust.

- `apply --plan` recompiles and plans again: a plan file whose statements, configs, resources or
  actions were edited (its fingerprints kept) is refused with A030 and nothing runs.
- `compile` never writes through a symlink that leaves the output directory.
- project files that are symlinks to outside the project are not read.
- exit codes: 4 only for failed data tests; infrastructure that cannot be reached is 5, and a
  schema test that cannot reach the registry is an error, not a pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from streamt.adapters.protocols import AdapterError
from streamt.apply import jobs as apply_jobs
from streamt.cli import main
from streamt.resources import TopicState
from streamt.state import Systems

from ..apply.fakes import FakeFlink, FakeKafka, fake_systems

QUICKSTART = str(Path(__file__).resolve().parents[3] / "examples" / "quickstart")


@pytest.fixture
def systems(monkeypatch: pytest.MonkeyPatch) -> Systems:
    chosen = fake_systems()
    assert isinstance(chosen.kafka, FakeKafka)
    chosen.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})  # the source
    monkeypatch.setattr(
        "streamt.apply.deployment.systems_from_runtime", lambda runtime, environ: chosen
    )
    monkeypatch.setattr(
        "streamt.apply.deployment.preflight", lambda *args, **kw: None
    )  # fakes: no probe
    monkeypatch.setattr(apply_jobs, "await_running", lambda ctx, job_id, label="": None)
    return chosen


def _job(body: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in body["changes"] if c["kind"] == "flink_job")


def _insert(statements: list[str]) -> int:
    return next(i for i, s in enumerate(statements) if s.startswith("INSERT"))


Edit = Callable[[dict[str, Any]], None]
EDITS: dict[str, Edit] = {
    "statement": lambda b: _job(b)["desired"]["statements"].__setitem__(
        _insert(_job(b)["desired"]["statements"]),
        "INSERT INTO `events_clean` SELECT * FROM `other_secret_table`",
    ),
    "extra statement": lambda b: _job(b)["desired"]["statements"].insert(
        0, "SET 'table.exec.sink.not-null-enforcer' = 'DROP'"
    ),
    "job config": lambda b: _job(b)["desired"]["config"].__setitem__("parallelism.default", "64"),
    "topic partitions": lambda b: next(c for c in b["changes"] if c["kind"] == "topic")[
        "desired"
    ].__setitem__("partitions", 1),
    "extra resource": lambda b: b["changes"].append(
        {**next(c for c in b["changes"] if c["kind"] == "topic"), "name": "evil"}
    ),
    "dropped resource": lambda b: b["changes"].remove(
        next(c for c in b["changes"] if c["kind"] == "topic")
    ),
    "action": lambda b: _job(b).__setitem__("action", "replace"),
    "restore path": lambda b: _job(b).__setitem__("restore_from", "file:///elsewhere/savepoint"),
}


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
def test_an_edited_plan_file_is_refused_and_nothing_runs(
    systems: Systems, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit
) -> None:
    saved = tmp_path / "plan.json"
    assert main(["plan", "-p", QUICKSTART, "--out", str(saved), "--format", "json"]) == 0
    body = json.loads(saved.read_text())
    edit(body)  # the fingerprints are kept as they were
    saved.write_text(json.dumps(body))
    capsys.readouterr()
    code = main(["apply", "-p", QUICKSTART, "--plan", str(saved), "--auto-approve"])
    err = capsys.readouterr().err
    assert code == 1
    assert "A030" in err and str(saved) in err and "nothing was applied" in err
    assert isinstance(systems.flink, FakeFlink) and systems.flink.submitted == []
    assert isinstance(systems.kafka, FakeKafka) and list(systems.kafka.topics) == ["events.raw.v1"]


def test_the_unedited_plan_file_applies(
    systems: Systems, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "plan.json"
    assert main(["plan", "-p", QUICKSTART, "--out", str(saved), "--format", "json"]) == 0
    assert main(["apply", "-p", QUICKSTART, "--plan", str(saved), "--auto-approve"]) == 0
    assert isinstance(systems.flink, FakeFlink) and len(systems.flink.submitted) == 1


def test_a_plan_file_cannot_be_narrowed_or_widened_on_the_command_line(
    systems: Systems, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "plan.json"
    assert main(["plan", "-p", QUICKSTART, "--out", str(saved), "--format", "json"]) == 0
    for extra in (["--select", "events_clean"], ["--target", "events_clean"], ["--reset-state"]):
        argv = ["apply", "-p", QUICKSTART, "--plan", str(saved), "--auto-approve", *extra]
        assert main(argv) == 2
        assert "from the plan file" in capsys.readouterr().err
    assert isinstance(systems.flink, FakeFlink) and systems.flink.submitted == []


def test_connection_failures_are_exit_5_never_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "stream_project.yml").write_text(
        Path(QUICKSTART, "stream_project.yml")
        .read_text()
        .replace("localhost:9092", "127.0.0.1:9")
        .replace("localhost:8082", "127.0.0.1:9")
        .replace("localhost:8084", "127.0.0.1:9")
    )
    assert main(["plan", "-p", str(project)]) == 5
    # the preflight probe names the dead broker before the ledger read (A012) is tried
    assert "A060: cannot reach Kafka brokers at 127.0.0.1:9" in capsys.readouterr().err


def test_schema_test_that_cannot_reach_the_registry_is_an_error_not_a_pass() -> None:
    from streamt.load.model import TestType
    from streamt.testing.assertions import Assertion, AssertionKind, NotNull
    from streamt.testing.continuous_sql import TargetTable
    from streamt.testing.env import TestEnv
    from streamt.testing.results import RunSummary, Status, TestResult
    from streamt.testing.schema_tests import run_schema_test
    from streamt.testing.spec import ParsedTest

    class Down:
        calls = 0

        def list_subjects(self) -> list[object]:
            raise AdapterError("schema-registry", "cannot connect", transient=True)

    assertions = (Assertion(0, AssertionKind.NOT_NULL, NotNull(columns=("id",))),)
    spec = ParsedTest("t", "orders", TestType.SCHEMA, assertions)
    env = TestEnv(project="p", bootstrap="", registry=Down())  # type: ignore[arg-type]
    result = run_schema_test(spec, TargetTable("orders", "orders", (("id", "STRING"),)), env)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.message
    assert RunSummary((result,)).exit_code == 5
    failed = TestResult("f", "sample", "orders", Status.FAIL, "2 violations")
    assert RunSummary((result, failed)).exit_code == 4  # a data failure is still 4
    refused = AdapterError("schema-registry", "GET failed", status=401)
    assert not refused.unreachable  # a reply refusing the request is not "unreachable"
    assert AdapterError("x", "GET failed", status=503).unreachable


# ------------------------------------------------------------------ paths


def _copy_quickstart(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "stream_project.yml").write_text(Path(QUICKSTART, "stream_project.yml").read_text())
    return project


@pytest.mark.parametrize("linked", ["folder", "file"])
def test_compile_refuses_to_write_through_a_symlink_leaving_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], linked: str
) -> None:
    project = _copy_quickstart(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = project / "target"
    (target / "flink").parent.mkdir(parents=True, exist_ok=True)
    if linked == "folder":
        (target / "flink").symlink_to(elsewhere, target_is_directory=True)
    else:
        (target / "flink").mkdir()
        victim = elsewhere / "victim.txt"
        victim.write_text("keep me")
        (target / "flink" / "events_clean.sql").symlink_to(victim)
    code = main(["compile", "-p", str(project), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 1 and "V131" in err and "symlink" in err
    assert [p.name for p in elsewhere.iterdir()] == ([] if linked == "folder" else ["victim.txt"])
    if linked == "file":
        assert (elsewhere / "victim.txt").read_text() == "keep me"
    assert not (target / "manifest.json").exists()  # nothing written at all


def test_compile_writes_into_a_symlinked_output_directory_itself(tmp_path: Path) -> None:
    project = _copy_quickstart(tmp_path)
    real = tmp_path / "real-target"
    real.mkdir()
    (project / "target").symlink_to(real, target_is_directory=True)
    assert main(["compile", "-p", str(project), "--no-cache"]) == 0  # the output dir as chosen
    assert (real / "manifest.json").is_file()


@pytest.mark.parametrize("what", ["models folder", "sql file", "environment", "schemas.lock"])
def test_files_symlinked_from_outside_are_not_read_nor_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    project = _copy_quickstart(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_text = "SECRET_LINE: root:x:0:0:hunter2"  # not YAML a model would accept
    args = ["validate", "-p", str(project)]
    if what == "models folder":
        (outside / "m.yml").write_text(secret_text + "\n")
        (project / "models").symlink_to(outside, target_is_directory=True)
        shown = "models/m.yml"
    elif what == "sql file":
        (project / "models").mkdir()
        (outside / "x.sql").write_text(f"SELECT '{secret_text}' FROM nowhere")
        (project / "models" / "stolen.sql").symlink_to(outside / "x.sql")
        shown = "models/stolen.sql"
    elif what == "environment":
        (project / "environments").mkdir()
        (outside / "prod.yml").write_text(secret_text + "\n")
        (project / "environments" / "prod.yml").symlink_to(outside / "prod.yml")
        args += ["-e", "prod"]
        shown = "environments/prod.yml"
    else:
        (outside / "lock").write_text(secret_text + "\n")
        (project / "schemas.lock").symlink_to(outside / "lock")
        args = ["compile", "-p", str(project), "--dry-run", "--no-cache"]
        shown = "schemas.lock"
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 1
    assert "V132" in err and shown in err
    assert "hunter2" not in out + err and "SECRET_LINE" not in out + err


def test_an_unreachable_system_no_command_expected_is_exit_5_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise AdapterError("connect", "cannot connect", url="http://u:pw@c:8083", transient=True)

    monkeypatch.setattr("streamt.context.Context.build", down)
    assert main(["compile", "-p", QUICKSTART, "-o", str(tmp_path / "t")]) == 5
    err = capsys.readouterr().err
    assert "cannot connect" in err and "pw" not in err and "internal error" not in err

    def refused(*args: object, **kwargs: object) -> None:
        raise AdapterError("connect", "PUT failed", status=400)

    monkeypatch.setattr("streamt.context.Context.build", refused)
    assert main(["compile", "-p", QUICKSTART, "-o", str(tmp_path / "t")]) != 5  # a reply, not down
