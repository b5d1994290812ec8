"""Keeping secrets out of plans, ledgers and logs.

A value is sensitive when its key names a credential or when the desired value holds a
`${VAR}` placeholder (the resolved value exists only in memory at apply time). Live configs
read back from Kafka Connect contain resolved secrets: they are masked before display and
left out of every digest streamt writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MASK = "(sensitive)"
_SENSITIVE_KEY = re.compile(
    r"(password|passwd|secret|token|credential|sasl\.jaas|api[._-]?key|private[._-]?key|"
    r"access[._-]?key|auth\.user\.info|basic\.auth)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\$\{[^}]+\}")


def has_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value))


def is_sensitive_key(key: str) -> bool:
    return bool(_SENSITIVE_KEY.search(key))


def sensitive_keys(desired: Mapping[str, str]) -> frozenset[str]:
    return frozenset(k for k, v in desired.items() if has_placeholder(v) or is_sensitive_key(k))


def display(key: str, value: str | None, secret_keys: frozenset[str] = frozenset()) -> str | None:
    """The value as shown to people: placeholders as written, secrets masked."""
    if value is None:
        return None
    if has_placeholder(value):
        return value
    if key in secret_keys or is_sensitive_key(key):
        return MASK
    return value


def public_config(
    config: Mapping[str, str], secret_keys: frozenset[str] = frozenset()
) -> dict[str, str]:
    """The config without sensitive keys (what digests and drift checks look at)."""
    return {
        k: v
        for k, v in sorted(config.items())
        if k != "name" and k not in secret_keys and not is_sensitive_key(k)
    }
