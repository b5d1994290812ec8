"""Re-reading a project file entry by entry, for a resident process (`validate --watch`).

`split(text)` cuts a YAML file by its text alone into its top-level entries and, in a list
section written as a block sequence (`models:` then `- name: ...` items), into one chunk per
item, each with the line it starts on. It answers None for anything it cannot cut with
certainty — anchors (`&`), tabs, other line breaks than `\\n`, document markers, directives, a
column-0 line that is not a plain `key:`, an item line less indented than its list's items —
and the caller then parses the whole file as usual.

`ChunkReader` keeps, for each chunk of the last run (file, allowed keys, text, and for a
section its first line), what reading it alone gave (a `Collector` of its own: nodes, header,
diagnostics), and reads a file by replaying those for unchanged chunks and parsing only the
others, each alone and at its own line (blank lines put in front), so every position is the one
a whole-file parse gives. An item found at another line (an edit above it added or removed
lines) is given back moved: its nodes' and diagnostics' lines shifted, each node recorded as
`Moved` so the compile memo can shift that node's last result alike.
A chunk that does not parse alone makes the whole file parsed as usual (a syntax error is
reported once per file, as a whole-file parse does), and so does an environment overlay with
node patches (those are marked used as nodes are read). Pure.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from yaml.nodes import MappingNode

from streamt.diagnostics import Location
from streamt.load.model import Located, Model
from streamt.load.sections import LIST_SECTIONS, Collector
from streamt.load.yaml_tree import duplicate_key, parse

_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?:( +#.*| *)$| )")
_HEAD = re.compile(r"^[^ #\n].*$", re.M)  # a column-0 line that is not a comment
_CONTENT = re.compile(r"^( *)[^ #\n]", re.M)  # a line with more than blanks or a comment
_UNSURE = ("&", "\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")


class Chunk(NamedTuple):
    key: str  # the top-level key it belongs to
    item: bool  # one item of the list section `key`, else the whole entry
    start: int  # 0-based index of its first line
    text: str


def split(text: str) -> list[Chunk] | None:
    """The file's chunks in file order, or None when the text cannot be cut with certainty."""
    if any(c in text for c in _UNSURE):
        return None
    heads: list[tuple[int, str, bool]] = []  # (offset, key, a list section's bare key line)
    for found in _HEAD.finditer(text):
        line = found.group()
        if line.startswith(("---", "...", "%")):
            return None
        match = _ENTRY.match(line)
        if match is None:
            if line.startswith("-") and heads and heads[-1][2]:
                continue  # an item of a list section written at column 0
            return None
        key = match.group(1)
        heads.append((found.start(), key, match.group(2) is not None and key in LIST_SECTIONS))
    if not heads or _CONTENT.search(text, 0, heads[0][0]):
        return None
    chunks: list[Chunk] = []
    row, at = 0, 0  # the line number of offset `at`
    for n, (start, key, bare_list) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(text)
        row += text.count("\n", at, start)
        at = start
        body = text.find("\n", start, end) + 1 or end  # after the key line
        items = _items(text, body, end) if bare_list else []
        if items is None:
            return None
        if not items:
            chunks.append(Chunk(key, False, row, text[start:end]))
            continue
        chunks.append(Chunk(key, False, row, ""))  # its key line: nothing to read
        for first, after in itertools.pairwise([*items, end]):
            row += text.count("\n", at, first)
            at = first
            chunks.append(Chunk(key, True, row, text[first:after]))
    return chunks


def _items(text: str, start: int, end: int) -> list[int] | None:
    """The offset of each item of the block sequence between `start` and `end` ([] when there
    is no content), or None when that text is not one with certainty."""
    first = _CONTENT.search(text, start, end)
    if first is None:
        return []
    indent = len(first.group(1))
    item, stray = _ITEM_AT.get(indent) or _item_patterns(indent)
    if not item.match(text, first.start(), end) or stray.search(text, start, end):
        return None
    return [m.start() for m in item.finditer(text, start, end)]


