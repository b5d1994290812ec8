"""examples/ci's GitHub Actions workflow parses, runs on pull requests, and every `streamt`
command in it is a real command with real options (parsed by the CLI itself, not run)."""

from __future__ import annotations

import gc

import click

from streamt.cli import cli
from tests.ci_workflow import commands, workflow


def test_the_workflow_runs_on_pull_requests_and_comments_the_plan() -> None:
    flow = workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers["pull_request"]["types"]) >= {"opened", "synchronize", "closed"}
    assert flow["permissions"]["pull-requests"] == "write"
    deploy, destroy = flow["jobs"]["deploy"], flow["jobs"]["destroy"]
    assert deploy["if"] == "github.event.action != 'closed'"
    assert destroy["if"] == "github.event.action == 'closed'"
    comment = next(
        s for s in deploy["steps"] if s.get("uses", "").startswith("actions/github-script")
    )
    assert "plan.txt" in comment["with"]["script"] and "createComment" in comment["with"]["script"]


def test_the_jobs_run_validate_plan_apply_test_then_destroy_for_the_pull_request() -> None:
    found = commands(42)
    assert [c[0] for c in found["deploy"]] == ["validate", "plan", "apply", "test"]
    assert found["destroy"] == [["destroy", "--env", "pr-42", "--auto-approve"]]
    assert all(c[c.index("--env") + 1] == "pr-42" for c in found["deploy"])


def test_every_streamt_command_of_the_workflow_is_real() -> None:
    collecting = gc.isenabled()  # looking a command up turns the collector off for its run
    try:
        for job in commands(7).values():
            for args in job:
                with click.Context(cli) as ctx:
                    command = cli.get_command(ctx, args[0])
                    assert command is not None, args
                    # parses the options as the CLI would (an unknown option or a missing
                    # value raises), without running the command
                    command.make_context(args[0], list(args[1:]), parent=ctx)
    finally:
        if collecting:
            gc.enable()
