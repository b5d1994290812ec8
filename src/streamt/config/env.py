"""`${VAR}` placeholders: find them and resolve them from a passed-in mapping.

Placeholders stay verbatim in the loaded project and in every artifact. Only commands that need
a real value (apply, test, plan against live systems) call `resolve`, with the environment they
were given; a missing variable is then a diagnostic, never a crash. This module never reads or
writes `os.environ`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from streamt.diagnostics import Diagnostic, Location, StreamtError


@dataclass(frozen=True)
class Placeholder:
    name: str
    start: int  # offset of "$" in the string
    end: int  # offset just past "}"


def _is_name(text: str) -> bool:
    if not text or not (text[0].isalpha() or text[0] == "_"):
        return False
    return all(c.isalnum() or c == "_" for c in text) and text.isascii()


def placeholders(value: str) -> list[Placeholder]:
    """Every `${NAME}` in `value` (NAME = [A-Za-z_][A-Za-z0-9_]*); `$${X}` is a literal escape."""
    found: list[Placeholder] = []
    i = value.find("${")
    while i != -1:
        end = value.find("}", i + 2)
        if end == -1:
            break
        escaped = i > 0 and value[i - 1] == "$"
        name = value[i + 2 : end]
        if not escaped and _is_name(name):
            found.append(Placeholder(name, i, end + 1))
        i = value.find("${", end + 1)
    return found


class UnsetVariable(StreamtError, KeyError):
    """A `${NAME}` whose variable is not set, met where its value is needed."""

    def __init__(self, name: str) -> None:
        super().__init__(_unset(name, Location()))
        self.args = (name,)


def _unset(name: str, where: Location) -> Diagnostic:
    return Diagnostic(
        code="L030",
        message=f"environment variable {name} is not set",
        location=where,
        hint=f"export {name}=... or put it in .env; this command needs its value",
    )


def missing_variables(value: str, environ: Mapping[str, str]) -> list[str]:
    return [p.name for p in placeholders(value) if p.name not in environ]


def resolve(
    value: str, environ: Mapping[str, str], encode: Callable[[str], str] | None = None
) -> str:
    """Substitute `${NAME}` from `environ`; `$${X}` yields a literal `${X}`.

    `encode` turns each variable's value into what the value's format needs at that place
    (e.g. `streamt.config.jaas.escape` inside a JAAS config); a value is never re-read as a
    placeholder or an escape. Raises `UnsetVariable` (an L030 diagnostic, and a
    `KeyError(name)`) for a missing variable; callers that know where the value was written
    use `missing_variable_diagnostics` first.
    """
    out: list[str] = []
    pos = 0
    for ph in placeholders(value):
        out.append(_unescape(value[pos : ph.start]))
        if ph.name not in environ:
            raise UnsetVariable(ph.name)
        out.append(encode(environ[ph.name]) if encode else environ[ph.name])
        pos = ph.end
    out.append(_unescape(value[pos:]))
    return "".join(out)


def _unescape(text: str) -> str:
    return text.replace("$${", "${")


def resolve_tree(value: object, environ: Mapping[str, str]) -> object:
    """`resolve` applied to every string inside nested mappings / sequences."""
    if isinstance(value, str):
        return resolve(value, environ)
    if isinstance(value, Mapping):
        return {k: resolve_tree(v, environ) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(resolve_tree(v, environ) for v in value)
    return value


def missing_variable_diagnostics(
    values: Iterable[tuple[str, Location]], environ: Mapping[str, str]
) -> list[Diagnostic]:
    """One `L030` diagnostic per unset variable per value (value text, where it was written)."""
    diags: list[Diagnostic] = []
    for text, where in values:
        for name in missing_variables(text, environ):
            diags.append(_unset(name, where))
    return diags


def parse_dotenv(text: str) -> dict[str, str]:
    """`KEY=value` lines of a `.env` file (`export ` prefix, quotes and `#` comments allowed).

    Values are taken literally (no `${VAR}` expansion inside .env); malformed lines are skipped.
    """
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _is_name(key):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[key] = value
    return out
