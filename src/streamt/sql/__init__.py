"""streamt.sql room."""
