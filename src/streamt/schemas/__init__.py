"""streamt.schemas: `streamt schemas pull` — lock source columns from the Schema Registry.

In: the loaded project and a `SchemaRegistry` adapter. Out: the text of `schemas.lock` (the
format `streamt.compile.schemas` reads) plus diagnostics. Writes nothing itself.
"""

from streamt.schemas.pull import PullResult, pull_schemas

__all__ = ["PullResult", "pull_schemas"]
