"""`streamt docs generate` and `streamt lineage --column` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.cli import main
from tests.unit.compile.helpers import EXAMPLES
from tests.unit.load.helpers import write

PROJECT = """
project: {name: shop}
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: id, type: STRING}
      - {name: amount, type: DOUBLE}
models:
  - name: big_orders
    sql: SELECT id, amount * 2 AS doubled FROM {{ source("orders") }} WHERE amount > 100
  - name: orders
    sql: SELECT id FROM {{ source("orders") }}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_docs_generate_writes_target_docs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT})
    code, out, _ = run(["docs", "generate", "-p", str(tmp_path)], capsys)
    assert code == 0
    assert (tmp_path / "target" / "docs" / "index.html").is_file()
    assert "target/docs/index.html" in out
    assert (tmp_path / "target" / "docs" / "nodes" / "model.shop.big_orders.html").is_file()


def test_docs_generate_refuses_a_broken_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT.replace("amount * 2", "nope * 2")})
    code, _, err = run(["docs", "generate", "-p", str(tmp_path)], capsys)
    assert code == 1
    assert "nope" in err and not (tmp_path / "target" / "docs").exists()


def test_lineage_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT})
    code, out, _ = run(["lineage", "-p", str(tmp_path), "--column", "big_orders.doubled"], capsys)
    assert (code, out.splitlines()) == (
        0,
        [
            "big_orders.doubled [model]",
            "  made from:",
            "    orders.amount [source] -> big_orders.doubled [model] (expression)",
            "  used by: nothing",
        ],
    )
    # `orders` names a source and a model: the kind prefix picks one
    code, out, _ = run(
        ["lineage", "-p", str(tmp_path), "-c", "source:orders.id", "--format", "json"], capsys
    )
    assert code == 0
    assert {e["to"]["node"] for e in json.loads(out)["downstream"]} == {
        "model.shop.big_orders",
        "model.shop.orders",
    }


@pytest.mark.parametrize(
    ("spec", "code", "text"),
    [
        ("big_orders.dubled", "V171", "did you mean 'doubled'?"),
        ("big_orders", "V170", "NODE.COLUMN"),
        ("orders.id", "V170", "model:NAME.COLUMN"),
        ("nowhere.id", "G010", "matches no node"),
    ],
)
def test_lineage_column_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, code: str, text: str
) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT})
    status, _, err = run(["lineage", "-p", str(tmp_path), "--column", spec], capsys)
    assert status == 1
    assert f"error {code}" in err and text in err


def test_lineage_column_does_not_combine_with_model(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["lineage", "-p", str(EXAMPLES / "payments"), "-c", "payments_eur.amount", "-m", "x"]
    status, _, err = run(args, capsys)
    assert status == 2 and "--column does not combine" in err


def test_docs_serve_serves_and_rebuilds_on_change(tmp_path: Path) -> None:
    import queue
    import subprocess
    import sys
    import threading
    import time

    import httpx

    write(tmp_path, {"stream_project.yml": PROJECT})
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamt", "docs", "serve", "-p", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    out = proc.stdout
    assert out is not None

    def pump() -> None:
        for line in out:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        first = lines.get(timeout=60)
        assert first.startswith("Serving "), first
        url = first.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        page = httpx.get(url.replace("index.html", "nodes/model.shop.big_orders.html"))
        assert page.status_code == 200 and "doubled" in page.text
        time.sleep(1.1)  # a new modification time
        (tmp_path / "stream_project.yml").write_text(
            PROJECT.replace("AS doubled", "AS tripled"), encoding="utf-8"
        )
        assert lines.get(timeout=60).startswith("rebuilt in ")
        page = httpx.get(url.replace("index.html", "nodes/model.shop.big_orders.html"))
        assert "tripled" in page.text and "doubled" not in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
