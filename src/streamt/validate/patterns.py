"""User regular expressions (`rules.*.naming_pattern`), matched in linear time.

Every regex a project supplies is compiled here, by RE2 (`google-re2`), never by Python's
backtracking `re`: `^(a+)+$` against a long name costs microseconds, not forever. RE2 has no
lookaround and no backreferences; a pattern that uses them, is longer than
`MAX_PATTERN_CHARS` (1,000) or compiles to more than `MAX_PATTERN_MEMORY` (1 MiB) is refused
with the reason. `UserPattern.match` anchors at the start of the name, like `re.match`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_PATTERN_CHARS = 1_000
MAX_PATTERN_MEMORY = 1 << 20


@dataclass(frozen=True)
class UserPattern:
    text: str
    _compiled: Any

    def match(self, name: str) -> bool:
        return self._compiled.match(name) is not None


def compile_pattern(text: str) -> UserPattern | str:
    """The compiled pattern, or why it cannot be used."""
    if len(text) > MAX_PATTERN_CHARS:
        return f"it is {len(text)} characters long (limit {MAX_PATTERN_CHARS})"
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.log_errors = False  # the reason is returned, not written to stderr
    options.max_mem = MAX_PATTERN_MEMORY
    try:
        return UserPattern(text, re2.compile(text, options))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


__all__ = ["MAX_PATTERN_CHARS", "MAX_PATTERN_MEMORY", "UserPattern", "compile_pattern"]
