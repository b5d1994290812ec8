"""Diagnostics: the one shape every user-facing problem takes.

A diagnostic has a stable code (by room: L load, V validate, G graph, S sql, C compile,
P plan, A apply, T test, K local stack), a severity, a location (file:line:column), a
message and a hint. Rooms return diagnostics as values; only the CLI renders them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Location:
    file: str = ""
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.file:
            return ""
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    severity: Severity = Severity.ERROR
    location: Location = field(default_factory=Location)
    hint: str = ""
    node: str = ""  # node id (kind.project.name) when the problem belongs to one

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (
            self.location.file,
            self.location.line,
            self.location.column,
            self.code,
            self.message,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "hint": self.hint,
            "node": self.node,
        }

    def render(self) -> str:
        where = terminal_safe(str(self.location))
        head = f"{where}: " if where else ""
        text = f"{head}{self.severity.value} {self.code}: {terminal_safe(self.message)}"
        if self.hint:
            text += f"\n  hint: {terminal_safe(self.hint, keep_newlines=True)}"
        return text


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with control and format characters escaped (`\\x1b`, `\\u202e`), so that a name
    from a project cannot move the cursor, recolour the terminal or forge another line."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch.isprintable() or (keep_newlines and ch == "\n")
        else repr(ch)[1:-1]
        if ch.isascii()
        else f"\\u{ord(ch):04x}"
        for ch in text
    )


UNREACHABLE = 5  # exit code: a system streamt needs could not be reached (never 4, a data failure)


class StreamtError(Exception):
    """A user error carrying diagnostics. Rendered once by the CLI, never as a traceback."""

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic, exit_code: int = 1) -> None:
        diags = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diags)
        self.exit_code = exit_code
        super().__init__("\n".join(d.render() for d in self.diagnostics))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=Diagnostic.sort_key)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like `word` (difflib ratio >= 0.6), for a hint; None if none is."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The one did-you-mean hint: `did you mean 'x'?` for the `closest` choice, else ""."""
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match is not None else ""
