"""The pre-commit hooks the repository publishes (`.pre-commit-hooks.yaml`): pre-commit's
documented manifest keys, a console script this package installs, and commands that run."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import tomllib
import yaml

from streamt.cli import main

REPO = Path(__file__).resolve().parents[2]
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
# https://pre-commit.com/#new-hooks: the manifest's required and optional keys
REQUIRED = {"id", "name", "entry", "language"}
OPTIONAL = {
    "files", "exclude", "types", "types_or", "exclude_types", "always_run", "fail_fast",
    "verbose", "pass_filenames", "require_serial", "description", "language_version",
    "minimum_pre_commit_version", "args", "stages",
}  # fmt: skip


def test_every_hook_has_the_documented_keys_only() -> None:
    assert [h["id"] for h in HOOKS] == ["streamt-validate", "streamt-compile"]
    for hook in HOOKS:
        assert REQUIRED <= set(hook) <= REQUIRED | OPTIONAL
        assert hook["language"] == "python"  # installs this package, then runs its script
        # the whole project is checked: file names would be read as extra arguments
        assert hook["pass_filenames"] is False


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_the_hook_runs_on_project_files_only(hook: dict[str, object]) -> None:
    files = re.compile(str(hook["files"]))
    for path in ("stream_project.yml", "models/orders.sql", "environments/dev.yaml"):
        assert files.search(path), path
    for path in ("README.md", "src/app.py", "target/manifest.json"):
        assert not files.search(path), path


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_the_entry_is_an_installed_command_that_checks_an_example(
    hook: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script, *args = shlex.split(str(hook["entry"]))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[script] == "streamt.cli:run"
    assert main([*args, "--help"]) == 0
    project = tmp_path / "quickstart"
    shutil.copytree(
        REPO / "examples" / "quickstart", project, ignore=shutil.ignore_patterns("target")
    )
    assert main([*args, "--project-dir", str(project)]) == 0
    assert not (project / "target" / "manifest.json").exists()  # a hook writes no artifacts
    spec = project / "stream_project.yml"
    spec.write_text(spec.read_text().replace("SELECT event_id,", "SELECT event_id,,", 1))
    assert main([*args, "--project-dir", str(project)]) == 1  # fails the commit
    assert "S001" in capsys.readouterr().err
