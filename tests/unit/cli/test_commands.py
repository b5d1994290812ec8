import json
from pathlib import Path

import pytest

from streamt.cli import main
from tests.unit.load.helpers import write

VALID = """
project: {name: shop}
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: id, type: STRING}
      - {name: amount, type: DOUBLE}
models:
  - name: big_orders
    sql: |
      SELECT id, amount FROM {{ source("orders") }} WHERE amount > 100
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_valid_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"stream_project.yml": VALID})
    code, out, _ = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 0
    assert "Project 'shop' is valid (1 sources, 1 models, 0 tests, 0 exposures)." in out


def test_validate_reports_every_problem_placed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": VALID.replace("topic: orders.v1", "topik: orders.v1")
            + "  - name: b\n    sql: SELECT * FROM {{ ref('big_order') }}\n"
        },
    )
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 1
    assert "stream_project.yml:4:5: error L005: unknown key 'topik' in source 'orders'" in err
    assert "hint: did you mean 'topic'?" in err
    assert "error G001: ref(\"big_order\") refers to unknown model 'big_order'" in err
    assert "Validation failed" in err


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"stream_project.yml": VALID.replace("name: big_orders", "name: 'big orders'")})
    code, out, _ = run(["validate", "-p", str(tmp_path), "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False and payload["project"] == "shop"
    l040 = [d for d in payload["diagnostics"] if d["code"] == "L040"]
    assert l040 == [
        {
            "code": "L040",
            "severity": "error",
            "file": "stream_project.yml",
            "line": 9,
            "column": 5,
            "message": "model name 'big orders' contains whitespace",
            "hint": l040[0]["hint"],
            "node": "model.shop.big orders",
        }
    ]


def test_strict_turns_warnings_into_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": VALID + "    advanced: {flink: {state_ttl_ms: 10}}\n"})
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 0 and "warning V014" in err
    code, _, err = run(["validate", "-p", str(tmp_path), "--strict"], capsys)
    assert code == 1 and "(--strict: warnings fail)" in err


def test_lineage_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"stream_project.yml": VALID})
    code, out, _ = run(["lineage", "-p", str(tmp_path)], capsys)
    assert (code, out) == (0, "orders [source]\n└── big_orders [model]\n")
    code, out, _ = run(["lineage", "-p", str(tmp_path), "--format", "mermaid"], capsys)
    assert out == (
        'flowchart LR\n  n0[("source: orders")]\n  n1["model: big_orders"]\n  n0 --> n1\n'
    )
    code, out, _ = run(
        ["lineage", "-p", str(tmp_path), "-m", "big_orders", "--upstream", "--format", "json"],
        capsys,
    )
    assert [n["name"] for n in json.loads(out)["nodes"]] == ["orders", "big_orders"]


def test_lineage_unknown_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"stream_project.yml": VALID})
    code, _, err = run(["lineage", "-p", str(tmp_path), "-m", "big_order"], capsys)
    assert code == 1
    assert "error G010: selector 'big_order' matches no node" in err
    assert "did you mean 'big_orders'?" in err


def test_missing_project_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 1
    assert "error L001: no stream_project.yml found in" in err


def test_a_node_that_failed_to_load_is_not_reported_again_as_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": VALID.replace("topic: orders.v1", "topik: orders.v1")})
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 1
    assert "L005" in err and "G002" not in err


def test_compile_writes_artifacts_and_honours_select(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = VALID + "  - name: small_orders\n    sql: SELECT id FROM {{ source('orders') }}\n"
    write(tmp_path, {"stream_project.yml": text})
    out = tmp_path / "out"
    code, stdout, _ = run(
        ["compile", "-p", str(tmp_path), "-o", str(out), "--format", "json"], capsys
    )
    payload = json.loads(stdout)
    assert code == 0 and payload["artifacts"]["flink jobs"] == 2
    assert (out / "manifest.json").is_file()
    code, stdout, _ = run(
        ["compile", "-p", str(tmp_path), "--dry-run", "--select", "big_orders", "--format", "json"],
        capsys,
    )
    payload = json.loads(stdout)
    assert payload["artifacts"]["flink jobs"] == 1 and payload["output"] is None
    code, _, err = run(["compile", "-p", str(tmp_path), "--select", "nope"], capsys)
    assert code == 1 and "G010" in err


def test_streamt_env_is_ignored_without_environments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"stream_project.yml": VALID})
    monkeypatch.setenv("STREAMT_ENV", "prod")
    code, _, _ = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 0
    write(tmp_path, {"environments/dev.yml": "environment: {description: dev}\n"})
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 1 and "L012" in err and "available: dev" in err


def test_validate_includes_data_test_checks_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    column = "tests:\n  - {name: t1, model: big_orders, type: schema, assertions: [{not_null: {columns: [idd]}}]}\n"
    write(tmp_path, {"stream_project.yml": VALID + column})
    code, out, _ = run(["validate", "-p", str(tmp_path), "--format", "json"], capsys)
    found = [(d["code"], d["line"], d["hint"]) for d in json.loads(out)["diagnostics"]]
    assert code == 1
    assert ("T007", 13, "did you mean 'id'?") in found  # known from the compiled model
    target = "tests:\n  - {name: t2, model: big_order, type: schema}\n"
    write(tmp_path, {"stream_project.yml": VALID + target})
    code, out, _ = run(["validate", "-p", str(tmp_path), "--format", "json"], capsys)
    errors = [d["code"] for d in json.loads(out)["diagnostics"] if d["severity"] == "error"]
    assert errors == ["G001"]  # not also T008 (the sound model's own info, C012, is reported)


def test_compile_refuses_a_project_that_breaks_a_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": VALID + "rules: {topics: {min_partitions: 3}}\n"})
    code, _, err = run(["compile", "-p", str(tmp_path), "--dry-run"], capsys)
    assert code == 1
    assert "error V030: topic 'big_orders' has partitions 1" in err


def test_unreadable_schema_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"stream_project.yml": VALID, "schemas.lock": "{not json"})
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 1 and "schemas.lock: error L020: cannot read schemas.lock" in err


def test_lineage_model_naming_two_nodes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = VALID.replace("name: big_orders", "name: orders")
    write(tmp_path, {"stream_project.yml": text.replace("topic: orders.v1", "topic: raw.v1")})
    code, _, err = run(["lineage", "-p", str(tmp_path), "-m", "orders"], capsys)
    assert code == 1 and "error G011: 'orders' names several nodes" in err
    code, out, _ = run(["lineage", "-p", str(tmp_path), "-m", "model:orders"], capsys)
    assert code == 0 and "orders [model]" in out


def test_select_state_modified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two = (
        VALID
        + "  - name: doubled\n    sql: SELECT id, amount * 2 AS amount FROM {{ ref('big_orders') }}\n"
    )
    write(tmp_path, {"stream_project.yml": two})
    out = tmp_path / "before"
    assert run(["compile", "-p", str(tmp_path), "-o", str(out)], capsys)[0] == 0
    args = ["compile", "-p", str(tmp_path), "--dry-run", "--format", "json", "--state", str(out)]
    code, stdout, _ = run([*args, "--select", "state:modified"], capsys)
    assert code == 0 and json.loads(stdout)["artifacts"]["flink jobs"] == 0
    write(tmp_path, {"stream_project.yml": two.replace("amount > 100", "amount > 200")})
    code, stdout, _ = run([*args, "--select", "state:modified"], capsys)
    assert json.loads(stdout)["artifacts"]["flink jobs"] == 1  # big_orders only
    code, stdout, _ = run([*args, "--select", "state:modified+"], capsys)
    assert json.loads(stdout)["artifacts"]["flink jobs"] == 2  # and what reads it
    code, _, err = run(["compile", "-p", str(tmp_path), "--select", "state:modified"], capsys)
    assert code == 1 and "G012" in err
