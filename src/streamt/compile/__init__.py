"""streamt.compile room."""
