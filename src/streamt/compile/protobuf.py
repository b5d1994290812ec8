"""Columns from a `.proto` definition (the value schema of a Protobuf subject). Pure.

A small reader of the subset a schema needs: `syntax`, `package`, `import`, `option`,
`message` (nested messages and enums, fields with `optional` / `required` / `repeated`,
`map<K, V>`, `oneof`, `reserved`, `extensions`) and `enum`. Services, extensions of other
messages and custom option bodies are skipped or refused, never guessed.

The value message is the file's first top-level message (what Confluent's serializer writes
by default, message index 0). Types (Flink's protobuf format table, widened where a Java int
would wrap): int32/sint32/sfixed32 -> INT, int64/sint64/sfixed64 -> BIGINT, uint32/fixed32 ->
BIGINT, uint64/fixed64 -> DECIMAL(20, 0), float -> FLOAT, double -> DOUBLE, bool -> BOOLEAN,
string -> STRING, bytes -> BYTES, enum -> STRING, message -> ROW, repeated -> ARRAY,
map -> MAP, google.protobuf.Timestamp -> TIMESTAMP_LTZ(3), the wrapper types -> their scalar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from streamt.compile.schemas import SchemaProblem, deeper
from streamt.sql import Column, SqlType
from streamt.sql.types import BIGINT, BOOLEAN, BYTES_T, DOUBLE, INT, STRING, TIMESTAMP_LTZ3

_SCALARS: dict[str, SqlType] = {
    "double": DOUBLE,
    "float": SqlType("FLOAT"),
    "int32": INT,
    "sint32": INT,
    "sfixed32": INT,
    "int64": BIGINT,
    "sint64": BIGINT,
    "sfixed64": BIGINT,
    "uint32": BIGINT,
    "fixed32": BIGINT,
    "uint64": SqlType("DECIMAL", (20, 0)),
    "fixed64": SqlType("DECIMAL", (20, 0)),
    "bool": BOOLEAN,
    "string": STRING,
    "bytes": BYTES_T,
}
_WELL_KNOWN: dict[str, SqlType] = {
    "google.protobuf.Timestamp": TIMESTAMP_LTZ3,
    "google.protobuf.StringValue": STRING,
    "google.protobuf.BytesValue": BYTES_T,
    "google.protobuf.BoolValue": BOOLEAN,
    "google.protobuf.Int32Value": INT,
    "google.protobuf.UInt32Value": BIGINT,
    "google.protobuf.Int64Value": BIGINT,
    "google.protobuf.UInt64Value": SqlType("DECIMAL", (20, 0)),
    "google.protobuf.FloatValue": SqlType("FLOAT"),
    "google.protobuf.DoubleValue": DOUBLE,
}
_TOKEN = re.compile(
    r"\s+|//[^\n]*|/\*.*?\*/|(?P<str>\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')"
    r"|(?P<word>[A-Za-z_.][\w.]*)|(?P<num>-?[0-9][\w.+-]*)|(?P<sym>[{}\[\]()<>;=,:])",
    re.DOTALL,
)


@dataclass
class _Field:
    name: str
    type: str
    repeated: bool = False
    map_key: str | None = None


@dataclass
class _Message:
    name: str  # full name, package-qualified
    fields: list[_Field] = field(default_factory=list)


@dataclass
class _File:
    package: str = ""
    messages: dict[str, _Message] = field(default_factory=dict)
    enums: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)  # top-level messages, in order


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            line = text.count("\n", 0, pos) + 1
            raise SchemaProblem(f".proto: unexpected {text[pos]!r} on line {line}")
        if match.lastgroup is not None:
            out.append(match.group(match.lastgroup))
        pos = match.end()
    return out


class _Reader:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.file = _File()

    def peek(self) -> str:
        return self.toks[self.i] if self.i < len(self.toks) else ""

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if not tok or (expected is not None and tok != expected):
            raise SchemaProblem(
                f".proto: expected {expected or 'more'}, found {tok or 'the end'!r}"
            )
        self.i += 1
        return tok

    def skip_statement(self) -> None:
        """Up to and including the next `;` at this level (an option's `{...}` value too)."""
        depth = 0
        while True:
            tok = self.take()
            depth += {"{": 1, "}": -1}.get(tok, 0)
            if depth == 0 and tok in (";", "}"):
                return

    def read_file(self) -> _File:
        while self.peek():
            tok = self.take()
            if tok == "package":
                self.file.package = self.take()
                self.take(";")
            elif tok == "message":
                self.file.order.append(self.message(self.file.package, 1))
            elif tok == "enum":
                self.enum(self.file.package)
            elif tok in ("syntax", "edition", "import", "option"):
                self.skip_statement()
            elif tok in ("service", "extend"):
                self.take()
                self.block()
            elif tok != ";":
                raise SchemaProblem(f".proto: unexpected {tok!r} at the top level")
        return self.file

    def block(self) -> None:
        self.take("{")
        depth = 1
        while depth:
            depth += {"{": 1, "}": -1}.get(self.take(), 0)

    def enum(self, scope: str) -> None:
        self.file.enums.add(_qualify(scope, self.take()))
        self.block()

    def message(self, scope: str, depth: int) -> str:
        name = _qualify(scope, self.take())
        msg = self.file.messages[name] = _Message(name)
        self.take("{")
        while (tok := self.take()) != "}":
            if tok == "message":
                self.message(name, deeper(depth))
            elif tok == "enum":
                self.enum(name)
            elif tok == "oneof":
                self.take()
                self.take("{")
                while self.peek() != "}":
                    if self.peek() == "option":
                        self.skip_statement()
                    else:
                        msg.fields.append(self.field(self.take(), False))
                self.take("}")
            elif tok in ("option", "reserved", "extensions"):
                self.skip_statement()
            elif tok == "extend":
                self.take()
                self.block()
            elif tok != ";":
                label = tok in ("optional", "required", "repeated")
                kind = self.take() if label else tok
                msg.fields.append(self.field(kind, tok == "repeated"))
        return name

    def field(self, kind: str, repeated: bool) -> _Field:
        key = None
        if kind == "map":
            self.take("<")
            key = self.take()
            self.take(",")
            kind = self.take()
            self.take(">")
        out = _Field(self.take(), kind, repeated, key)
        self.take("=")
        self.take()
        if self.peek() == "[":
            while self.take() != "]":
                pass
        self.take(";")
        return out


def _qualify(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def protobuf_columns(text: str) -> tuple[Column, ...]:
    """The columns of the first top-level message of a `.proto` text."""
    proto = _Reader(text).read_file()
    if not proto.order:
        raise SchemaProblem("a Protobuf value schema must declare a message")
    root = proto.messages[proto.order[0]]
    if not root.fields:
        raise SchemaProblem(f"message {root.name} declares no fields")
    return tuple(Column(f.name, _field_type(proto, root.name, f, 1)) for f in root.fields)


def _field_type(proto: _File, scope: str, fld: _Field, depth: int) -> SqlType:
    value = _type(proto, scope, fld.type, depth)
    if fld.map_key is not None:
        return SqlType("MAP", children=(_type(proto, scope, fld.map_key, depth), value))
    return SqlType("ARRAY", children=(value,)) if fld.repeated else value


def _type(proto: _File, scope: str, name: str, depth: int) -> SqlType:
    if name in _SCALARS:
        return _SCALARS[name]
    full = _resolve(proto, scope, name)
    if full in _WELL_KNOWN:
        return _WELL_KNOWN[full]
    if full in proto.enums:
        return STRING
    msg = proto.messages.get(full)
    if msg is None:
        raise SchemaProblem(f"type {name!r} is not declared in the .proto (imports are not read)")
    depth = deeper(depth)
    return SqlType(
        "ROW",
        children=tuple(_field_type(proto, msg.name, f, depth) for f in msg.fields),
        fields=tuple(f.name for f in msg.fields),
    )


def _resolve(proto: _File, scope: str, name: str) -> str:
    """A type reference resolved as protoc does: innermost scope outwards; `.a.B` is absolute."""
    if name.startswith("."):
        return name[1:]
    known = proto.messages.keys() | proto.enums | _WELL_KNOWN.keys()
    parts = scope.split(".") if scope else []
    for cut in range(len(parts), -1, -1):
        candidate = _qualify(".".join(parts[:cut]), name)
        if candidate in known:
            return candidate
    return name
