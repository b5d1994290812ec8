"""HTTP test doubles of the systems streamt talks to, each with its own model of the documented
API (status codes, error bodies, state transitions). They never import streamt: what they answer
comes from their model, so a client that sends one thing and expects another sees a difference.
Mount one with `httpx.MockTransport(server)`."""
