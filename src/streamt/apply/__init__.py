"""streamt.apply room."""
