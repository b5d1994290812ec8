"""One flag vocabulary: `-s/--select`, `--exclude` and `--state` mean the same on compile, plan,
apply, test, validate and docs generate; `-t` is `--target` (a model) everywhere, test types
are `--type`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streamt.cli import main

QUICKSTART = str(Path(__file__).resolve().parents[3] / "examples" / "quickstart")


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """s -> a -> b, and a sample test on each model."""
    (tmp_path / "stream_project.yml").write_text(
        "project:\n  name: chain\n"
        "sources:\n  - name: s\n    topic: s.v1\n    columns:\n      - {name: id, type: BIGINT}\n"
        "models:\n"
        "  - name: a\n    sql: SELECT id FROM {{ source('s') }} WHERE id > 0\n"
        "  - name: b\n    sql: SELECT id FROM {{ ref('a') }} WHERE id > 1\n"
        "tests:\n"
        "  - {name: a_ids, model: a, type: sample, assertions: [not_null: {columns: [id]}]}\n"
        "  - {name: b_ids, model: b, type: sample, assertions: [not_null: {columns: [id]}]}\n"
    )
    return tmp_path


def _compiled(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, int]:
    assert main(["compile", *argv, "--dry-run", "--format", "json"]) == 0
    return dict(json.loads(capsys.readouterr().out)["artifacts"])


def test_compile_exclude_takes_nodes_out_of_the_selection(
    chain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _compiled(capsys, "-p", str(chain))["flink jobs"] == 2
    assert _compiled(capsys, "-p", str(chain), "--exclude", "b")["flink jobs"] == 1
    assert _compiled(capsys, "-p", str(chain), "-s", "a+", "--exclude", "a")["flink jobs"] == 1
    assert _compiled(capsys, "-p", str(chain), "--exclude", "s+")["flink jobs"] == 0


def test_a_bad_exclude_selector_is_g010(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "-p", str(chain), "--dry-run", "--exclude", "nope"]) == 1
    assert "G010" in capsys.readouterr().err


def test_plan_and_apply_exclude_and_state(
    systems: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plan", "-p", QUICKSTART, "--format", "json"]
    assert main([*argv, "--exclude", "events_clean"]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []
    assert main([*argv, "-s", "state:modified"]) == 1  # nothing to compare with
    assert "G012" in capsys.readouterr().err
    state = tmp_path / "state"
    assert main(["compile", "-p", QUICKSTART, "-o", str(state), "--no-cache"]) == 0
    capsys.readouterr()
    assert main([*argv, "-s", "state:modified", "--state", str(state)]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []  # nothing changed since
    assert main(["apply", "-p", QUICKSTART, "--auto-approve", "--exclude", "events_clean"]) == 0
    assert "No changes" in capsys.readouterr().out
    assert main(["plan", "-p", QUICKSTART, "--detailed-exitcode"]) == 3  # still all to do


def _captured_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `test` asked the test session for (it stops there: no system is reached)."""
    from streamt.diagnostics import StreamtError

    seen: dict[str, Any] = {}

    def build_options(**kwargs: Any) -> None:
        seen.update(kwargs)
        raise StreamtError([])

    monkeypatch.setattr("streamt.testing.options.build_options", build_options)
    return seen


def test_test_exclude_and_target(
    chain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _captured_options(monkeypatch)
    main(["test", "-p", str(chain), "--exclude", "test:b_ids"])
    assert seen["selected"] is True and "b_ids" not in seen["tests"] and "a_ids" in seen["tests"]
    seen.clear()
    main(["test", "-p", str(chain), "-t", "b"])
    assert seen["targets"] == {"b"} and seen["selected"] is False


def test_dash_t_sample_on_test_names_the_type_option(
    chain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "-p", str(chain), "-t", "sample"]) == 2
    err = capsys.readouterr().err
    assert "-t is --target" in err and "--type sample" in err


def test_lineage_select_and_exclude(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def shown(*argv: str) -> set[str]:
        assert main(["lineage", "-p", str(chain), "--format", "json", *argv]) == 0
        return {n["name"] for n in json.loads(capsys.readouterr().out)["nodes"]}

    assert shown() == {"s", "a", "b"}
    assert shown("--exclude", "b") == {"s", "a"}
    assert shown("-s", "+a") == {"s", "a"}
    assert shown("-m", "a", "--downstream", "--exclude", "b") == {"a"}


def test_status_select_and_exclude(systems: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", "-p", QUICKSTART, "--auto-approve"]) == 0
    capsys.readouterr()

    def rows(*argv: str) -> set[tuple[str, str]]:
        assert main(["status", "-p", QUICKSTART, "--format", "json", *argv]) == 0
        return {(r["kind"], r["name"]) for r in json.loads(capsys.readouterr().out)["resources"]}

    everything = {("topic", "events_clean"), ("flink_job", "events_clean")}
    assert rows() == everything
    assert rows("-s", "events_clean") == everything
    assert rows("--exclude", "events_clean") == set()
    assert rows("-s", "source:events") == set()  # a source has no resource of its own


def _validated(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> dict[str, Any]:
    main(["validate", "-p", str(root), "--format", "json", *argv])
    return dict(json.loads(capsys.readouterr().out))


def test_validate_checks_everything_and_reports_only_the_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    root = tmp_path / "qs"
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns("target"))
    whole = _validated(capsys, root, "--strict")
    codes = {(d["code"], d["node"]) for d in whole["diagnostics"]}
    src, model = "source.my-pipeline.events", "model.my-pipeline.events_clean"
    assert codes == {("C020", src), ("C012", model)} and not whole["ok"]  # a warning on the source
    for argv in (["-s", "events_clean"], ["--exclude", "events"]):
        # the source's warning is not reported, so --strict passes; the model's info stays
        chosen = _validated(capsys, root, "--strict", *argv)
        assert [(d["code"], d["node"]) for d in chosen["diagnostics"]] == [("C012", model)]
        assert chosen["ok"] and chosen["counts"] == whole["counts"]
    cached = _validated(capsys, root, "--strict", "-s", "events")  # the result cache: filtered
    assert [(d["code"], d["node"]) for d in cached["diagnostics"]] == [("C020", src)]
    assert cached["cached"] and not cached["ok"]


def test_docs_generate_select_writes_pages_of_the_chosen_nodes_only(
    chain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def pages(*argv: str) -> list[str]:
        out = chain / "site"
        if out.exists():
            import shutil

            shutil.rmtree(out)
        assert main(["docs", "generate", "-p", str(chain), "-o", str(out), *argv]) == 0
        return sorted(p.stem for p in (out / "nodes").glob("*.html"))

    every = pages()
    assert [p.split(".")[0] for p in every] == ["model", "model", "source", "test", "test"]
    assert pages("-s", "+b", "--exclude", "s") == ["model.chain.a", "model.chain.b"]
    assert pages("-s", "a+") == [
        "model.chain.a",
        "model.chain.b",
        "test.chain.a_ids",
        "test.chain.b_ids",
    ]
    capsys.readouterr()
