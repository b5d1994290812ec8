"""Map a (line, column) in rendered SQL back to the template the user wrote.

Rendering replaces `{{ ref("x") }}` by a quoted table name, which shifts columns on that line.
The template's literal pieces (the text between Jinja tags) are found in the rendered text in
order, with `str.find` from where the previous piece ended, so the cost is linear in the two
lengths (a character-level alignment costs their product: seconds for a 10,000-character
query). A position inside a piece maps into the same piece; a position in text a tag produced
maps to the start of that tag. No SQL parsing involved. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator

_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


def template_position(template: str, rendered: str, line: int, column: int) -> tuple[int, int]:
    if template == rendered or line <= 0:
        return line, column
    return _line_col(
        template, _template_offset(template, rendered, _offset(rendered, line, column))
    )


def _template_offset(template: str, rendered: str, offset: int) -> int:
    at = 0  # where the rendered text of the current piece may start
    tag_start = 0  # the template offset of the tag before the current piece
    for start, end, next_tag in _pieces(template):
        piece = template[start:end]
        if end == len(template):  # the tail ends the rendered text too
            tail = len(rendered) - len(piece)
            found = tail if tail >= at and rendered.endswith(piece) else -1
        else:
            found = rendered.find(piece, at)
        if found == -1 or offset < found:
            return tag_start
        if offset < found + (end - start):
            return start + offset - found
        at, tag_start = found + (end - start), next_tag
    return tag_start


def _pieces(template: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, start of the tag after it) of each literal piece, the tail included."""
    pos = 0
    while True:
        tag = min((i for i in (template.find(o, pos) for o in _CLOSERS) if i != -1), default=-1)
        if tag == -1:
            yield pos, len(template), len(template)
            return
        yield pos, tag, tag
        close = template.find(_CLOSERS[template[tag : tag + 2]], tag + 2)
        if close == -1:
            return
        pos = close + 2


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    before = sum(len(x) + 1 for x in lines[: max(line - 1, 0)])
    return before + max(column - 1, 0)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    head = text[:offset]
    line = head.count("\n") + 1
    return line, offset - (head.rfind("\n") + 1) + 1
