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
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from streamt.diagnostics import did_you_mean

REF_FUNCTIONS = ("source", "ref")


@dataclass(frozen=True)
class JinjaProblem:
    message: str
    line: int = 1
    column: int = 1
    code: str = "L010"  # L010 syntax error, L011 unknown name / unsupported construct,
    # L060 a rendering bound exceeded (steps, value or output size), L150 a var() without a
    # value, L151 env_var() of a secret, L152 env_var() of an unset variable
    hint: str = ""


@dataclass(frozen=True)
class Refs:
    sources: tuple[str, ...] = ()  # in order of first use, de-duplicated
    refs: tuple[str, ...] = ()
    problems: tuple[JinjaProblem, ...] = ()
    calls: int = 0  # source() + ref() calls, duplicates counted
    # var() / env_var() reads (`Variables.read`, sorted): part of what the model compiles from
    reads: tuple[tuple[str, object], ...] = ()

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
        text = node_name(rest[-1] if rest else name)
        if text not in self.sources:
            self.sources.append(text)
        return _placeholder("source", text)

    def ref(self, name: object, *rest: object) -> str:
        self.calls += 1
        text = node_name(rest[-1] if rest else name)
        if text not in self.refs:
            self.refs.append(text)
        return _placeholder("ref", text)

    def result(
        self, problems: tuple[JinjaProblem, ...] = (), reads: Mapping[str, object] | None = None
    ) -> Refs:
        found = tuple(sorted((reads or {}).items()))
        return Refs(tuple(self.sources), tuple(self.refs), problems, self.calls, found)


def _placeholder(kind: str, name: str) -> str:
    return f"__streamt_{kind}__"


def capture_refs(sql: str, variables: Variables | None = None) -> Refs:
    """The sources and refs `sql` uses (rendered with recording functions); with `variables`,
    also the var() / env_var() values it reads (`Refs.reads`)."""
    recorder = _Recorder()
    fast = _fast_render(sql, recorder.source, recorder.ref)
    if fast is not None:
        return recorder.result()
    recorder = _Recorder()
    reading = variables.fresh() if variables is not None else None
    _, problems = _jinja_render(sql, recorder.source, recorder.ref, reading)
    return recorder.result(problems, reading.read if reading else None)


def render_sql(
    sql: str,
    source: Callable[[str], str],
    ref: Callable[[str], str],
    variables: Variables | None = None,
) -> tuple[str, tuple[JinjaProblem, ...]]:
    """Render `sql` with the given `source(name)` / `ref(name)` substitutions; with
    `variables`, `var()` and `env_var()` too (each value a SQL literal; the names read are
    recorded in `variables.read`)."""
    fast = _fast_render(sql, source, ref)
    if fast is not None:
        return fast, ()
    return _jinja_render(
        sql,
        lambda n, *r: source(node_name(r[-1] if r else n)),
        lambda n, *r: ref(node_name(r[-1] if r else n)),
        variables,
    )


# ----------------------------------------------------------------------------- var, env_var

_MISSING = object()


class _Absent:
    """What `Variables.read` records for a name that had no value (its default was used)."""

    def __repr__(self) -> str:
        return "<absent>"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass
class Variables:
    """What `var('k')` (`--vars`) and `env_var('NAME')` (the environment) read. Each value
    becomes one SQL literal, never raw text: `x'); DROP TABLE t; --` is one string literal.
    `read` records every name read with the value it had, or `ABSENT` when the template's
    default was used (`var:k` / `env:NAME`), so a result can be keyed on the values it depended
    on and no others."""

    values: Mapping[str, object] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)
    read: dict[str, object] = field(default_factory=dict)

    def fresh(self) -> Variables:
        """The same values with nothing read yet."""
        return Variables(self.values, self.environ)

    @classmethod
    def from_reads(cls, reads: Iterable[tuple[str, object]]) -> Variables:
        """Values that render a template as it rendered when it read `reads` (`Refs.reads`)."""
        values: dict[str, dict[str, object]] = {"var": {}, "env": {}}
        for name, value in reads:
            kind, _, key = name.partition(":")
            if value is not ABSENT and kind in values:
                values[kind][key] = value
        environ = {k: str(v) for k, v in values["env"].items()}
        return cls(values["var"], environ)

    def var(self, name: object, default: object = _MISSING) -> str:
        key = str(name)
        missing = ("L150", f"var('{key}') has no value and no default", f"give '{key}' a value")
        return self._read("var", key, self.values, default, missing)

    def env_var(self, name: object, default: object = _MISSING) -> str:
        from streamt.redact import is_secret_name

        key = str(name)
        if is_secret_name(key):
            raise _VarProblem(
                "L151",
                f"env_var('{key}') names a secret: it would be written into the compiled SQL",
                f"put ${{{key}}} in the runtime or connector config instead",
            )
        missing = ("L152", f"env_var('{key}') is not set and has no default", f"set {key}")
        return self._read("env", key, self.environ, default, missing)

    def _read(
        self,
        kind: str,
        key: str,
        found: Mapping[str, object],
        default: object,
        missing: tuple[str, str, str],
    ) -> str:
        """The literal of `found[key]`, else of `default`; `missing` (code, message, hint
        when no name is close) is raised when there is neither."""
        if key in found:
            value = self.read[f"{kind}:{key}"] = found[key]
        elif default is not _MISSING:
            value = default
            self.read[f"{kind}:{key}"] = ABSENT
        else:
            self.read[f"{kind}:{key}"] = ABSENT  # giving it a value changes the result
            code, message, hint = missing
            raise _VarProblem(code, message, did_you_mean(key, found) or f"{hint} or a default")
        return SqlLiteral(value)


