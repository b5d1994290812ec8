"""The one name policy: which text may name a project, node, topic, subject or environment.

Names travel into SQL identifiers, Kafka topic and consumer-group ids, HTTP paths
(`/connectors/{name}/config`, `/subjects/{subject}/versions`), ledger keys, artifact file names
and the terminal. One rule keeps every one of them inert:

* ASCII letters, digits, `_`, `-` and `.` only (topics and subjects: Kafka's `[a-zA-Z0-9._-]`),
  so no quote, slash, whitespace, control or escape character and no look-alike Unicode letter;
* starts with a letter, a digit or `_`, so never `.`, `..` or a hidden file;
* bounded length (Kafka's 249 for topics and subjects, 128 for the rest, 64 for environments).

`name_problem(kind, name)` says why a name breaks the rule ("" when it does not);
`check_names(project)` applies it at load to every name a project declares (`L040`, placed on
the key). Reserved resources (`_streamt_state`, `__consumer_offsets`, ...) are refused later by
`streamt.validate.reserved`, once the compiled names are known. No I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

from streamt.diagnostics import Diagnostic, Location
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Project

_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


class NameKind(str, enum.Enum):
    PROJECT = "project"
    SOURCE = "source"
    MODEL = "model"
    TEST = "test"
    EXPOSURE = "exposure"
    TOPIC = "topic"
    SUBJECT = "subject"
    CONNECTOR = "connector"
    ENVIRONMENT = "environment"


_MAX = {NameKind.TOPIC: 249, NameKind.SUBJECT: 249, NameKind.ENVIRONMENT: 64}
_NO_DOT = {NameKind.ENVIRONMENT}
MAX_NAME = 128


def max_length(kind: NameKind) -> int:
    return _MAX.get(kind, MAX_NAME)


def name_problem(kind: NameKind, name: str) -> str:
    """Why `name` cannot name a `kind`, or "" when it can."""
    if not name:
        return "is empty"
    limit = max_length(kind)
    if len(name) > limit:
        return f"is longer than {limit} characters"
    for ch in name:
        if ch in _CHARS and not (ch == "." and kind in _NO_DOT):
            continue
        return f"contains {_describe(ch)}"
    if name[0] in ".-":
        return f"starts with {name[0]!r}"
    return ""


def kafka_collision_key(topic: str) -> str:
    """Kafka refuses to create a topic whose name equals an existing one's once every '.' is
    read as '_' (their metric names would be one): `a.b` and `a_b` cannot both exist. Two
    names with the same key collide."""
    return topic.replace(".", "_")


def hint_for(kind: NameKind) -> str:
    dot = "" if kind in _NO_DOT else ", '.'"
    return (
        f"use ASCII letters, digits, '_', '-'{dot}; start with a letter, digit or '_'; "
        f"at most {max_length(kind)} characters (no quotes, slashes, spaces or look-alike letters)"
    )


def _describe(ch: str) -> str:
    named = {
        "'": "a quote",
        '"': "a double quote",
        "`": "a backtick",
        ";": "a semicolon",
        "/": "a slash",
        "\\": "a backslash",
    }
    if ch in named:
        return named[ch]
    if ch.isspace():
        return "whitespace"
    if not ch.isprintable():
        return f"a control character (U+{ord(ch):04X})"
    if not ch.isascii():
        import unicodedata  # only for this message

        label = unicodedata.name(ch, "").lower() or "unnamed"
        return f"a non-ASCII character {ch!r} (U+{ord(ch):04X} {label})"
    return f"the character {ch!r}"


def check_names(project: Project) -> list[Diagnostic]:
    """`L040` for every declared name that breaks the policy, placed on its key."""
    out: list[Diagnostic] = []
    for kind, name, where, node in _declared(project):
        problem = name_problem(kind, name)
        if problem:
            out.append(
                Diagnostic(
                    "L040",
                    f"{kind.value} name {_shown(name)} {problem}",
                    location=where,
                    hint=hint_for(kind),
                    node=node,
                )
            )
    return out


def _shown(name: str) -> str:
    """The name quoted for a message, control characters escaped (never sent raw to a TTY)."""
    text = name if len(name) <= 80 else name[:77] + "..."
    if all(ch.isprintable() for ch in text):
        return f"'{text}'"
    return repr(text)


def _declared(project: Project) -> Iterator[tuple[NameKind, str, Location, str]]:
    pname = project.name
    yield NameKind.PROJECT, pname, project.where("project.name"), ""
    groups = (
        (NameKind.SOURCE, NodeKind.SOURCE, project.sources),
        (NameKind.MODEL, NodeKind.MODEL, project.models),
        (NameKind.TEST, NodeKind.TEST, project.tests),
        (NameKind.EXPOSURE, NodeKind.EXPOSURE, project.exposures),
    )
    for kind, node_kind, items in groups:
        for item in items:
            yield kind, item.name, item.where("name"), node_id(node_kind, pname, item.name)
    for source in project.sources:
        subject = source.schema_.subject if source.schema_ else None
        if subject is not None:
            node = node_id(NodeKind.SOURCE, pname, source.name)
            yield NameKind.SUBJECT, subject, source.where("schema.subject"), node
    for model in project.models:
        gateway = model.gateway.virtual_topic if model.gateway else None
        if gateway is not None and gateway.name is not None:
            node = node_id(NodeKind.MODEL, pname, model.name)
            yield NameKind.TOPIC, gateway.name, model.where("gateway.virtual_topic.name"), node
