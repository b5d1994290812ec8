"""streamt.docs room."""
