"""Class 4: one name policy for every kind of name, applied at load (L040, placed on the key).

Payloads: a project name that writes a `DROP TABLE` line or terminal escapes, a `/` that
reaches another project's ledger keys, `.` / `..` subjects (HTTP clients normalise the path),
look-alike Unicode names; every one refused at load with file:line, and never echoed raw to a
terminal. Artifact file names stay collision-free.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.artifacts import render_artifacts
from streamt.context import Context
from streamt.diagnostics import Diagnostic, Location, StreamtError, terminal_safe
from streamt.load.names import NameKind, name_problem
from tests.unit.compile.helpers import EXAMPLES, compile_dir
from tests.unit.load.helpers import load

SOURCE = """\
sources:
  - name: orders
    topic: orders.v1
    columns: [{name: id, type: STRING}]
"""


def _l040(tmp_path: Path, text: str) -> list[Diagnostic]:
    result = load(tmp_path, text)
    return [d for d in result.diagnostics if d.code == "L040"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("shop\nDROP TABLE orders;", "contains whitespace"),
        ("shop\x1b[2J\x1b[31m", "contains a control character (U+001B)"),
        ("other/../shop", "contains a slash"),
        ("shop\u202e", "contains a control character (U+202E)"),
        ("ѕhop", "contains a non-ASCII character 'ѕ' (U+0455 cyrillic small letter dze)"),
        (".hidden", "starts with '.'"),
        ("", "is empty"),
    ],
)
def test_hostile_project_names_are_refused_at_load(tmp_path: Path, name: str, problem: str) -> None:
    quoted = name.encode("unicode_escape").decode().replace('"', '\\"')
    (diag,) = _l040(tmp_path, f'project:\n  name: "{quoted}"\n' + SOURCE)
    assert diag.is_error and diag.location == Location("stream_project.yml", 2, 3)
    assert diag.message.endswith(problem), diag.message
    rendered = diag.render()
    assert "\x1b" not in rendered and "\u202e" not in rendered
    assert "\nDROP TABLE" not in rendered  # the newline is shown escaped, not as a new line


def test_bad_project_name_never_reaches_a_job_file(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(
        'project:\n  name: "shop\\nDROP TABLE orders;"\n'
        + SOURCE
        + "models:\n  - name: m\n    sql: SELECT id FROM {{ source('orders') }}\n",
        encoding="utf-8",
    )
    ctx = Context(tmp_path)
    assert any(d.code == "L040" for d in ctx.validate().diagnostics)
    with pytest.raises(StreamtError) as raised:  # compile refuses it: nothing is written
        ctx.build(tmp_path / "target", None, False, use_cache=False)
    assert "L040" in {d.code for d in raised.value.diagnostics}
    assert not (tmp_path / "target" / "flink").exists()


@pytest.mark.parametrize(
    ("yaml_key", "text", "kind", "line"),
    [
        (
            "subject",
            "sources:\n  - name: s\n    topic: t\n    schema: {subject: '..'}\n",
            "subject",
            5,
        ),
        (
            "subject",
            "sources:\n  - name: s\n    topic: t\n    schema: {subject: '.'}\n",
            "subject",
            5,
        ),
        (
            "subject",
            "sources:\n  - name: s\n    topic: t\n    schema: {subject: 'a/../b'}\n",
            "subject",
            5,
        ),
        ("source", "sources:\n  - name: 'a/b'\n    topic: t\n", "source", 3),
        ("model", "models:\n  - name: 'm\u0430'\n    sql: SELECT 1\n", "model", 3),  # Cyrillic a
        ("model", "models:\n  - name: '..'\n    sql: SELECT 1\n", "model", 3),
        ("test", "tests:\n  - name: 't t'\n    model: m\n    type: sample\n", "test", 3),
        ("exposure", "exposures:\n  - name: 'e;x'\n    type: application\n", "exposure", 3),
        (
            "virtual topic",
            "models:\n  - name: m\n    sql: SELECT 1\n    gateway: {virtual_topic: {name: '../t'}}\n",
            "topic",
            5,
        ),
    ],
)
def test_every_kind_of_name_follows_the_policy(
    tmp_path: Path, yaml_key: str, text: str, kind: str, line: int
) -> None:
    found = _l040(tmp_path, "project: {name: p}\n" + text)
    assert [d.message.split(" name ")[0] for d in found] == [kind], (yaml_key, found)
    assert found[0].location.file == "stream_project.yml"
    assert found[0].location.line == line  # the line of the key holding the name


def test_policy_is_one_function_for_every_kind() -> None:
    for kind in NameKind:
        assert name_problem(kind, "orders_v1") == ""
        for bad in ("a/b", "a b", "a\nb", "a\x1bb", "..", ".", "", "a`b", "a'b", "ａ"):
            assert name_problem(kind, bad), (kind, bad)
    assert name_problem(NameKind.ENVIRONMENT, "prod.eu")  # environments: no dots (file names)
    assert name_problem(NameKind.TOPIC, "t" * 249) == "" and name_problem(NameKind.TOPIC, "t" * 250)
    assert name_problem(NameKind.MODEL, "m" * 128) == "" and name_problem(NameKind.MODEL, "m" * 129)


def test_examples_follow_the_policy(tmp_path: Path) -> None:
    for example in sorted(EXAMPLES.iterdir()):
        _, diags = compile_dir(example)
        assert not [d for d in diags if d.code == "L040"], example


def test_terminal_safe_escapes_control_and_format_characters() -> None:
    assert terminal_safe("a\x1b[31mb\u202ec\x9b") == "a\\x1b[31mb\\u202ec\\u009b"
    assert terminal_safe("line\nnext") == "line\\nnext"
    assert terminal_safe("line\nnext", keep_newlines=True) == "line\nnext"
    assert terminal_safe("plain 'text' é") == "plain 'text' é"


def test_artifact_file_names_never_collide(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(
        "project: {name: p}\n"
        "sources:\n  - name: s\n    topic: s.v1\n    columns: [{name: id, type: STRING}]\n"
        "models:\n"
        "  - name: Orders\n    sql: SELECT id FROM {{ source('s') }}\n"
        "  - name: orders\n    sql: SELECT id FROM {{ source('s') }}\n",
        encoding="utf-8",
    )
    result, diags = compile_dir(tmp_path)
    assert result.ok, [d.render() for d in result.diagnostics + diags]
    files = render_artifacts(result)
    jobs = sorted(f for f in files if f.startswith("flink/"))
    topics = sorted(f for f in files if f.startswith("topics/"))
    assert len(jobs) == 2 and len({f.casefold() for f in jobs}) == 2, jobs
    assert len(topics) == 2 and len({f.casefold() for f in topics}) == 2, topics
    scripts = {files[f].splitlines()[0] for f in jobs}
    assert scripts == {"-- streamt job streamt.p.Orders", "-- streamt job streamt.p.orders"}


@pytest.mark.parametrize("env", ["../prod", "prod.eu", "pr\x1bod", "prоd", "."])
def test_environment_names_follow_the_policy(tmp_path: Path, env: str) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "stream_project.yml").write_text("project: {name: p}\n" + SOURCE)
    from streamt.load import load_project

    result = load_project(tmp_path, env=env)
    (diag,) = [d for d in result.diagnostics if d.code == "L012"]
    assert diag.message.startswith("invalid environment name") and "\x1b" not in diag.render()
