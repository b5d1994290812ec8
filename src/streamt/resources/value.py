"""What every resource value shares: its serialised form and the data fingerprint of it.

The values are plain frozen dataclasses (cheap to build, nothing to import); pydantic
validates and serialises them only inside the plan and ledger models that hold them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field

from streamt.resources.fingerprint import digest

NOT_SERIALISED = frozenset({"node"})
# the owning node id ("model.shop.orders_clean"); not serialised: the change / ledger entry
# holding a value names its node, and gives it back to the value when read
NodeField = Annotated[str, Field(exclude=True)]


class ResourceValue:
    """Mixin of the frozen dataclasses in this room."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")
    not_serialised: ClassVar[frozenset[str]] = NOT_SERIALISED

    def as_json(self) -> dict[str, object]:
        """The serialised form (as in `plan.json` and the ledger), without the node."""
        value: Any = self
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(value)
            if f.name not in self.not_serialised
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


def with_node(data: object, *fields: str) -> object:
    """A serialised change or ledger entry names the node once, on itself; its resource values
    get it back when read (`node` is not part of a value's serialised form, nor a job's `name`,
    which is the change's / entry's name)."""
    if not isinstance(data, dict) or not data.get("node"):
        return data
    out = dict(data)
    for name in fields:
        value = out.get(name)
        if isinstance(value, dict) and "node" not in value:
            value = {**value, "node": data["node"]}
            if value.get("type") == "flink_job":
                value.setdefault("name", data.get("name", ""))
            out[name] = value
    return out
