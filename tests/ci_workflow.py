"""The `streamt` commands of examples/ci's GitHub Actions workflow, job by job and in order,
as argument lists for one pull request (its number put where the workflow's expression is);
shell plumbing after the command (`| tee plan.txt`) is cut off."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

CI = Path(__file__).resolve().parents[1] / "examples" / "ci"
WORKFLOW = CI / ".github" / "workflows" / "streamt.yml"
NUMBER = "${{ github.event.pull_request.number }}"
SHELL = ("|", ">", ">>", "&&", ";")


def workflow() -> dict[str, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


def commands(number: int) -> dict[str, list[list[str]]]:
    """Job name -> the arguments after `streamt` of each `run:` step that calls it."""
    found: dict[str, list[list[str]]] = {}
    for name, job in workflow()["jobs"].items():
        found[name] = []
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                words = shlex.split(line.replace(NUMBER, str(number)))
                if not words or words[0] != "streamt":
                    continue
                cut = next((i for i, w in enumerate(words) if w in SHELL), len(words))
                found[name].append(words[1:cut])
    return found
