"""The source line under a diagnostic, with a caret at its column (as rustc and ruff show it):

    stream_project.yml:12:24: error S001: ...
       |
    12 |       SELECT id, amount, FROM {{ source("orders") }}
       |                        ^

Tabs are expanded (to 4 columns) on the line and counted the same way for the caret; a long
line is cut to a window around the column; control characters are shown escaped. Positions
are points (line, column), so a problem spanning lines is shown at its first character. Files
are read once per render, at most `MAX_BYTES` of each, and a file that cannot be read (or a
line beyond its end) shows no snippet rather than failing the output.
"""

from __future__ import annotations

from pathlib import Path

from streamt.diagnostics import Diagnostic, Severity, terminal_safe

MAX_BYTES = 4 * 1024 * 1024
TAB = 4
WIDTH = 100  # columns of source shown around the caret on a long line


class Snippets:
    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.files: dict[str, list[str] | None] = {}

    def source_line(self, file: str, line: int) -> str | None:
        if self.root is None or not file or line < 1:
            return None
        if file not in self.files:
            self.files[file] = _read_lines(self.root / file)
        lines = self.files[file]
        return lines[line - 1] if lines is not None and line <= len(lines) else None

    def lines(self, d: Diagnostic) -> list[str]:
        """The gutter, the source line and the caret for `d`; [] when there is nothing to show
        (info diagnostics, no position, no readable file)."""
        loc = d.location
        text = None if d.severity is Severity.INFO else self.source_line(loc.file, loc.line)
        if text is None:
            return []
        return caret_lines(text, loc.line, loc.column or 1)


def caret_lines(text: str, line: int, column: int) -> list[str]:
    """`text` (the source line `line`) with a caret under the 1-based character `column`."""
    column = min(max(column, 1), len(text) + 1)
    before = terminal_safe(text[: column - 1].expandtabs(TAB))
    shown = terminal_safe(text.expandtabs(TAB))
    at = len(before)
    if len(shown) > WIDTH:
        start = max(0, min(at - WIDTH // 2, len(shown) - WIDTH))
        shown = ("…" if start else "") + shown[start : start + WIDTH]
        at = at - start + (1 if start else 0)
    gutter = " " * len(str(line))
    return [f"{gutter} |", f"{line} | {shown.rstrip()}", f"{gutter} | {' ' * at}^"]


def _read_lines(path: Path) -> list[str] | None:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace").splitlines()
