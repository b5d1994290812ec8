"""`streamt init`: what the scaffold holds, that it validates clean, and its refusals."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from streamt.adapters.protocols import SubjectState
from streamt.cli import main
from streamt.scaffold import schema_path
from streamt.scaffold.cluster import Listing, drafts, source_name

FILES = [
    ".env.example",
    ".gitignore",
    "README.md",
    "environments/dev.yml",
    "models/events_clean.sql",
    "models/events_clean.yml",
    "sources/events.yml",
    "stream_project.yml",
    "tests/events_clean.yml",
]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_no_input_scaffold_validates_clean_with_every_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "shop-events"
    assert main(["init", str(root), "--no-input"]) == 0
    assert _files(root) == FILES
    first = (root / "stream_project.yml").read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={schema_path().as_uri()}"
    assert schema_path().is_file()
    assert "target/" in (root / ".gitignore").read_text().splitlines()
    assert "name: shop-events" in (root / "stream_project.yml").read_text()
    assert "topic: events.raw.v1" in (root / "sources" / "events.yml").read_text()
    capsys.readouterr()
    for argv in (["validate", "--strict"], ["validate", "--strict", "-e", "dev"]):
        assert main([*argv, "-p", str(root), "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["ok"] and report["counts"] == {
            "sources": 1,
            "models": 1,
            "tests": 1,
            "exposures": 0,
        }
        assert not [d for d in report["diagnostics"] if d["severity"] != "info"]


def test_interactive_answers_name_the_project_and_the_source_topic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from click.testing import CliRunner

    from streamt.cli.commands.init import init_command

    root = tmp_path / "p"
    result = CliRunner().invoke(init_command, [str(root)], input="orders-app\norders.raw.v2\n")
    assert result.exit_code == 0, result.output
    assert "Project name [p]:" in result.output and "Source topic [events.raw.v1]:" in result.output
    assert "name: orders-app" in (root / "stream_project.yml").read_text()
    assert "topic: orders.raw.v2" in (root / "sources" / "events.yml").read_text()
    assert "streamt local produce orders.raw.v2" in (root / "README.md").read_text()


def test_init_never_overwrites_a_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stream_project.yml").write_text("project: {name: mine}\n")
    assert main(["init", str(tmp_path), "--no-input"]) == 1
    err = capsys.readouterr().err
    assert "error L091" in err and "stream_project.yml" in err
    assert (tmp_path / "stream_project.yml").read_text() == "project: {name: mine}\n"
    assert _files(tmp_path) == ["stream_project.yml"]  # nothing else written either


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["--name", "bad name!"], "project name 'bad name!'"),
        (["--topic", "x/../y"], "topic 'x/../y'"),
    ],
)
def test_a_name_outside_the_policy_is_refused(
    argv: list[str], what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "p"), "--no-input", *argv]) == 2
    err = capsys.readouterr().err
    assert "error L090" in err and what in err
    assert not (tmp_path / "p").exists()


def test_from_cluster_fails_fast_naming_an_unreachable_kafka(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    argv = ["init", str(tmp_path / "p"), "--from-cluster", "--no-input"]
    assert main([*argv, "--bootstrap-servers", f"127.0.0.1:{port}"]) == 5
    assert time.monotonic() - start < 5
    err = capsys.readouterr().err
    assert "error L092" in err and f"127.0.0.1:{port}" in err
    assert not (tmp_path / "p").exists()


AVRO = json.dumps(
    {
        "type": "record",
        "name": "R",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "n", "type": ["null", "long"], "default": None},
        ],
    }
)


def test_drafts_take_columns_from_the_value_subject() -> None:
    listing = Listing(
        ("orders.v1", "9lives", "raw-proto"),
        {
            "orders.v1-value": SubjectState("orders.v1-value", 3, 7, "AVRO", AVRO),
            "raw-proto-value": SubjectState("raw-proto-value", 1, 8, "PROTOBUF", "syntax..."),
        },
    )
    found, diags = drafts(listing, ["orders.v1", "9lives", "raw-proto", "absent"])
    assert [(d.name, d.topic, d.columns, d.format) for d in found] == [
        ("orders_v1", "orders.v1", (("id", "STRING"), ("n", "BIGINT")), "avro-confluent"),
        ("t_9lives", "9lives", (), ""),
        ("raw_proto", "raw-proto", (), ""),
    ]
    assert [(d.code, d.severity.value) for d in diags] == [("L094", "warning"), ("L093", "error")]
    assert "PROTOBUF" in diags[0].message and "'absent'" in diags[1].message
    assert source_name("a.b-c") == "a_b_c"


def test_a_folder_without_a_project_points_at_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["debug", "-p", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error L001" in err and "`streamt init` creates a project" in err


def test_format_json_implies_no_input_so_stdout_is_one_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a prompt would read EOF and abort
    root = tmp_path / "quiet"
    assert main(["init", str(root), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "Project name" not in out and "Source topic" not in out
    assert json.loads(out)["project"] == "quiet"  # the whole of stdout is the document
    assert "name: quiet" in (root / "stream_project.yml").read_text()
    assert "topic: events.raw.v1" in (root / "sources" / "events.yml").read_text()
