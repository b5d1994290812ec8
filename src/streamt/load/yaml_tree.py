"""Read one YAML file into plain Python values plus a span for every key.

libyaml (`yaml.CSafeLoader`) composes the node tree; we construct values ourselves so every
mapping key and sequence item keeps its position. Guards: files over `MAX_FILE_BYTES`, non-UTF-8
bytes, several documents, alias bombs (expanded size over `MAX_EXPANDED_NODES`), recursive
aliases, non-string keys and duplicate keys all become diagnostics, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from streamt.diagnostics import Diagnostic, Location
from streamt.load.files import MAX_FILE_BYTES, FileTooLarge, read_bounded

MAX_EXPANDED_NODES = 2_000_000

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAGS: dict[str, str] = {}  # short plain scalar text -> its resolved tag


class Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, remembering how each scalar text resolves (a project repeats `STRING`,
    `id`, `true`, ... thousands of times; the resolver runs regexes for every one)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode or not implicit[0] or len(value) > 64 or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        tag = _TAGS.get(value)
        if tag is None:
            tag = _TAGS[value] = super().resolve(kind, value, implicit)
        return tag


_CTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class TreeError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass
class Document:
    """A parsed YAML file: its root node (for per-item conversion), text and file name."""

    file: str
    text: str
    root: Node | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def location(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """File bytes -> str, or a diagnostic for an unreadable, huge or non-UTF-8 file."""
    try:
        data = read_bounded(path)
    except FileTooLarge as exc:
        return None, [
            _diag(
                "L004",
                f"file is too large ({exc.size} bytes)",
                display,
                hint=f"streamt reads files up to {MAX_FILE_BYTES} bytes",
            )
        ]
    except OSError as exc:
        return None, [_diag("L001", f"cannot read file: {exc.strerror or exc}", display)]
    return decode(data, display)


def decode(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            Diagnostic(
                code="L003",
                message=f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                location=Location(display, line, column),
                hint="save the file as UTF-8",
            )
        ]


def parse(text: str, display: str) -> Document:
    """Compose the YAML node tree; syntax errors become an `L002` diagnostic."""
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return Document(
            display,
            text,
            None,
            [
                Diagnostic(
                    "L002",
                    f"YAML syntax error: {message}",
                    location=where,
                    hint="check indentation, quotes and that there is a single document",
                )
            ],
        )
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return Document(
            display,
            text,
            None,
            [Diagnostic("L002", f"YAML error: {exc}", location=Location(display))],
        )
    doc = Document(display, text, root)
    if root is not None and "&" in text and "*" in text:  # aliases need an anchor
        problem = _check_size(root)
        if problem:
            doc.diagnostics.append(
                Diagnostic(
                    "L004",
                    problem,
                    location=doc.location(root),
                    hint="YAML aliases expand to copies; keep documents small and alias-free",
                )
            )
            doc.root = None
    return doc


def _check_size(root: Node) -> str:
    """Expanded node count with aliases counted at every use (memoised, O(nodes))."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise TreeError(Diagnostic("L004", "recursive YAML alias"))
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        sizes[key] = total
        return total

    try:
        total = size(root)
    except TreeError as exc:
        return exc.diagnostic.message
    except RecursionError:
        return "YAML document is nested too deeply"
    if total > MAX_EXPANDED_NODES:
        return f"YAML document expands to {total} nodes (limit {MAX_EXPANDED_NODES}); alias bomb?"
    return ""


def to_python(doc: Document, node: Node, spans: dict[str, Location], path: str = "") -> Any:
    """Node -> plain value; records `spans[dotted path] = location of the key / item`."""
    if isinstance(node, ScalarNode):
        return _scalar(doc, node)
    if isinstance(node, SequenceNode):
        out: list[Any] = []
        for i, child in enumerate(node.value):
            sub = f"{path}.{i}" if path else str(i)
            spans.setdefault(sub, doc.location(child))
            out.append(to_python(doc, child, spans, sub))
        return out
    if isinstance(node, MappingNode):
        return _mapping(doc, node, spans, path)
    raise TreeError(Diagnostic("L002", "unsupported YAML node", location=doc.location(node)))


def _mapping(doc: Document, node: MappingNode, spans: dict[str, Location], path: str) -> Any:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            merged = to_python(doc, value_node, {}, path)
            for part in merged if isinstance(merged, list) else [merged]:
                if isinstance(part, dict):
                    for k, v in part.items():
                        result.setdefault(k, v)
            continue
        key = _scalar(doc, key_node) if isinstance(key_node, ScalarNode) else None
        if not isinstance(key, str):
            raise TreeError(
                Diagnostic(
                    "L008",
                    f"mapping keys must be strings, got {type(key).__name__}",
                    location=doc.location(key_node),
                    hint="quote the key",
                )
            )
        sub = f"{path}.{key}" if path else key
        if key in result:
            doc.diagnostics.append(duplicate_key(key, doc.location(key_node)))
        spans[sub] = doc.location(key_node)
        result[key] = to_python(doc, value_node, spans, sub)
    return result


def duplicate_key(key: str, where: Location) -> Diagnostic:
    """L013, for a key repeated in one mapping (the file's root included)."""
    return Diagnostic(
        "L013",
        f"duplicate key '{key}'",
        location=where,
        hint="a key may appear once per mapping; the later value would silently win",
    )


def _scalar(doc: Document, node: ScalarNode) -> Any:
    tag = node.tag
    if tag in (_STR, _TIMESTAMP):
        return node.value
    constructor = _CTOR.yaml_constructors.get(tag)
    if constructor is None:
        return node.value  # unknown explicit tag: keep the text
    try:
        return constructor(_CTOR, node)
    except (ValueError, yaml.YAMLError):
        return node.value


def block_scalar_start(doc: Document, node: Node) -> tuple[Location, int]:
    """Where a scalar's text starts and the indent of its continuation lines."""
    loc = doc.location(node)
    if not isinstance(node, ScalarNode) or node.style not in ("|", ">"):
        quote = 1 if isinstance(node, ScalarNode) and node.style in ("'", '"') else 0
        return Location(loc.file, loc.line, loc.column + quote), loc.column - 1
    lines = doc.lines
    for number in range(loc.line, len(lines)):
        text = lines[number]
        if text.strip():
            indent = len(text) - len(text.lstrip(" "))
            return Location(loc.file, number + 1, indent + 1), indent
    return loc, 0


def _diag(code: str, message: str, display: str, hint: str = "") -> Diagnostic:
    return Diagnostic(code, message, location=Location(display), hint=hint)