_ITEM_AT: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _item_patterns(indent: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """An item line at `indent`, and a content line at `indent` or less that is not one."""
    item = rf"^ {{{indent}}}-(?: |$)"
    found = (re.compile(item, re.M), re.compile(rf"^(?!{item[1:]}) {{0,{indent}}}[^ #\n]", re.M))
    _ITEM_AT[indent] = found
    return found


_Key = tuple[str, tuple[str, ...], bool, int, str]


class _Read(NamedTuple):
    """What one chunk read to, the one node it gave when that is all it gave (most items:
    appended without going through `Collector.absorb`), and the line it was read at."""

    collector: Collector
    single: tuple[str, Located] | None
    start: int


def _read(collector: Collector, start: int) -> _Read:
    c = collector
    built = [(k, v) for k, v in c.nodes.items() if v]
    plain = not (c.diagnostics or c.owned or c.failed or c.headers)
    one = plain and len(built) == 1 and len(built[0][1]) == 1
    return _Read(c, (built[0][0], built[0][1][0]) if one else None, start)


class Moved(NamedTuple):
    """A node given back from an item read at another line: `node` is `was` moved by `delta`
    lines; `first`..`last` are the lines (1-based) the item spanned before."""

    node: Located
    was: Located
    delta: int
    first: int
    last: int


def _moved(read: _Read, start: int, lines: int, moved: list[Moved]) -> _Read | None:
    """`read` as if read at `start` (positions of its nodes and diagnostics shifted), its
    nodes' moves added to `moved`; None when it holds a header (read it again)."""
    c = read.collector
    if c.headers:
        return None
    delta = start - read.start
    sub = Collector(
        diagnostics=[replace(d, location=shifted(d.location, delta)) for d in c.diagnostics],
        owned=list(c.owned),
        failed=set(c.failed),
    )
    for section, built in c.nodes.items():
        for node in built:
            new = _move(node, delta)
            sub.nodes[section].append(new)
            moved.append(Moved(new, node, delta, read.start + 1, read.start + lines))
    return _read(sub, start)


def shifted(where: Location, delta: int) -> Location:
    """`where` `delta` lines further down (a location without a line stays as it is)."""
    return replace(where, line=where.line + delta) if where.line else where


def _move(node: Located, delta: int) -> Located:
    update: dict[str, object] = {
        "location": shifted(node.location, delta),
        "spans": {k: shifted(v, delta) for k, v in node.spans.items()},
    }
    if isinstance(node, Model):
        update["sql_location"] = shifted(node.sql_location, delta)
    return node.model_copy(update=update)


@dataclass
class ChunkReader:
    """What each chunk of the last read of each file read to (see the module docstring)."""

    files: dict[str, dict[_Key, _Read]] = field(default_factory=dict)
    parsed: int = 0  # chunks parsed (not replayed) since this reader was made
    moved: list[Moved] = field(default_factory=list)  # the nodes the last load moved

    def read(
        self,
        c: Collector,
        text: str,
        display: str,
        allowed: tuple[str, ...],
        ignored: tuple[str, ...],
    ) -> bool:
        """Read `text` into `c` chunk by chunk; False (and `c` untouched) when the file must be
        parsed whole."""
        cut = split(text) if not (c.overlay.patches or c.patching) else None
        if cut is None:
            return False
        known = self.files.get(display, {})
        kept: dict[_Key, _Read] = {}
        parts: list[_Read] = []
        seen: set[str] = set()
        skip = False
        for chunk in cut:
            if not chunk.item:
                skip = chunk.key in ignored or chunk.key in seen
                if chunk.key in seen and chunk.key not in ignored:
                    repeated = Collector()
                    repeated.add(duplicate_key(chunk.key, Location(display, chunk.start + 1, 1)))
                    parts.append(_Read(repeated, None, chunk.start))
                seen.add(chunk.key)
            if skip or not chunk.text:
                continue
            if chunk.item and chunk.key not in allowed:
                return False
            # an item is found again wherever it moved to; a section only where it was
            key = (display, allowed, chunk.item, -1 if chunk.item else chunk.start, chunk.text)
            read = kept.get(key) or known.get(key)
            if read is not None and read.start != chunk.start:
                lines = chunk.text.count("\n") + (not chunk.text.endswith("\n"))
                read = _moved(read, chunk.start, lines, self.moved)
            if read is None:
                alone = _read_alone(chunk, display, allowed)
                if alone is None:
                    return False
                read = _read(alone, chunk.start)
                self.parsed += 1
            kept[key] = read
            parts.append(read)
        self.files[display] = kept
        nodes = c.nodes
        for part, single, _ in parts:
            if single is not None:
                nodes[single[0]].append(single[1])
            else:
                c.absorb(part)
        return True


def _read_alone(chunk: Chunk, display: str, allowed: tuple[str, ...]) -> Collector | None:
    """What reading `chunk` alone gives (an item as the only item of its section), at its own
    lines; None when it does not parse alone (the whole file is parsed then)."""
    head = [""] * (chunk.start - 1) + [f"{chunk.key}:"] if chunk.item else [""] * chunk.start
    doc = parse("\n".join([*head, chunk.text]), display)
    if doc.diagnostics or not isinstance(doc.root, MappingNode) or len(doc.root.value) != 1:
        return None
    doc._lines = head + chunk.text.splitlines()  # not the text's: its blank head split again
    ((key_node, value_node),) = doc.root.value
    sub = Collector()
    sub.read_section(doc, key_node, value_node, allowed)
    return sub
