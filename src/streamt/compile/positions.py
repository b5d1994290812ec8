"""Map a (line, column) in rendered SQL back to the template the user wrote.

Rendering replaces `{{ ref("x") }}` by a quoted table name, which shifts columns on that line.
The two texts are aligned with difflib (no SQL parsing involved); a position inside replaced
text maps to the start of the Jinja expression. Pure.
"""

from __future__ import annotations

import difflib


def template_position(template: str, rendered: str, line: int, column: int) -> tuple[int, int]:
    if template == rendered or line <= 0:
        return line, column
    offset = _offset(rendered, line, column)
    target = len(template)
    matcher = difflib.SequenceMatcher(None, rendered, template, autojunk=False)
    previous_end = 0
    for a, b, size in matcher.get_matching_blocks():
        if a <= offset < a + size:
            target = b + offset - a
            break
        if a > offset:
            target = previous_end
            break
        previous_end = b + size
    return _line_col(template, target)


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    before = sum(len(x) + 1 for x in lines[: max(line - 1, 0)])
    return before + max(column - 1, 0)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    head = text[:offset]
    line = head.count("\n") + 1
    return line, offset - (head.rfind("\n") + 1) + 1
