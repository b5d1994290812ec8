"""streamt.graph room."""
