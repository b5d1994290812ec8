"""streamt.local room."""
