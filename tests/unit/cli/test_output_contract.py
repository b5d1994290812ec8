"""The exit-code and `--format json` contract (`streamt.cli.output`): every command that reports
writes exactly one JSON document on stdout, failures included, valid against its checked-in
schema; and every exit code of the contract is reachable from the command line."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from streamt.cli import main
from streamt.cli.output import PAYLOADS, SCHEMAS, ExitCode, output_schema, schema_file_name

QUICKSTART = str(Path(__file__).resolve().parents[3] / "examples" / "quickstart")

BROKEN = "project:\n  name: broken\nmodelz: []\n"  # an unknown key: the project does not load


def _document(capsys: pytest.CaptureFixture[str], command: str) -> dict[str, Any]:
    out = capsys.readouterr().out
    body = json.loads(out)  # the whole of stdout is one document
    assert isinstance(body, dict)
    jsonschema.validate(body, json.loads((SCHEMAS / schema_file_name(command)).read_text()))
    return body


def test_the_checked_in_schemas_are_the_generated_ones() -> None:
    if os.environ.get("STREAMT_UPDATE_GOLDENS"):
        from streamt.cli.output import write_schemas

        write_schemas(SCHEMAS)
    for command in PAYLOADS:
        committed = json.loads((SCHEMAS / schema_file_name(command)).read_text())
        assert committed == output_schema(command), f"{command}: STREAMT_UPDATE_GOLDENS=1"
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(
        schema_file_name(c) for c in PAYLOADS
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    (tmp_path / "stream_project.yml").write_text(BROKEN)
    return tmp_path


FAILING = [
    ("validate", []),
    ("compile", []),
    ("lineage", []),
    ("plan", []),
    ("apply", ["--auto-approve"]),
    ("destroy", ["--auto-approve"]),
    ("status", []),
    ("test", []),
    ("debug", []),
    ("rollback", ["some_model"]),
    ("schemas pull", []),
    ("docs generate", []),
    ("envs show", ["dev"]),
]


@pytest.mark.parametrize(("command", "extra"), FAILING, ids=[c for c, _ in FAILING])
def test_json_on_a_project_that_does_not_load(
    command: str, extra: list[str], broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*command.split(), "-p", str(broken), *extra, "--format", "json"])
    body = _document(capsys, command)
    assert code == body["exit_code"] == ExitCode.PROJECT_ERRORS and body["ok"] is False
    assert body["command"] == command
    unknown_key = [d for d in body["diagnostics"] if d["code"] == "L005"]
    assert [(d["file"], d["line"]) for d in unknown_key] == [("stream_project.yml", 3)]
    assert all(d["severity"] == "error" for d in body["diagnostics"])


def test_json_of_envs_list_and_init_when_they_fail(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (broken / "environments").mkdir()
    (broken / "environments" / "dev.yml").write_text("environment: {name: dev}\nbogus: 1\n")
    assert main(["envs", "list", "-p", str(broken), "--format", "json"]) == 1
    listed = _document(capsys, "envs list")
    assert listed["ok"] is False and listed["environments"][0]["errors"] > 0
    assert main(["init", str(broken), "--no-input", "--format", "json"]) == 1
    refused = _document(capsys, "init")
    assert refused["exit_code"] == 1 and [d["code"] for d in refused["diagnostics"]] == ["L091"]
    assert "files" not in refused  # no payload: nothing was written


# ---- every exit code of the contract ---------------------------------------------------------


def test_exit_0_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-p", QUICKSTART, "--format", "json", "--no-cache"]) == 0
    body = _document(capsys, "validate")
    assert body["ok"] is True and body["exit_code"] == 0 and body["project"] == "my-pipeline"


def test_exit_2_usage_after_parsing_is_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["lineage", "-p", QUICKSTART, "--column", "a.b", "--upstream", "--format", "json"]
    assert main(argv) == ExitCode.USAGE
    body = _document(capsys, "lineage")
    assert body["exit_code"] == 2 and body["diagnostics"][0]["code"] == "A100"
    assert "--column does not combine" in body["diagnostics"][0]["message"]


def test_exit_2_for_a_bad_option_value_after_format_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["test", "-p", QUICKSTART, "--format", "json", "--type", "nope"]) == 2
    body = _document(capsys, "test")
    assert body["exit_code"] == 2 and "nope" in body["diagnostics"][0]["message"]


def test_exit_3_changes_pending_and_apply_destroy_documents(
    systems: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "-p", QUICKSTART, "--detailed-exitcode", "--format", "json"]) == 3
    planned = _document(capsys, "plan")
    assert planned["ok"] is True and planned["exit_code"] == 3
    assert {c["name"] for c in planned["changes"]} == {"events_clean"}
    assert main(["apply", "-p", QUICKSTART, "--auto-approve", "--format", "json"]) == 0
    applied = _document(capsys, "apply")
    steps = {(s["kind"], s["name"], s["action"], s["ok"]) for s in applied["steps"]}
    assert steps == {
        ("topic", "events_clean", "create", True),
        ("flink_job", "events_clean", "create", True),
    }
    assert applied["plan"]["project"] == "my-pipeline" and applied["dry_run"] is False
    assert main(["destroy", "-p", QUICKSTART, "--auto-approve", "--format", "json"]) == 0
    destroyed = _document(capsys, "destroy")
    assert {(s["name"], s["action"]) for s in destroyed["steps"]} == {("events_clean", "delete")}


def test_a_refusal_is_a_json_document(systems: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", "-p", QUICKSTART, "--format", "json"]) == 1  # no terminal: A007
    refused = _document(capsys, "apply")
    assert [d["code"] for d in refused["diagnostics"]] == ["A007"]
    assert refused["steps"] == [] and refused["plan"]["changes"]  # what would have run


def test_exit_4_a_data_test_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from streamt.context import Context
    from streamt.testing.results import Status, TestResult

    failed = TestResult("t", "sample", "events_clean", Status.FAIL, "2 rows violate not_null")
    monkeypatch.setattr(Context, "test", lambda self, *a, **kw: [failed])
    assert main(["test", "-p", QUICKSTART, "--format", "json"]) == ExitCode.TESTS_FAILED
    body = _document(capsys, "test")
    assert body["exit_code"] == 4 and body["ok"] is False
    assert body["results"][0]["status"] == "fail"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_exit_5_unreachable_kafka(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = _closed_port()
    (tmp_path / "stream_project.yml").write_text(
        "project:\n  name: lonely\n"
        f"runtime:\n  kafka:\n    bootstrap_servers: 127.0.0.1:{port}\n"
        "sources:\n  - name: s\n    topic: s.v1\n"
    )
    assert main(["plan", "-p", str(tmp_path), "--format", "json"]) == ExitCode.UNREACHABLE
    body = _document(capsys, "plan")
    assert body["exit_code"] == 5 and body["diagnostics"][0]["code"] == "A060"
    assert f"127.0.0.1:{port}" in body["diagnostics"][0]["message"]


def test_exit_70_a_bug_is_a_json_document_and_a_crash_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from streamt.context import Context

    def boom(self: Context, **kw: object) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(Context, "validate", boom)
    assert main(["validate", "-p", QUICKSTART, "--format", "json"]) == ExitCode.BUG
    captured = capsys.readouterr()
    body = json.loads(captured.out)
    jsonschema.validate(body, output_schema("validate"))
    assert body["exit_code"] == 70 and body["diagnostics"][0]["code"] == "A109"
    assert "RuntimeError: planted" in body["diagnostics"][0]["message"]
    assert "streamt-crash-" in captured.err


def test_text_runs_print_no_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", "-p", QUICKSTART, "--no-cache"]) == 0
    assert "output_version" not in capsys.readouterr().out
    # commands whose JSON payload is built on every run print it only with --format json
    # (docs generate and init printed a JSON dump after their text lines)
    assert main(["docs", "generate", "-p", QUICKSTART, "--output", str(tmp_path / "site")]) == 0
    assert main(["init", str(tmp_path / "new"), "--no-input"]) == 0
    out = capsys.readouterr().out
    assert "Documentation written to" in out and "Created project" in out
    assert not [line for line in out.splitlines() if line.startswith(("{", "}"))], out
