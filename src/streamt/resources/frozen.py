"""The one base of streamt's frozen pydantic models (plan, ledger, manifest): immutable,
unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
