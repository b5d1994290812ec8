"""Golden artifacts of the example projects (compiled SQL + manifest + every artifact file).

Regenerate after an intended change with:  STREAMT_UPDATE_GOLDENS=1 .venv/bin/pytest tests/unit/compile
and review the diff. The metadata block of manifest.json (the writer's version) is normalised.
"""

from __future__ import annotations

import json
import os

import pytest

from streamt.artifacts import render_artifacts
from streamt.artifacts.manifest import manifest_text
from tests.unit.compile.helpers import EXAMPLES, GOLDEN, compile_dir

EXAMPLE_NAMES = ["quickstart", "payments", "iot", "clickstream", "avro_orders"]
UPDATE = os.environ.get("STREAMT_UPDATE_GOLDENS") == "1"


def golden_files(example: str) -> dict[str, str]:
    result, diags = compile_dir(EXAMPLES / example)
    errors = [d.render() for d in [*diags, *result.diagnostics] if d.is_error]
    assert not errors, errors
    files = render_artifacts(result)
    manifest = json.loads(files["manifest.json"])
    manifest["metadata"] = {"generator": "streamt"}
    files["manifest.json"] = manifest_text(manifest)
    return files


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_matches_golden(example: str) -> None:
    files = golden_files(example)
    root = GOLDEN / example
    if UPDATE:
        for old in root.rglob("*") if root.exists() else []:
            if old.is_file() and str(old.relative_to(root)) not in files:
                old.unlink()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
    on_disk = {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in root.rglob("*")
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(files), "artifact set changed; regenerate goldens"
    for rel, text in files.items():
        assert text == on_disk[rel], f"{example}/{rel} differs from its golden"


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_compile_is_deterministic(example: str) -> None:
    assert golden_files(example) == golden_files(example)


def test_every_example_has_flink_jobs() -> None:
    for example in EXAMPLE_NAMES:
        assert list((GOLDEN / example / "flink").glob("*.sql")), example


def test_golden_dirs_are_examples() -> None:
    dirs = {p.name for p in GOLDEN.iterdir() if p.is_dir() and (p / "manifest.json").exists()}
    assert dirs == set(EXAMPLE_NAMES)