class SqlLiteral(str):
    """What `var()` / `env_var()` return: rendered, the value's one SQL literal (`sql_literal`);
    in Jinja logic, the value itself — `{% if var('flag') %}` tests the value (a `false` var
    is false, not the text FALSE), `var('env') == 'prod'` compares the value, and
    `ref(var('up'))` / `source(var('s'))` name the node the value names."""

    raw: object

    def __new__(cls, raw: object) -> SqlLiteral:
        made = super().__new__(cls, sql_literal(raw))
        made.raw = raw
        return made

    def __bool__(self) -> bool:
        return bool(self.raw)

    def __eq__(self, other: object) -> bool:
        return self.raw == (other.raw if isinstance(other, SqlLiteral) else other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return str.__hash__(self)


def node_name(value: object) -> str:
    """The name a `source()` / `ref()` argument gives: a var's value, not its SQL literal."""
    return str(value.raw) if isinstance(value, SqlLiteral) else str(value)


def sql_literal(value: object) -> str:
    """`value` as one Flink SQL literal: strings quoted (quotes doubled), numbers and booleans
    as such, None as NULL, a list as comma-separated literals (for `IN (...)`)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(sql_literal(v) for v in value)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return "'" + text.replace("'", "''") + "'"


class _VarProblem(Exception):
    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


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

MAX_RENDER_STEPS = 1_000_000  # loop iterations + calls + filters + intercepted operators
MAX_RENDERED_CHARS = 1_000_000  # the SQL size limit (`streamt.load.sections.MAX_SQL_CHARS`)
MAX_INT_BITS = 4_096  # integers a template computes (`10 ** 10 ** 9` would take minutes)
# Filters whose output is at most linear in their input (each call is counted and its result
# measured); padding and wrapping filters (center, indent, wordwrap, format, ...) are left out.
SAFE_FILTERS = frozenset(
    [
        "abs",
        "attr",
        "capitalize",
        "count",
        "d",
        "default",
        "dictsort",
        "e",
        "escape",
        "first",
        "float",
        "int",
        "items",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "map",
        "max",
        "min",
        "reject",
        "rejectattr",
        "replace",
        "reverse",
        "round",
        "select",
        "selectattr",
        "sort",
        "string",
        "sum",
        "title",
        "tojson",
        "trim",
        "unique",
        "upper",
    ]
)
SAFE_METHODS = frozenset(
    [
        "capitalize",
        "endswith",
        "get",
        "isdigit",
        "items",
        "keys",
        "lower",
        "lstrip",
        "rstrip",
        "split",
        "startswith",
        "strip",
        "title",
        "upper",
        "values",
    ]
)


_BOUNDS = (
    f"model SQL renders in at most {MAX_RENDER_STEPS} steps to at most {MAX_RENDERED_CHARS} "
    "characters; generate long value lists outside the template"
)


class _TooMuch(Exception):
    """The template exceeded a rendering bound."""


class _Budget:
    """Steps taken so far; sizes are measured before anything is turned into text."""

    def __init__(self) -> None:
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_RENDER_STEPS:
            raise _TooMuch(f"the template takes more than {MAX_RENDER_STEPS} steps to render")

    def iterate(self, items: Any) -> Iterator[Any]:
        for item in items:
            self.step()
            yield item

    def size(self, value: object) -> int:
        """About the length of `str(value)`, nested lists and dicts included; every element
        visited is a step, and the count stops once it passes MAX_RENDERED_CHARS."""
        total, todo = 0, [value]
        while todo and total <= MAX_RENDERED_CHARS:
            item = todo.pop()
            self.step()
            if isinstance(item, (str, bytes)):
                total += len(item)
            elif isinstance(item, (list, tuple, set, frozenset)):
                total += 2 + 2 * len(item)
                todo.extend(item)
            elif isinstance(item, dict):
                total += 2 + 4 * len(item)
                todo.extend(item.keys())
                todo.extend(item.values())
            elif isinstance(item, int) and item.bit_length() > MAX_INT_BITS:
                raise _TooMuch(f"an integer in the template is larger than 2**{MAX_INT_BITS}")
            else:
                total += 8
        return total

    def bounded(self, value: Any) -> Any:
        if self.size(value) > MAX_RENDERED_CHARS:
            raise _TooMuch(f"a value in the template is longer than {MAX_RENDERED_CHARS}")
        return value

    def binop_size(self, operator: str, left: object, right: object) -> int:
        """An upper bound of the size of `left <operator> right` (-1: too large to compute)."""
        if isinstance(left, int) and isinstance(right, int):
            bits = max(left.bit_length(), right.bit_length())
            if operator == "**":
                bits = 0 if abs(left) <= 1 else right * left.bit_length()
            elif operator == "*":
                bits = left.bit_length() + right.bit_length()
            return 0 if bits <= MAX_INT_BITS else -1
        if operator == "*":
            seq, count = (left, right) if isinstance(right, int) else (right, left)
            return self.size(seq) * max(count, 0) if isinstance(count, int) else 0
        if operator == "%" and isinstance(left, str):
            return -1  # printf-style widths (`'%*s' % (10**9, 'x')`): use `~` and filters
        return self.size(left) + self.size(right)


def _guarded_filter(budget: _Budget, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (linear in its input) with its input measured first and its result after."""

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget.bounded(args)
        if func.__name__ == "do_replace" and len(args) >= 4:
            value, old, new = (str(a) for a in args[1:4])
            if len(value) + value.count(old) * len(new) > MAX_RENDERED_CHARS:
                raise _TooMuch(f"replace would be longer than {MAX_RENDERED_CHARS}")
        return budget.bounded(func(*args, **kwargs))

    return guarded


def _environment(budget: _Budget) -> Any:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    class Bounded(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            size = budget.binop_size(operator, left, right)
            if size < 0 or size > MAX_RENDERED_CHARS:
                raise _TooMuch(f"'{operator}' in the template would make too large a value")
            return budget.bounded(super().call_binop(context, operator, left, right))

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            budget.step()
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, (str, bytes, list, dict)) and __obj.__name__ not in SAFE_METHODS:
                raise _TooMuch(f"the method {__obj.__name__}() is not available in model SQL")
            return budget.bounded(super().call(__context, __obj, *args, **kwargs))

    env = Bounded(undefined=jinja2.StrictUndefined, autoescape=False, finalize=budget.bounded)
    env.filters = {
        name: _guarded_filter(budget, f) for name, f in env.filters.items() if name in SAFE_FILTERS
    }
    env.globals["__streamt_iterate"] = budget.iterate
    return env


def _counted_loops(env: Any, sql: str) -> Any:
    """The template's tree with every `{% for %}` iterating through the step budget."""
    from jinja2 import nodes

    tree = env.parse(sql)
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name("__streamt_iterate", "load"), [loop.iter], [], None, None)
    return tree


