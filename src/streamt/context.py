"""The facade: one `Context` per invocation, used by the CLI and as the Python API.

It wires rooms together (load -> graph -> compile -> artifacts; observe -> plan -> apply) and
holds no logic of its own beyond that wiring.
"""
