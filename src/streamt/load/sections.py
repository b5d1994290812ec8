"""Turn YAML nodes of one file into validated project objects, collecting diagnostics.

`Collector` holds what has been read so far (header sections, node lists, SQL files) and the
diagnostics; `loader.load_project` drives it file by file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from streamt.diagnostics import Diagnostic, Location, did_you_mean
from streamt.load.errors import diagnostics_from
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import (
    LOADER_FIELDS_MODEL,
    DataTest,
    Exposure,
    Located,
    Model,
    Source,
    UserFunction,
)
from streamt.load.overlay import FIXED_NODE_KEYS, Overlay, Patch
from streamt.load.yaml_tree import (
    Document,
    TreeError,
    block_scalar_start,
    duplicate_key,
    to_python,
)

LIST_SECTIONS: dict[str, type[Located]] = {
    "sources": Source,
    "models": Model,
    "tests": DataTest,
    "exposures": Exposure,
    "functions": UserFunction,
}
HEADER_SECTIONS = ("project", "runtime", "defaults", "rules")
MAX_SQL_CHARS = 1_000_000
KIND_OF_SECTION = {
    "sources": "source",
    "models": "model",
    "tests": "test",
    "exposures": "exposure",
    "functions": "function",
}


@dataclass
class Collector:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    headers: dict[str, tuple[Any, dict[str, Location], Document]] = field(default_factory=dict)
    nodes: dict[str, list[Located]] = field(default_factory=lambda: {k: [] for k in LIST_SECTIONS})
    failed: set[str] = field(default_factory=set)  # "kind:name" of entries that did not load
    # (index in diagnostics, kind, name) of an entry's validation errors, until the project's
    # name is known and they get their node's id (`name_nodes`)
    owned: list[tuple[int, str, str]] = field(default_factory=list)
    overlay: Overlay = field(default_factory=Overlay)  # the environment's, merged into entries
    patching: bool = False  # reading an environment file: node sections are patches

    def add(self, diag: Diagnostic) -> None:
        self.diagnostics.append(diag)

    def read_file(self, doc: Document, allowed: tuple[str, ...], ignored: tuple[str, ...]) -> None:
        """Read a file whose root is a mapping of sections."""
        self.diagnostics.extend(doc.diagnostics)
        doc.diagnostics.clear()
        if doc.root is None:
            return
        if not isinstance(doc.root, MappingNode):
            self.add(
                Diagnostic(
                    "L008",
                    "the file must be a mapping of sections",
                    location=doc.location(doc.root),
                    hint=f"top-level keys: {', '.join(allowed)}",
                )
            )
            return
        seen: set[str] = set()
        for key_node, value_node in doc.root.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key in ignored:
                continue
            if isinstance(key, str) and key in seen:
                self.add(duplicate_key(key, doc.location(key_node)))
                continue  # neither value wins silently: the file is in error
            seen.add(str(key))
            self.read_section(doc, key_node, value_node, allowed)

    def read_section(
        self, doc: Document, key_node: Node, value_node: Node, allowed: tuple[str, ...]
    ) -> None:
        """One top-level entry of a file (its key already checked for repeats)."""
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if not isinstance(key, str) or key not in allowed:
            self._unknown_section(doc, key_node, str(key), allowed)
        elif key in LIST_SECTIONS and self.patching:
            self._read_patches(doc, key, value_node)
        elif key in LIST_SECTIONS:
            self._read_list(doc, key, value_node)
        else:
            self._read_header(doc, key, value_node)

    def absorb(self, other: Collector) -> None:
        """Add what `other` read (one entry of a file, read alone) as if read here."""
        base = len(self.diagnostics)
        self.diagnostics.extend(other.diagnostics)
        self.owned.extend((base + i, kind, name) for i, kind, name in other.owned)
        self.failed |= other.failed
        for section, built in other.nodes.items():
            self.nodes[section].extend(built)
        self.headers.update(other.headers)

    def _unknown_section(
        self, doc: Document, node: Node, key: str, allowed: tuple[str, ...]
    ) -> None:
        hint = did_you_mean(key, allowed)
        if not hint and key in HEADER_SECTIONS:
            hint = f"'{key}' belongs in stream_project.yml"
        self.add(
            Diagnostic(
                "L005",
                f"unknown top-level key '{key}'",
                location=doc.location(node),
                hint=hint or f"allowed here: {', '.join(allowed)}",
            )
        )

    def _read_header(self, doc: Document, key: str, node: Node) -> None:
        spans: dict[str, Location] = {key: doc.location(node)}
        try:
            value = to_python(doc, node, spans, key)
        except (TreeError, RecursionError) as exc:
            self._tree_error(doc, node, exc)
            return
        self.diagnostics.extend(doc.diagnostics)
        doc.diagnostics.clear()
        self.headers[key] = (value, spans, doc)

    def _read_list(self, doc: Document, key: str, node: Node) -> None:
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return
        if not isinstance(node, SequenceNode):
            self.add(
                Diagnostic(
                    "L008",
                    f"'{key}' must be a list",
                    location=doc.location(node),
                    hint=f"write '{key}:' then '- name: ...' items",
                )
            )
            return
        cls = LIST_SECTIONS[key]
        for item in node.value:
            built = self._read_item(doc, key, cls, item)
            if built is not None:
                self.nodes[key].append(built)

    def _read_patches(self, doc: Document, key: str, node: Node) -> None:
        """An environment's `models:` (...) entries: patches of the project's nodes by name."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        for item in items:
            spans: dict[str, Location] = {}
            try:
                data = to_python(doc, item, spans) if isinstance(item, MappingNode) else None
            except (TreeError, RecursionError) as exc:
                self._tree_error(doc, item, exc)
                continue
            name = data.get("name") if isinstance(data, dict) else None
            if data is None or not isinstance(name, str):
                self.add(
                    Diagnostic(
                        "L103",
                        f"each entry of '{key}' in an environment must be a mapping with a name",
                        location=doc.location(item),
                        hint=f"write '{key}:' then '- name: <existing name>' and the keys to change",
                    )
                )
                continue
            for fixed in sorted(FIXED_NODE_KEYS & (data.keys() - {"name"})):
                self.add(
                    Diagnostic(
                        "L102",
                        f"an environment cannot change the '{fixed}' of {key[:-1]} '{name}'",
                        location=spans.get(fixed, doc.location(item)),
                        hint="environments change settings; the query is the same everywhere",
                    )
                )
                del data[fixed]
            if (key, name) in self.overlay.patches:
                self.add(duplicate_key(name, doc.location(item)))
                continue
            del data["name"]
            self.overlay.patches[(key, name)] = Patch(data, spans, doc.location(item))

    def _read_item(self, doc: Document, key: str, cls: type[Located], item: Node) -> Located | None:
        where = doc.location(item)
        kind = KIND_OF_SECTION[key]
        if not isinstance(item, MappingNode):
            self.add(
                Diagnostic(
                    "L008",
                    f"each entry of '{key}' must be a mapping",
                    location=where,
                    hint="start the entry with '- name: ...'",
                )
            )
            return None
        spans: dict[str, Location] = {}
        try:
            data = to_python(doc, item, spans)
        except (TreeError, RecursionError) as exc:
            self._tree_error(doc, item, exc)
            return None
        self.diagnostics.extend(doc.diagnostics)
        doc.diagnostics.clear()
        name = data.get("name")
        label = f"{kind} '{name}'" if isinstance(name, str) else kind
        reserved = [k for k in data if k in LOADER_FIELDS_MODEL]
        for k in reserved:
            self.add(
                Diagnostic("L005", f"unknown key '{k}' in {label}", location=spans.get(k, where))
            )
            del data[k]
        data, spans = self.overlay.patch_node(key, data, spans)
        data["location"] = where
        data["spans"] = spans
        if cls is Model:
            self._sql_origin(doc, item, data)
            sql = data.get("sql")
            if isinstance(sql, str) and len(sql) > MAX_SQL_CHARS:
                self.add(
                    Diagnostic(
                        "L014",
                        f"SQL of {label} is {len(sql)} characters long (limit {MAX_SQL_CHARS})",
                        location=spans.get("sql", where),
                        hint="split the model; generated SQL this large is a mistake",
                    )
                )
                self.failed.add(f"{kind}:{name}")
                return None
        first = len(self.diagnostics)
        built: Located | None = self.validate(cls, data, lambda p: _where(spans, p, where), label)
        if built is None and isinstance(name, str):
            self.failed.add(f"{kind}:{name}")
            self.owned.extend((i, kind, name) for i in range(first, len(self.diagnostics)))
        return built

    def name_nodes(self, project: str) -> None:
        """Give the validation errors of entries that did not load their node's id."""
        kinds = {k.value: k for k in NodeKind}
        for index, kind, name in self.owned:
            diag = self.diagnostics[index]
            if kind in kinds and not diag.node:
                node = node_id(kinds[kind], project, name)
                self.diagnostics[index] = replace(diag, node=node)
        self.owned.clear()

    def validate(
        self, cls: type[Any], data: Any, where: Any, label: str, kind: str = "", name: object = None
    ) -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            node = ""
            self.diagnostics.extend(diagnostics_from(exc, cls, where, label, node))
            return None

    def _sql_origin(self, doc: Document, item: MappingNode, data: dict[str, Any]) -> None:
        for key_node, value_node in item.value:
            if isinstance(key_node, ScalarNode) and key_node.value == "sql":
                start, indent = block_scalar_start(doc, value_node)
                data["sql_location"] = start
                data["sql_indent"] = indent

    def _tree_error(self, doc: Document, node: Node, exc: BaseException) -> None:
        self.diagnostics.extend(doc.diagnostics)
        doc.diagnostics.clear()
        if isinstance(exc, TreeError):
            self.add(exc.diagnostic)
        else:
            self.add(Diagnostic("L004", "YAML is nested too deeply", location=doc.location(node)))


def _where(spans: dict[str, Location], path: str, default: Location) -> Location:
    while path:
        hit = spans.get(path)
        if hit is not None:
            return hit
        path = path.rpartition(".")[0]
    return default


def header_value(
    collector: Collector, key: str, cls: type[BaseModel], label: str
) -> tuple[Any, dict[str, Location]]:
    """Validate a header section (project/runtime/defaults/rules); None when absent/invalid."""
    entry = collector.headers.get(key)
    if entry is None:
        return None, {}
    value, spans, doc = entry
    if value is None:
        value = {}
    default = spans.get(key, Location(doc.file))
    result = collector.validate(
        cls, value, lambda p: _where(spans, f"{key}.{p}" if p else key, default), label
    )
    return result, spans
