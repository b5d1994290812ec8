"""streamt: dbt for streaming.

Public API is kept small and explicit; heavy modules are imported lazily so the CLI starts fast.
"""

__version__ = "0.2.0"

__all__ = ["__version__"]
