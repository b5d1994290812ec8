"""The project's user-defined functions (`functions:`): their return types for the analyser and
the `CREATE TEMPORARY FUNCTION` statements of the jobs that call them.

Declaration problems are diagnostics at the entry's YAML location: a return type that is not a
Flink type (V110), a name that is a Flink built-in (V111: a temporary catalog function never
shadows one, so the built-in would run), a name declared twice (V112), a jar that is not there
(V113), a name that is not an SQL word (V114), a class that is not a Java class name (V115). The jar is resolved against the project root (a URI with a scheme is kept as written);
apply runs the statement in the job's SQL Gateway session, which reads the jar and ships it
with the job. The jar's content digest is part of the calling jobs' data fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from streamt.compile import udf
from streamt.compile.shapes import ShapeMemo
from streamt.diagnostics import Diagnostic
from streamt.load.model import Project, UserFunction
from streamt.sql.ddl import create_function
from streamt.sql.exprtypes import function_name
from streamt.sql.functions import BUILTINS
from streamt.sql.types import SqlType, TypeSyntaxError, parse_type


@dataclass(frozen=True)
class DeclaredFunctions:
    types: Mapping[str, SqlType]  # upper-case name -> return type (what the analyser needs)
    statements: Mapping[str, str]  # upper-case name -> CREATE TEMPORARY FUNCTION ...
    jars: Mapping[str, str]  # upper-case name -> the jar's content digest (or its URI)
    aggregates: frozenset[str] = frozenset()  # the names declared `kind: aggregate`
    decoder_jar: str = ""  # where streamt's own Avro decoder is built (`streamt.compile.udf`)

    @classmethod
    def none(cls) -> DeclaredFunctions:
        return cls({}, {}, {})

    def shape_memo(self) -> ShapeMemo:
        return ShapeMemo(functions=self.types, aggregates=self.aggregates)

    def used_by(self, tree: exp.Expr | None) -> list[str]:
        """The upper-case names of the declared functions `tree` calls (sorted)."""
        if not self.types or tree is None:
            return []
        called = {function_name(call) for call in tree.find_all(exp.Func)}
        return sorted(called & self.types.keys())


def declared_functions(project: Project, diags: list[Diagnostic]) -> DeclaredFunctions:
    types: dict[str, SqlType] = {}
    statements: dict[str, str] = {}
    jars: dict[str, str] = {}
    for fn in project.functions:
        key = fn.name.upper()
        problem = _problem(fn, key, types.keys(), project.root)
        if problem is not None:
            diags.append(problem)
            continue
        types[key] = parse_type(fn.returns)
        jar = _jar_uri(fn.jar, project.root)
        statements[key] = create_function(fn.name, fn.class_, jar, fn.language)
        jars[key] = _jar_digest(jar)
    aggregates = frozenset(f.name.upper() for f in project.functions if f.kind == "aggregate")
    decoder = udf.jar_path(project.root) if project.root else ""
    return DeclaredFunctions(types, statements, jars, aggregates & types.keys(), decoder)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CLASS = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")


def _problem(fn: UserFunction, key: str, seen: Iterable[str], root: str) -> Diagnostic | None:
    label = f"function '{fn.name}'"
    if not _NAME.fullmatch(fn.name):
        return Diagnostic(
            "V114",
            f"{label}: a function name is letters, digits and '_' (not starting with a digit)",
            location=fn.where("name"),
            hint="models call it unquoted, e.g. my_score(x)",
        )
    if not _CLASS.fullmatch(fn.class_):
        return Diagnostic(
            "V115",
            f"{label}: class '{fn.class_}' is not a Java class name",
            location=fn.where("class"),
            hint="the fully qualified class, e.g. com.acme.udf.Score (inner classes: Outer$Inner)",
        )
    if key in BUILTINS:
        return Diagnostic(
            "V111",
            f"{label} has the name of a Flink built-in function, which would run instead",
            location=fn.where("name"),
            hint="give the user-defined function another name",
        )
    if key in seen:
        return Diagnostic(
            "V112", f"{label} is declared twice", location=fn.where("name"), hint="keep one entry"
        )
    try:
        parse_type(fn.returns)
    except TypeSyntaxError as exc:
        return Diagnostic(
            "V110",
            f"{label}: returns '{fn.returns}' is not a Flink type ({exc})",
            location=fn.where("returns"),
            hint="write a Flink SQL type, e.g. STRING, DOUBLE, DECIMAL(10, 2), ARRAY<STRING>",
        )
    if "://" not in fn.jar and not (Path(root) / fn.jar).is_file():
        return Diagnostic(
            "V113",
            f"{label}: jar '{fn.jar}' not found",
            location=fn.where("jar"),
            hint="give the jar's path relative to the project directory, or a URI Flink reads "
            "(hdfs://, s3://, ...)",
        )
    return None


def _jar_digest(jar: str) -> str:
    """A rebuilt jar changes the jobs' data fingerprint (they are upgraded, never left running
    the old code); a remote URI stands for itself."""
    if "://" in jar:
        return jar
    return hashlib.sha256(Path(jar).read_bytes()).hexdigest()


def _jar_uri(jar: str, root: str) -> str:
    return jar if "://" in jar else str((Path(root) / jar).resolve())
