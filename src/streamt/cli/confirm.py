"""Asking before `apply` / `destroy` change anything: the one confirmation gate of both.

An environment whose changes need its name (`safety.confirm_apply`, by default its
`protected`) is changed only when that name is typed at the prompt or given as
`--confirm-env NAME`; `--auto-approve` does not skip it (A070 without a terminal, A071 for a
wrong name). Otherwise `--auto-approve` skips the question and, without a terminal and without
`--auto-approve`, the command refuses (A007).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from streamt.diagnostics import Diagnostic, StreamtError


def confirmation(
    requires_name: bool,
    environment: str,
    confirm_env: str | None,
    auto_approve: bool,
    question: Callable[[], bool],
    verb: str,
) -> Callable[[object], bool]:
    """The confirm callback for the executor, or StreamtError when no answer can be had."""
    if confirm_env is not None and confirm_env != environment:
        raise StreamtError(
            [
                Diagnostic(
                    "A071",
                    f"--confirm-env {confirm_env!r} does not name the selected environment "
                    f"{environment!r}",
                    hint=f"pass --confirm-env {environment} to {verb} this environment",
                )
            ]
        )
    if requires_name:
        if confirm_env is not None:
            return lambda _plan: True
        if not sys.stdin.isatty():
            raise StreamtError(
                [
                    Diagnostic(
                        "A070",
                        f"environment {environment!r} is protected: {verb} needs its name, "
                        "and there is no terminal to type it"
                        + (" (--auto-approve does not skip this)" if auto_approve else ""),
                        hint=f"re-run with --confirm-env {environment}",
                    )
                ]
            )
        return lambda _plan: bool(
            click.prompt(f"\nEnvironment {environment!r} is protected: type its name to {verb}")
            == environment
        )
    if auto_approve:
        return lambda _plan: True
    if not sys.stdin.isatty():
        raise StreamtError(
            [
                Diagnostic(
                    "A007",
                    f"not a terminal: re-run with --auto-approve to {verb} this plan",
                    hint="or run it in a terminal to answer the question",
                )
            ]
        )
    return lambda _plan: question()


CONFIRM_ENV_HELP = (
    "The selected environment's name: required to change a protected environment "
    "(safety.confirm_apply), even with --auto-approve."
)
