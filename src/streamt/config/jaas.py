"""JAAS configuration values (`sasl.jaas.config`), quoted the way Kafka's parser reads them.

Kafka reads a JAAS config with `java.io.StreamTokenizer`: an option value is a double-quoted
string in which a backslash escapes the next character (`\\"`, `\\\\`, `\\n`, `\\r`, `\\t`). A
value is escaped before it goes between the quotes, whether it is written in the project or
bound from a `${VAR}` at apply time, so no value can end the string or add options. Pure.
"""

from __future__ import annotations

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_jaas_key(key: str) -> bool:
    """An option holding a JAAS config (`sasl.jaas.config`, with any prefix)."""
    return key.lower().endswith("sasl.jaas.config")


def escape(value: str) -> str:
    """`value` as the inside of a JAAS double-quoted string."""
    return "".join(_ESCAPES.get(c, c) for c in value)


def login(module: str, options: dict[str, str]) -> str:
    """`module required k="v" ...;` with every value escaped (`${VAR}` references kept)."""
    pairs = " ".join(f'{k}="{escape(v)}"' for k, v in options.items())
    return f"{module} required {pairs};"
