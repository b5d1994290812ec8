"""Typed access to decoded JSON: a wrong shape is an AdapterError, never a KeyError/TypeError.

`Shape(system, url)` carries where the value came from so every error names the call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from streamt.adapters.protocols import AdapterError


@dataclass(frozen=True)
class Shape:
    system: str
    url: str

    def fail(self, what: str, value: object) -> AdapterError:
        excerpt = json.dumps(value, default=str)[:300]
        return AdapterError(
            self.system, f"unexpected response shape: {what}", url=self.url, body=excerpt
        )

    def obj(self, value: object, what: str = "object") -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(f"expected {what} to be an object", value)
        return value

    def arr(self, value: object, what: str = "array") -> list[object]:
        if not isinstance(value, list):
            raise self.fail(f"expected {what} to be an array", value)
        return value

    def str_(self, data: Mapping[str, object], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            raise self.fail(f"expected string field {key!r}", dict(data))
        return value

    def int_(self, data: Mapping[str, object], key: str, default: int | None = None) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"expected integer field {key!r}", dict(data))
        return value

    def opt_str(self, data: Mapping[str, object], key: str, default: str = "") -> str:
        value = data.get(key)
        return value if isinstance(value, str) else default

    def str_map(self, value: object, what: str) -> dict[str, str]:
        """A flat object of scalars, rendered as strings (connector configs, topic configs)."""
        return {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in self.obj(value, what).items()
        }
