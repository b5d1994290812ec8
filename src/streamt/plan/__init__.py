"""streamt.plan room."""
