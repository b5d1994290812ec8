"""streamt.compile: a loaded project + its graph -> desired state (specs) and compiled facts.

Pure (returns values, never does I/O). Public: `compile_project`, `CompileResult`,
`CompiledNode`, the specs in `streamt.compile.specs`, and the schema lock format.
"""

from streamt.compile.project import compile_project
from streamt.compile.result import CompiledNode, CompileResult
from streamt.compile.schemas import LOCK_FILE, SchemaLock, dump_lock, parse_lock

__all__ = [
    "LOCK_FILE",
    "CompileResult",
    "CompiledNode",
    "SchemaLock",
    "compile_project",
    "dump_lock",
    "parse_lock",
]
