"""streamt.load room."""
