from pathlib import Path

from streamt.context import Context
from tests.unit.cli.test_commands import VALID
from tests.unit.load.helpers import write


def test_validate_is_answered_from_cache_until_a_file_changes(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": VALID + "    advanced: {flink: {state_ttl_ms: 10}}\n"})
    first = Context(tmp_path, environ={}).validate()
    again = Context(tmp_path, environ={}).validate(strict=True)
    assert not first.cached and again.cached
    assert again.diagnostics == first.diagnostics and again.counts == first.counts
    assert first.ok and not again.ok  # strict is applied to cached diagnostics too
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "extra.sql").write_text("SELECT * FROM {{ ref('big_orders') }}")
    changed = Context(tmp_path, environ={}).validate()
    assert not changed.cached and changed.counts["models"] == 2


def test_no_cache_env_and_flag_bypass_the_cache(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": VALID})
    Context(tmp_path, environ={}).validate()
    assert not Context(tmp_path, environ={"STREAMT_NO_CACHE": "1"}).validate().cached
    assert not Context(tmp_path, environ={}).validate(use_cache=False).cached


def test_compile_rewrites_artifacts_changed_on_disk(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": VALID})
    out = tmp_path / "out"
    first = Context(tmp_path, environ={}).build(out)
    manifest = out / "manifest.json"
    text = manifest.read_text()
    second = Context(tmp_path, environ={}).build(out)
    assert not first.cached and second.cached and second.counts == first.counts
    manifest.write_text("{}")
    third = Context(tmp_path, environ={}).build(out)
    assert not third.cached and manifest.read_text() == text


def test_a_cache_hit_imports_neither_pydantic_nor_sqlglot(tmp_path: Path) -> None:
    import subprocess
    import sys

    write(tmp_path, {"stream_project.yml": VALID})
    code = (
        "import sys; from streamt.cli import main; "
        f"rc = main(['validate', '-p', {str(tmp_path)!r}]); "
        "print(rc, 'pydantic' in sys.modules, 'sqlglot' in sys.modules)"
    )
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert cold.stdout.split()[-3:] == ["0", "True", "True"]
    assert warm.stdout.split()[-3:] == ["0", "False", "False"]
