"""streamt.config: runtime settings, environment overlays and `${VAR}` resolution.

Pure: values in, values out. Never reads or writes `os.environ`; callers pass a mapping.
Attributes are imported lazily: `streamt.config.env` (placeholders, `resolve`, `.env` parsing)
does not pay for pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamt.config.env import (
        missing_variable_diagnostics,
        parse_dotenv,
        placeholders,
        resolve,
        resolve_tree,
    )
    from streamt.config.environments import EnvironmentConfig
    from streamt.config.runtime import RuntimeConfig, local_runtime

_WHERE = {
    "EnvironmentConfig": "environments",
    "RuntimeConfig": "runtime",
    "local_runtime": "runtime",
    "missing_variable_diagnostics": "env",
    "parse_dotenv": "env",
    "placeholders": "env",
    "resolve": "env",
    "resolve_tree": "env",
}

__all__ = [
    "EnvironmentConfig",
    "RuntimeConfig",
    "local_runtime",
    "missing_variable_diagnostics",
    "parse_dotenv",
    "placeholders",
    "resolve",
    "resolve_tree",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"streamt.config.{module}"), name)
