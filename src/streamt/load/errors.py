"""Pydantic validation errors -> placed diagnostics with did-you-mean hints.

`L005` unknown key, `L007` missing required key, `L006` any other wrong type or value.
The location comes from the node's spans (the key as written); the allowed keys for a
did-you-mean come from walking the model class along the error path.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from streamt.diagnostics import Diagnostic, Location, did_you_mean
from streamt.load.assertions import assertion_diagnostic
from streamt.load.model import LOADER_FIELDS_MODEL, DataTest


def field_keys(cls: type[BaseModel]) -> list[str]:
    """Keys a user may write for `cls` (aliases, not loader-set fields)."""
    return [
        f.alias or name
        for name, f in cls.model_fields.items()
        if name not in LOADER_FIELDS_MODEL and name != "root"
    ]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class inside an annotation (Optional, tuple[...], Mapping[str, X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list) or origin is not None:
        pick = args[-1:] if origin is not None and _is_mapping(origin) else args
        for arg in pick:
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _is_mapping(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, Mapping)


def model_at(cls: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the last element of `loc` (skipping indexes / map keys)."""
    current: type[BaseModel] | None = cls
    for part in loc[:-1]:
        if current is None:
            return None
        field = _field(current, part)
        if field is None:
            continue  # a list index or a mapping key: stay on the item's model
        current = _model_in(field.annotation)
    return current


def _field(cls: type[BaseModel], key: int | str) -> Any:
    if not isinstance(key, str):
        return None
    for name, f in cls.model_fields.items():
        if key in (name, f.alias):
            return f
    return None


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop pydantic's union-branch / validator markers (e.g. 'function-before[...]')."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p == "str")))


def diagnostics_from(
    exc: ValidationError,
    cls: type[BaseModel],
    where: typing.Callable[[str], Location],
    what: str,
    node: str = "",
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, located via `where(dotted path)`."""
    out = [_one(err, cls, where, what, node) for err in exc.errors(include_url=False)]
    return _dedupe(out)


def _one(
    err: ErrorDetails,
    cls: type[BaseModel],
    where: typing.Callable[[str], Location],
    what: str,
    node: str,
) -> Diagnostic:
    loc = _clean_loc(tuple(err["loc"]))
    if cls is DataTest and len(loc) >= 2 and loc[0] == "assertions":
        return replace(assertion_diagnostic(err, loc[1:], where, what), node=node)
    path = ".".join(str(p) for p in loc)
    key = str(loc[-1]) if loc else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = model_at(cls, loc)
        allowed = field_keys(owner) if owner else []
        hint = did_you_mean(key, allowed) or (
            f"allowed keys: {', '.join(sorted(allowed))}" if allowed else ""
        )
        return Diagnostic(
            "L005", f"unknown key '{path}' in {what}", location=where(path), hint=hint, node=node
        )
    if kind == "missing":
        return Diagnostic(
            "L007",
            f"missing required key '{path}' in {what}",
            location=where(path.rpartition(".")[0]),
            hint=f"add '{key}:'",
            node=node,
        )
    message = err["msg"].removeprefix("Value error, ")
    hint = _value_hint(err)
    label = f"'{path}'" if path else "entry"
    return Diagnostic(
        "L006", f"invalid {label} in {what}: {message}", location=where(path), hint=hint, node=node
    )


def _value_hint(err: ErrorDetails) -> str:
    ctx = err.get("ctx") or {}
    expected = ctx.get("expected")
    value = err.get("input")
    if isinstance(expected, str) and isinstance(value, str):
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",")]
        return did_you_mean(value, [c for c in choices if c]) or f"expected {expected}"
    return ""


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, Location]] = set()
    out: list[Diagnostic] = []
    for d in diags:
        key = (d.code, d.message, d.location)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
