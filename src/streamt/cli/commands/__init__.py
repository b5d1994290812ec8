"""One module per CLI command; each is a thin click command over `streamt.context.Context`."""
