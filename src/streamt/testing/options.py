"""Command-line choices -> `RunOptions`, with placed diagnostics for bad values."""

from __future__ import annotations

from collections.abc import Set

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.load.model import TestType
from streamt.testing.kafka_io import StartAt
from streamt.testing.records import to_epoch_ms
from streamt.testing.runner import RunOptions

BAD_OPTION = "T020"


def build_options(
    *,
    types: frozenset[TestType],
    targets: Set[str],
    tests: Set[str],
    selected: bool,
    deploy: bool,
    since: str | None,
    start: str,
) -> RunOptions:
    try:
        start_at = StartAt.parse(start)
    except ValueError as exc:
        raise StreamtError(Diagnostic(BAD_OPTION, f"--from: {exc}"), exit_code=2) from None
    since_ms = None
    if since is not None:
        since_ms = to_epoch_ms(since)
        if since_ms is None:
            raise StreamtError(
                Diagnostic(
                    BAD_OPTION, f"--since: not a time: {since!r}", hint="e.g. 2026-11-25T18:00:00Z"
                ),
                exit_code=2,
            )
    if selected and not targets and not tests:
        raise StreamtError(
            Diagnostic(BAD_OPTION, "--select matched no model, source or test"), exit_code=2
        )
    return RunOptions(
        types=types,
        tests=frozenset(tests),
        targets=frozenset(targets),
        deploy=deploy,
        since_ms=since_ms,
        start=start_at,
    )
