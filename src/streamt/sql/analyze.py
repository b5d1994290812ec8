"""Query analysis: rendered Flink query + input schemas -> output schema, state and changelog.

`analyze_query(sql, inputs)` parses with the Flink dialect and walks the tree (never regex):
- output columns with Flink types (`SELECT *` expanded, windows, aggregates, joins, TVFs);
- statefulness with reasons (GROUP BY, joins, windows, OVER, DISTINCT, ...);
- changelog: append-only vs updating (non-windowed GROUP BY, outer joins, ROW_NUMBER
  deduplication / Top-N, DISTINCT, updating inputs) and the derivable upsert key;
- the output rowtime column (passed-through rowtime, `window_time`, `*_ROWTIME`);
- diagnostics (S codes) with line/column inside `sql`;
- the canonical query text, regenerated with every identifier quoted.
No I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.sql.arity import arity_problems
from streamt.sql.dialect import (
    MAX_SQL_NESTING,
    FlinkTokenizer,
    SqlLimitError,
    UnsupportedSql,
    generate,
    parse_tokens,
    tokenize,
    written_calls,
)
from streamt.sql.emitted import emitted_token_problems
from streamt.sql.generate import rewrite
from streamt.sql.relations import Analyzer
from streamt.sql.schema import Column, TableSchema
from streamt.sql.scope import Rel
from streamt.sql.tree import location_of
from streamt.sql.types import SqlType


@dataclass(frozen=True)
class QueryAnalysis:
    columns: tuple[Column, ...] = ()
    stateful_reasons: tuple[str, ...] = ()
    updating: bool = False
    changelog_reasons: tuple[str, ...] = ()
    upsert_key: tuple[str, ...] | None = None  # None: no key derivable
    tables: tuple[str, ...] = ()  # input table names read by the query
    ml_functions: tuple[str, ...] = ()
    inferred: Mapping[str, tuple[Column, ...]] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    canonical: str = ""
    # the parsed query after the Flink rewrites (what `canonical` was generated from), or a
    # function building a fresh copy of it (an analysis derived from another one's)
    tree: exp.Expr | None = field(default=None, compare=False, repr=False)
    tree_factory: Callable[[], exp.Expr] | None = field(default=None, compare=False, repr=False)
    # input table -> the column this query made its event time (cascaded windows)
    event_times: Mapping[str, str] = field(default_factory=dict)
    # input table -> its key: read as a versioned table (upsert-kafka) by a temporal join
    versioned: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the input whose columns `SELECT *` / `alias.*` passes to the output while they are
    # inferred: a reader's demand for more columns of this query is demand on that input
    open_star: str | None = None
    ml_models: tuple[str, ...] = ()  # the models ML_PREDICT / ML_EVALUATE calls name

    @property
    def stateful(self) -> bool:
        return bool(self.stateful_reasons)

    @property
    def rowtime(self) -> Column | None:
        return next((c for c in self.columns if c.rowtime), None)

    def query_tree(self) -> exp.Expr | None:
        """The rewritten query tree (a fresh one per call when built by `tree_factory`)."""
        if self.tree is not None:
            return self.tree
        return self.tree_factory() if self.tree_factory is not None else None

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def analyze_query(
    sql: str,
    inputs: Mapping[str, TableSchema],
    *,
    ml_outputs: Mapping[str, Mapping[str, SqlType]] | None = None,
    functions: Mapping[str, SqlType] | None = None,
    aggregates: frozenset[str] = frozenset(),
) -> QueryAnalysis:
    """`functions`: the project's user-defined functions (upper-case name -> return type);
    `aggregates`: those of them that are aggregate functions."""
    user = (functions or {}).keys()
    tokens = None
    try:
        tokens = tokenize(sql)
        tree = parse_tokens(tokens, sql)
    except SqlLimitError as err:
        return QueryAnalysis(diagnostics=(_limit_diagnostic(err),))
    except UnsupportedSql as err:
        return QueryAnalysis(diagnostics=(_unsupported_diagnostic(err),))
    except sqlglot.errors.ParseError as err:
        # sqlglot refuses some wrong argument counts itself (`UPPER(a, b)`): said as S031
        wrong = arity_problems(written_calls(tokens), user) if tokens is not None else []
        return QueryAnalysis(diagnostics=tuple(wrong) or (_syntax_diagnostic(err),))
    except sqlglot.errors.TokenError:
        unclosed = (
            "SQL syntax error: a string ('...'), a quoted name (`...`) or a comment (/* */) "
            "is not closed"
        )
        return QueryAnalysis(diagnostics=(Diagnostic("S001", unclosed, hint=_SYNTAX_HINT),))
    if not isinstance(tree, exp.Query):
        return QueryAnalysis(
            diagnostics=(
                Diagnostic(
                    "S007",
                    "a model's SQL must be one query (SELECT ...), got "
                    + ("several statements" if tree.key == "block" else tree.key.upper()),
                    hint="write only the SELECT; streamt generates CREATE TABLE and INSERT INTO",
                ),
            )
        )
    try:
        emitted = emitted_token_problems(tree)
        if emitted:
            return QueryAnalysis(diagnostics=tuple(_token_diagnostic(*p) for p in emitted))
        analyzer = Analyzer(inputs, ml_outputs or {}, functions or {}, aggregates)
        analyzer.check_calls(tree)
        analyzer.diagnostics.extend(arity_problems(written_calls(tokens), user))
        analyzer.top = _output_select(tree)
        analyzer.collect_hints(tree)
        rel = analyzer.query(tree, {})
        rewritten = rewrite(tree)  # in place: the analysis is done with the raw tree
        return _result(analyzer, rel, generate(rewritten), rewritten)
    except RecursionError:  # nesting the token limits cannot see (CASE in CASE, NOT NOT ...)
        too_deep = SqlLimitError("S060", "SQL is nested too deeply to analyse")
        return QueryAnalysis(diagnostics=(_limit_diagnostic(too_deep),))


def _limit_diagnostic(err: SqlLimitError) -> Diagnostic:
    first = err.errors[0] if err.errors else {}
    line, col = int(first.get("line") or 0), int(first.get("col") or 0)
    hint = (
        "Flink refuses it (out of range); write the value as a string and CAST it to DECIMAL"
        if err.code == "S061"
        else f"flatten the query: at most {MAX_SQL_NESTING} nested parentheses, and "
        "IN (...) instead of thousands of nested expressions"
    )
    return Diagnostic(err.code, str(err), location=Location("", line, col), hint=hint)


def _result(analyzer: Analyzer, rel: Rel, canonical: str, tree: exp.Expr) -> QueryAnalysis:
    return QueryAnalysis(
        columns=tuple(rel.columns),
        stateful_reasons=tuple(dict.fromkeys(analyzer.stateful)),
        updating=rel.updating,
        changelog_reasons=tuple(dict.fromkeys(analyzer.changelog)),
        upsert_key=rel.key,
        tables=tuple(dict.fromkeys(analyzer.tables)),
        ml_functions=tuple(dict.fromkeys(analyzer.ml)),
        ml_models=tuple(dict.fromkeys(analyzer.ml_models)),
        inferred={k: tuple(v.values()) for k, v in sorted(analyzer.inferred.items())},
        diagnostics=tuple(analyzer.diagnostics),
        canonical=canonical,
        open_star=rel.open_name,
        tree=tree,
        event_times=dict(sorted(analyzer.event_times.items())),
        versioned=dict(sorted(analyzer.versioned.items())),
    )


def _output_select(tree: exp.Expr) -> exp.Expr:
    while isinstance(tree, exp.SetOperation):
        tree = tree.args["this"]
    return tree.this if isinstance(tree, exp.Subquery) else tree


_SYNTAX_HINT = "check the SQL near the marked position; Flink SQL quotes identifiers with backticks"


def _syntax_diagnostic(err: sqlglot.errors.ParseError) -> Diagnostic:
    first = err.errors[0] if err.errors else {}
    line = int(first.get("line") or 0)
    col = int(first.get("col") or 0)
    description = str(first.get("description") or "invalid SQL")
    highlight = str(first.get("highlight") or "")
    return Diagnostic(
        "S001",
        f"SQL syntax error: {plain_syntax_error(description, highlight)}",
        Severity.ERROR,
        Location("", line, max(col - len(highlight) + 1, 1) if col else 0),
        hint=_SYNTAX_HINT,
    )


_CLAUSES = frozenset({"FROM", "WHERE", "GROUP", "HAVING", "ORDER", "JOIN", "ON", "UNION", "WINDOW"})


def plain_syntax_error(description: str, highlight: str) -> str:
    """The parser's description of a syntax error said as what is wrong with the SQL, at the
    token it stopped on (`highlight`): an unclosed or unmatched parenthesis, a keyword where a
    name belongs, a missing comma, an operator or clause with nothing after it."""
    near = f" near {highlight!r}" if highlight else ""
    if not highlight:
        return f"{description}{near}"
    if description == "Expecting )":
        return f"a parenthesis is not closed: ')' expected after {highlight!r}"
    if description.startswith("Invalid expression / Unexpected token"):
        if highlight == ")":
            return "')' has no matching '('"
        kind = FlinkTokenizer.KEYWORDS.get(highlight.upper())
        if kind not in (None, TokenType.VAR) and highlight.upper() not in _CLAUSES:
            return (
                f"{highlight!r} is a keyword where a name or expression belongs; a column "
                f"named so is quoted with backticks: `{highlight}`"
            )
        return f"unexpected {highlight!r}: is a comma missing, or a keyword misspelt, before it?"
    if description.startswith("Required keyword:"):
        return f"{highlight!r} is not complete: something must follow it"
    if " but got <Token" in description:
        return f"{description.partition(' but got <Token')[0].lower()} after {highlight!r}"
    return f"{description}{near}"


def _unsupported_diagnostic(err: UnsupportedSql) -> Diagnostic:
    first = err.errors[0]
    line, col = int(first.get("line") or 0), int(first.get("col") or 0)
    return Diagnostic("C051", err.description, Severity.ERROR, Location("", line, col), err.hint)


def _token_diagnostic(node: exp.Expr, message: str, hint: str) -> Diagnostic:
    """C050: a token the generator would write verbatim is not from its closed set."""
    return Diagnostic("C050", message, Severity.ERROR, location_of(node), hint)
