"""streamt.config: runtime settings, environment overlays and `${VAR}` resolution.

Pure: values in, values out. Never reads or writes `os.environ`; callers pass a mapping.
"""

from streamt.config.env import (
    missing_variable_diagnostics,
    parse_dotenv,
    placeholders,
    resolve,
    resolve_tree,
)
from streamt.config.environments import EnvironmentConfig
from streamt.config.runtime import RuntimeConfig, local_runtime

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
