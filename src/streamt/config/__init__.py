"""streamt.config room."""
