"""streamt.state room."""
