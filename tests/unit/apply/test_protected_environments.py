"""A protected environment (or one with `safety.confirm_apply: true`) is changed only with its
name: typed at the prompt or `--confirm-env NAME`, never by `--auto-approve` alone (A070), never
with another name (A071); `confirm_apply: false` lifts it. On in-memory systems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streamt.cli import main
from streamt.state import Systems

from .fakes import FakeKafka
from .test_cli import QUICKSTART, systems  # noqa: F401  (the fixture)


def _project(tmp_path: Path, overlay: str) -> str:
    copy = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, copy)
    (copy / "environments").mkdir()
    (copy / "environments" / "prod.yml").write_text(overlay)
    (copy / "environments" / "dev.yml").write_text("environment: {prefix: 'dev-'}\n")
    return str(copy)


def _topics(systems: Systems) -> list[str]:  # noqa: F811
    assert isinstance(systems.kafka, FakeKafka)
    return sorted(systems.kafka.topics)


def test_auto_approve_does_not_apply_a_protected_environment(
    systems: Systems,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _project(tmp_path, "environment: {protected: true, prefix: 'prod-'}\n")
    assert main(["apply", "-p", path, "--env", "prod", "--auto-approve"]) == 1
    err = capsys.readouterr().err
    assert "A070" in err and "--confirm-env prod" in err and "--auto-approve" in err
    assert main(["apply", "-p", path, "--env", "prod", "--confirm-env", "dev"]) == 1
    assert "A071" in capsys.readouterr().err
    assert _topics(systems) == ["events.raw.v1"]  # nothing applied
    assert main(["apply", "-p", path, "--env", "prod", "--confirm-env", "prod"]) == 0
    assert _topics(systems) == ["events.raw.v1", "prod-events_clean"]
    # an unprotected environment: --auto-approve is enough; a wrong --confirm-env is not
    assert main(["apply", "-p", path, "--env", "dev", "--confirm-env", "prod"]) == 1
    assert "A071" in capsys.readouterr().err
    assert main(["apply", "-p", path, "--env", "dev", "--auto-approve"]) == 0
    # destroy is guarded the same way
    assert main(["destroy", "-p", path, "--env", "prod", "--auto-approve"]) == 1
    assert "A070" in capsys.readouterr().err
    assert main(["destroy", "-p", path, "--env", "prod", "--confirm-env", "prod"]) == 0
    assert _topics(systems) == ["dev-events_clean", "events.raw.v1"]


def test_confirm_apply_is_honoured_both_ways(
    systems: Systems,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _project(tmp_path, "environment: {prefix: 'prod-'}\nsafety: {confirm_apply: true}\n")
    assert main(["apply", "-p", path, "--env", "prod", "--auto-approve"]) == 1
    assert "A070" in capsys.readouterr().err
    relaxed = "environment: {protected: true, prefix: 'prod-'}\nsafety: {confirm_apply: false}\n"
    Path(path, "environments", "prod.yml").write_text(relaxed)
    assert main(["apply", "-p", path, "--env", "prod", "--auto-approve"]) == 0
    assert _topics(systems) == ["events.raw.v1", "prod-events_clean"]


def test_the_name_typed_at_the_prompt(
    systems: Systems,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _project(tmp_path, "environment: {protected: true, prefix: 'prod-'}\n")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["yes", "prod"])
    monkeypatch.setattr("click.prompt", lambda text: next(answers))
    assert main(["apply", "-p", path, "--env", "prod", "--auto-approve"]) == 1
    assert "Aborted: nothing applied." in capsys.readouterr().out
    assert main(["apply", "-p", path, "--env", "prod", "--auto-approve"]) == 0
    assert _topics(systems) == ["events.raw.v1", "prod-events_clean"]
