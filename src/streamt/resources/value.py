"""What every resource value shares: its serialised form and the data fingerprint of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from streamt.resources.fingerprint import digest

NOT_SERIALISED = frozenset({"node"})  # the change / ledger entry holding a value names its node


class ResourceValue:
    """Mixin of the frozen (pydantic) dataclasses in this room."""

    def as_json(self) -> dict[str, object]:
        """The serialised form (as in `plan.json` and the ledger), without the node."""
        value: Any = self
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(value)
            if f.name not in NOT_SERIALISED
        }

    @cached_property
    def data_fingerprint(self) -> str:
        """Digest of the serialised form: changes to it are changes to the resource."""
        return digest(self.as_json())


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def sorted_config(config: Mapping[str, object]) -> dict[str, str]:
    return {str(k): str(v) for k, v in sorted(config.items())}