def _jinja_render(
    sql: str,
    source: Callable[..., str],
    ref: Callable[..., str],
    variables: Variables | None = None,
) -> tuple[str, tuple[JinjaProblem, ...]]:
    import jinja2

    budget = _Budget()
    env = _environment(budget)
    try:
        template = env.from_string(_counted_loops(env, sql))
    except jinja2.TemplateSyntaxError as exc:
        return "", (JinjaProblem(f"Jinja syntax error: {exc.message}", exc.lineno or 1, 1),)
    except (RecursionError, MemoryError):
        return "", (JinjaProblem("Jinja template is too complex"),)
    functions: dict[str, Any] = {"source": source, "ref": ref}
    if variables is not None:
        functions |= {"var": variables.var, "env_var": variables.env_var}
    try:
        return _joined(template.generate(**functions)), ()
    except _VarProblem as exc:
        return "", (JinjaProblem(exc.message, _line(exc), 1, exc.code, exc.hint),)
    except _TooMuch as exc:
        return "", (
            JinjaProblem(f"Jinja rendering stopped: {exc}", _line(exc), 1, "L060", _BOUNDS),
        )
    except jinja2.UndefinedError as exc:
        return "", (JinjaProblem(f"unknown name in Jinja: {exc.message}", _line(exc), 1, "L011"),)
    except jinja2.TemplateError as exc:
        return "", (JinjaProblem(f"Jinja error: {exc.message}", _line(exc), 1, "L011"),)
    except Exception as exc:  # user template code raising anything is a user error
        return "", (
            JinjaProblem(f"Jinja error: {type(exc).__name__}: {exc}", _line(exc), 1, "L011"),
        )


def _joined(chunks: Iterator[str]) -> str:
    """The rendered text, stopped as soon as it grows past MAX_RENDERED_CHARS."""
    out: list[str] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_RENDERED_CHARS:
            raise _TooMuch(f"the rendered SQL is longer than {MAX_RENDERED_CHARS} characters")
        out.append(chunk)
    return "".join(out)


def _line(exc: BaseException) -> int:
    """The template line of an exception raised while rendering (Jinja rewrites tracebacks)."""
    tb: Any = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
