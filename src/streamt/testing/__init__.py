"""streamt.testing room."""
