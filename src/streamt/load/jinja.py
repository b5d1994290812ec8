"""Jinja in model SQL: which sources and models a query uses, and rendering it.

`capture_refs(sql)` records every `source("x")` / `ref("y")` call by *rendering* the template in a
sandbox with recording functions (dbt's ParseRefResolver), never by pattern matching. A fast
path handles the common case without importing Jinja: a template whose only tags are `{{ ... }}`
expressions is split at its delimiters and each expression is parsed with Python's `ast` (a
Jinja call expression is Python syntax); only calls with string literals are taken, anything
else goes through the Jinja sandbox. Errors become `JinjaProblem`s with a 1-based position in
the SQL text; callers map them to file:line with `Model.sql_position`.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

REF_FUNCTIONS = ("source", "ref")


@dataclass(frozen=True)
class JinjaProblem:
    message: str
    line: int = 1
    column: int = 1
    code: str = "L010"  # L010 syntax error, L011 unknown name / unsupported construct


@dataclass(frozen=True)
class Refs:
    sources: tuple[str, ...] = ()  # in order of first use, de-duplicated
    refs: tuple[str, ...] = ()
    problems: tuple[JinjaProblem, ...] = ()
    calls: int = 0  # source() + ref() calls, duplicates counted

    @property
    def ok(self) -> bool:
        return not self.problems

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        """`sources, refs = capture_refs(sql)` works too."""
        return iter((self.sources, self.refs))


@dataclass
class _Recorder:
    sources: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    calls: int = 0

    def source(self, name: object, *rest: object) -> str:
        self.calls += 1
        text = str(rest[-1] if rest else name)
        if text not in self.sources:
            self.sources.append(text)
        return _placeholder("source", text)

    def ref(self, name: object, *rest: object) -> str:
        self.calls += 1
        text = str(rest[-1] if rest else name)
        if text not in self.refs:
            self.refs.append(text)
        return _placeholder("ref", text)

    def result(self, problems: tuple[JinjaProblem, ...] = ()) -> Refs:
        return Refs(tuple(self.sources), tuple(self.refs), problems, self.calls)


def _placeholder(kind: str, name: str) -> str:
    return f"__streamt_{kind}__"


def capture_refs(sql: str) -> Refs:
    """The sources and refs `sql` uses (rendered with recording functions)."""
    recorder = _Recorder()
    fast = _fast_render(sql, recorder.source, recorder.ref)
    if fast is not None:
        return recorder.result()
    recorder = _Recorder()
    _, problems = _jinja_render(sql, recorder.source, recorder.ref)
    return recorder.result(problems)


def render_sql(
    sql: str, source: Callable[[str], str], ref: Callable[[str], str]
) -> tuple[str, tuple[JinjaProblem, ...]]:
    """Render `sql` with the given `source(name)` / `ref(name)` substitutions."""
    fast = _fast_render(sql, source, ref)
    if fast is not None:
        return fast, ()
    return _jinja_render(
        sql, lambda n, *r: source(str(r[-1] if r else n)), lambda n, *r: ref(str(r[-1] if r else n))
    )


# ----------------------------------------------------------------------------- fast path


def _fast_render(sql: str, source: Callable[..., str], ref: Callable[..., str]) -> str | None:
    """Render templates made only of `{{ source('x') }}` / `{{ ref('y') }}`; else None."""
    if "{%" in sql or "{#" in sql:
        return None
    parts: list[str] = []
    pos = 0
    while True:
        start = sql.find("{{", pos)
        if start == -1:
            parts.append(sql[pos:])
            break
        end = sql.find("}}", start + 2)
        if end == -1:
            return None
        call = _literal_call(sql[start + 2 : end])
        if call is None:
            return None
        func, args = call
        parts.append(sql[pos:start])
        parts.append(source(*args) if func == "source" else ref(*args))
        pos = end + 2
    return "".join(parts)


@functools.lru_cache(maxsize=4096)
def _literal_call(expr: str) -> tuple[str, tuple[str, ...]] | None:
    """`source('x')` / `ref('y')` -> (function, args); None for anything else (cached: the
    same call appears in many models, and the graph and the compiler both render)."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    node = tree.body
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id not in REF_FUNCTIONS or node.keywords or not 1 <= len(node.args) <= 2:
        return None
    args = [a.value for a in node.args if isinstance(a, ast.Constant)]
    if len(args) != len(node.args) or not all(isinstance(a, str) for a in args):
        return None
    return node.func.id, tuple(str(a) for a in args)


# ----------------------------------------------------------------------------- sandbox


def _jinja_render(
    sql: str, source: Callable[..., str], ref: Callable[..., str]
) -> tuple[str, tuple[JinjaProblem, ...]]:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    try:
        template = env.from_string(sql)
    except jinja2.TemplateSyntaxError as exc:
        return "", (JinjaProblem(f"Jinja syntax error: {exc.message}", exc.lineno or 1, 1),)
    except (RecursionError, MemoryError):
        return "", (JinjaProblem("Jinja template is too complex"),)
    try:
        return template.render(source=source, ref=ref), ()
    except jinja2.UndefinedError as exc:
        return "", (JinjaProblem(f"unknown name in Jinja: {exc.message}", _line(exc), 1, "L011"),)
    except jinja2.TemplateError as exc:
        return "", (JinjaProblem(f"Jinja error: {exc.message}", _line(exc), 1, "L011"),)
    except Exception as exc:  # user template code raising anything is a user error
        return "", (
            JinjaProblem(f"Jinja error: {type(exc).__name__}: {exc}", _line(exc), 1, "L011"),
        )


def _line(exc: BaseException) -> int:
    """The template line of an exception raised while rendering (Jinja rewrites tracebacks)."""
    tb: Any = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
