"""streamt.artifacts room."""
