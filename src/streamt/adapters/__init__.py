"""streamt.adapters room."""
