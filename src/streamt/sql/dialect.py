"""The Flink SQL dialect: a small sqlglot subclass plus tables.

Contract: `parse(sql)` returns a sqlglot tree; `quote_identifier` / `quote_string` produce
backtick-quoted identifiers (embedded backticks doubled) and single-quoted literals (quotes
doubled) through the generator. Flink-only syntax that sqlglot's compiled parser cannot be
taught (sqlglot[c] forbids parser subclasses) is handled at the token level here
(`TABLE t` arguments of window TVFs) and in `streamt.sql.generate` (tree rewrites before
generation). No I/O.

Limits (checked on the tokens, before the recursive parser runs; `SqlLimitError`, a
`ParseError`, so every caller that handles a syntax error handles these too):
- `MAX_SQL_NESTING` = 100 levels of parentheses / brackets (S060); a query nested in ways the
  tokens do not show (thousands of `NOT`s) that exhausts the parser's recursion is S060 too;
- numeric literals within what Flink's validator accepts (S061, checked against the Flink 2.2
  planner): an exact literal has at most `MAX_EXACT_DIGITS` = 19 digits, an integer fits BIGINT
  (2^63, the magnitude of BIGINT's minimum, is let through for `-9223372036854775808`), an
  approximate one (`1e400`) is a finite DOUBLE. Python refuses integers over 4,300 digits.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

MAX_SQL_NESTING = 100
MAX_EXACT_DIGITS = 19

# sqlglot logs "falling back to parsing as a Command" for statements we reject anyway.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# Function names streamt's tokenizer writes for itself (a user's SQL may not use the prefix).
RESERVED_PREFIX = "__STREAMT_"
# Marker function name standing for a `TABLE t` argument (Flink window TVFs).
TABLE_ARG = RESERVED_PREFIX + "TABLE_ARG"
_TABLE_ARG_CONTEXT = {TokenType.L_PAREN, TokenType.COMMA, TokenType.FARROW}
# Flink functions that sqlglot would canonicalise into another spelling (or mis-parse):
# they are kept as opaque calls and restored verbatim by streamt.sql.generate.
VERBATIM_PREFIX = RESERVED_PREFIX + "FN_"
VERBATIM_FUNCTIONS = frozenset(
    {
        "TIMESTAMPDIFF",
        "SESSION",
        "CHAR_LENGTH",
        "DAYOFWEEK",
        "DAYOFMONTH",
        "DAYOFYEAR",
        "LOCATE",
        "APPROX_COUNT_DISTINCT",
        "TO_TIMESTAMP",
        "DATE_FORMAT",
        "FROM_UNIXTIME",
        "UNIX_TIMESTAMP",
        "REGEXP_EXTRACT",
        "SPLIT_INDEX",
        "IF",
        "SUBSTR",
        "CONCAT_WS",
        "STR_TO_MAP",
        "JSON_VALUE",
        "JSON_QUERY",
        "TO_DATE",
        "CONVERT_TZ",
        "DATE_ADD",
        "DATE_SUB",
        "DATEDIFF",
        "HOUR",
        "MINUTE",
        "SECOND",
        "YEAR",
        "MONTH",
        "WEEK",
        "QUARTER",
        # sqlglot spells these differently (TRUNC, STR_POSITION, PAD, STARTS_WITH, SHA,
        # ARRAY_TO_STRING, VARIANCE_POP) or caps their arguments (TYPEOF)
        "TRUNCATE",
        "INSTR",
        "LPAD",
        "RPAD",
        "STARTSWITH",
        "ENDSWITH",
        "SHA1",
        "ARRAY_JOIN",
        "VAR_POP",
        "TYPEOF",
        # sqlglot keeps two of ARRAY_SORT's three arguments (the nulls-first flag was lost)
        "ARRAY_SORT",
    }
)


class FlinkTokenizer(Tokenizer):
    QUOTES: ClassVar[list[Any]] = ["'"]
    IDENTIFIERS: ClassVar[list[Any]] = ["`"]
    STRING_ESCAPES: ClassVar[list[str]] = ["'"]
    IDENTIFIER_ESCAPES: ClassVar[list[str]] = ["`"]
    KEYWORDS: ClassVar[dict[str, TokenType]] = {
        **Tokenizer.KEYWORDS,
        "STRING": TokenType.TEXT,
        "BYTES": TokenType.VARBINARY,
        "TIMESTAMP_LTZ": TokenType.TIMESTAMPLTZ,
        "MATCH_RECOGNIZE": TokenType.MATCH_RECOGNIZE,
    }

    def tokenize(self, sql: str) -> list[Token]:
        tokens = _within_limits(super().tokenize(sql))
        _refuse_dropped_text(sql, tokens)
        _refuse_reserved_names(tokens)
        _refuse_from_first(tokens)
        _refuse_empty_items(tokens)
        return _json_clauses(_verbatim_functions(_table_args(tokens)), sql)


def _refuse_from_first(tokens: list[Token]) -> None:
    """`FROM t` with no SELECT is another dialect's shorthand for `SELECT * FROM t` (sqlglot
    reads it so); Flink refuses it. A FROM that opens the statement or a parenthesis (but not
    `TRIM(FROM s)`) starts such a query: a syntax error here, never a query streamt accepts
    and Flink does not."""
    for i, tok in enumerate(tokens):
        if tok.token_type != TokenType.FROM:
            continue
        before = tokens[i - 1] if i else None
        opens = before is None or before.token_type == TokenType.L_PAREN
        in_trim = i >= 2 and before is not None and tokens[i - 2].text.upper() == "TRIM"
        if opens and not in_trim:
            message = "a query starts with SELECT (or WITH / VALUES) in Flink SQL, not FROM"
            where = {"line": tok.line, "col": tok.col, "highlight": tok.text}
            raise sqlglot.errors.ParseError(message, errors=[{"description": message, **where}])


_ENDS_ITEM = (TokenType.COMMA, TokenType.FROM, TokenType.R_PAREN)


def _refuse_empty_items(tokens: list[Token]) -> None:
    """A comma followed by another comma, `FROM`, `)` or the end leaves an empty item in a list:
    the parser skips it (`SELECT a, FROM t` reads as `SELECT a FROM t`), Flink refuses it."""
    for i, tok in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.token_type != TokenType.COMMA or (after and after.token_type not in _ENDS_ITEM):
            continue
        what = f"before {after.text.upper()!r}" if after else "at the end"
        message = f"a comma {what} leaves an empty item in the list: remove the comma"
        where = {"line": tok.line, "col": tok.col - 1, "highlight": ""}  # read as col + 1
        raise sqlglot.errors.ParseError(message, errors=[{"description": message, **where}])


def _is_marker(word: str) -> bool:
    return word.startswith(VERBATIM_PREFIX) or word in (TABLE_ARG, JSON_CLAUSE)


def _refuse_reserved_names(tokens: list[Token]) -> None:
    """Names with streamt's reserved prefix stand for syntax the tokenizer rewrote (a TABLE
    argument, a verbatim function, a SQL/JSON clause whose text is written back unquoted): a
    user's SQL may not spell them unquoted, or it could write arbitrary text into the job
    (quoted names never act as markers)."""
    for tok in tokens:
        if tok.token_type != TokenType.IDENTIFIER and _is_marker(tok.text.upper()):
            raise UnsupportedSql(
                f"the name {tok.text!r} uses a prefix streamt reserves", tok, "rename it"
            )


def _has_hint_comment(gap: str) -> bool:
    """Whether the text between two tokens (blanks and comments only) holds a `/*+` comment."""
    i = 0
    while i < len(gap):
        if gap.startswith("--", i):
            newline = gap.find("\n", i)
            i = len(gap) if newline < 0 else newline + 1
        elif gap.startswith("/*+", i):
            return True
        elif gap.startswith("/*", i):
            close = gap.find("*/", i + 2)
            i = len(gap) if close < 0 else close + 2
        else:
            i += 1
    return False


def _start_col(token: Token) -> int:
    """The column of a token's first character (its `col` is where it ends, quotes included)."""
    return token.col - (token.end - token.start)


class UnsupportedSql(sqlglot.errors.ParseError):
    """SQL whose meaning the parser would silently change (a table hint, a quoted type name)."""

    def __init__(self, description: str, token: Token, hint: str) -> None:
        where = {"line": token.line, "col": _start_col(token), "highlight": ""}
        super().__init__(description, [{"description": description, **where}])
        self.description = description
        self.hint = hint


def _refuse_dropped_text(sql: str, tokens: list[Token]) -> None:
    """Raise `UnsupportedSql` for text the parser would drop or truncate without a word.

    * a `/*+ ... */` hint anywhere but after SELECT (a table hint such as OPTIONS(...) could
      point the table at another topic; the parser keeps it as a comment, which is not emitted);
    * a backtick-quoted name in the type of a CAST (sqlglot re-reads it as a type and silently
      drops whatever does not fit, e.g. CAST(x AS `DOUBLE) AS y`)).
    """
    if "/*+" in sql:
        end = -1
        for tok in [*tokens, None]:
            start = tok.start if tok is not None else len(sql)
            if _has_hint_comment(sql[end + 1 : start]):
                at = tok or tokens[-1]
                raise UnsupportedSql(
                    "a table hint (/*+ ... */ after a table name) would not reach Flink",
                    at,
                    "set connector options in the YAML; only query hints after SELECT are kept",
                )
            end = tok.end if tok is not None else end
    casts: list[int] = []  # paren depths at which a CAST's arguments are open
    depth, in_type = 0, False
    cast_words = ("CAST", "TRY_CAST")
    for i, tok in enumerate(tokens):
        kind = tok.token_type
        if kind == TokenType.L_PAREN:
            depth += 1
            if i and tokens[i - 1].text.upper() in cast_words:
                casts.append(depth)
        elif kind == TokenType.R_PAREN:
            if casts and casts[-1] == depth:
                casts.pop()
                in_type = False
            depth -= 1
        elif kind == TokenType.ALIAS and casts and casts[-1] == depth:
            in_type = True
        elif kind == TokenType.IDENTIFIER and in_type and casts and not _field_name(tokens, i):
            raise UnsupportedSql(
                f"a type cannot be a quoted name (`{tok.text}`)",
                tok,
                "write the Flink type unquoted, e.g. CAST(x AS DECIMAL(10, 2))",
            )


def _field_name(tokens: list[Token], i: int) -> bool:
    """Token i is a ROW field's quoted name (`ROW<`a` INT, `b` STRING>`), followed by its type."""
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    return (
        i > 0
        and tokens[i - 1].token_type in (TokenType.LT, TokenType.COMMA)
        and after is not None
        and after.token_type not in (TokenType.GT, TokenType.COMMA, TokenType.R_PAREN)
    )


class SqlLimitError(sqlglot.errors.ParseError):
    """SQL past one of this module's limits; `code` is its diagnostic code."""

    def __init__(self, code: str, message: str, token: Token | None = None) -> None:
        where = (
            {"line": token.line, "col": _start_col(token), "highlight": token.text[:20]}
            if token
            else {}
        )
        super().__init__(message, errors=[{"description": message, **where}])
        self.code = code


def _within_limits(tokens: list[Token]) -> list[Token]:
    """`tokens`, unless they nest deeper than MAX_SQL_NESTING or hold a too long number."""
    opening = (TokenType.L_PAREN, TokenType.L_BRACKET)
    closing = (TokenType.R_PAREN, TokenType.R_BRACKET)
    number = TokenType.NUMBER
    depth = 0
    for tok in tokens:
        kind = tok.token_type
        if kind in opening:
            depth += 1
            if depth > MAX_SQL_NESTING:
                raise SqlLimitError(
                    "S060", f"SQL nests deeper than {MAX_SQL_NESTING} parentheses", tok
                )
        elif kind in closing:
            depth -= 1
        elif kind == number and (len(tok.text) > 18 or "e" in tok.text.lower()):
            problem = _number_problem(tok.text)
            if problem:
                raise SqlLimitError("S061", problem, tok)
    return tokens


def _number_problem(text: str) -> str | None:
    """Why Flink would refuse the numeric literal `text` ("out of range"), or None."""
    shown = text if len(text) <= 24 else f"{text[:20]}..."
    if "e" in text.lower():
        try:
            finite = math.isfinite(float(text))
        except ValueError:
            return None  # not a number: the parser says so
        return None if finite else f"numeric literal {shown} is out of DOUBLE's range"
    whole, _, frac = text.partition(".")
    digits = len(whole.lstrip("0")) + len(frac)
    if digits > MAX_EXACT_DIGITS:
        return (
            f"numeric literal {shown} has {digits} digits (Flink takes at most {MAX_EXACT_DIGITS})"
        )
    if not frac and whole.isdigit() and int(whole) > 2**63:
        return f"integer literal {shown} is out of BIGINT's range"
    return None


# The SQL/JSON clauses of JSON_VALUE, JSON_QUERY, JSON_EXISTS, JSON_ARRAY and JSON_ARRAYAGG
# (`RETURNING INT`, `DEFAULT 0 ON EMPTY`, `NULL ON ERROR`, `WITH CONDITIONAL ARRAY WRAPPER`,
# `ABSENT ON NULL`, `TRUE ON ERROR`): sqlglot parses none of them, so the trailing clause
# becomes one marker argument `__STREAMT_JSON_CLAUSE('<clause>')`, written back unquoted by
# streamt.sql.generate. Only keywords, a RETURNING type and literal DEFAULT values qualify.
JSON_CLAUSE = RESERVED_PREFIX + "JSON_CLAUSE"
_JSON_CLAUSE_CALLS = frozenset(
    {"JSON_VALUE", "JSON_QUERY", "JSON_EXISTS", "JSON_ARRAY", "JSON_ARRAYAGG"}
)
_CLAUSE_WORDS = frozenset(
    {"RETURNING", "NULL", "ABSENT", "ON", "EMPTY", "ERROR", "DEFAULT", "TRUE", "FALSE",
     "UNKNOWN", "WITH", "WITHOUT", "CONDITIONAL", "UNCONDITIONAL", "ARRAY", "WRAPPER", "OBJECT"}
)  # fmt: skip
_ENDS_RETURNING = frozenset(
    {"ON", "DEFAULT", "NULL", "ERROR", "EMPTY", "WITH", "WITHOUT", "ABSENT"}
)
_CLAUSE_LITERALS = frozenset({TokenType.STRING, TokenType.NUMBER, TokenType.DASH})
_TYPE_PUNCTUATION = frozenset(
    {TokenType.L_PAREN, TokenType.R_PAREN, TokenType.COMMA, TokenType.LT, TokenType.GT}
)


def _json_clauses(tokens: list[Token], sql: str) -> list[Token]:
    if "JSON_" not in sql.upper():
        return tokens  # most queries: no SQL/JSON function at all
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        name = tok.text.upper().removeprefix(VERBATIM_PREFIX)
        if (
            name in _JSON_CLAUSE_CALLS
            and tok.token_type != TokenType.IDENTIFIER
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type == TokenType.L_PAREN
        ):
            end = _call_end(tokens, i + 1)
            start = _clause_start(tokens, i + 2, end) if end is not None else None
            if end is not None and start is not None:
                out.extend(tokens[i:start])
                first, last = tokens[start], tokens[end - 1]
                if tokens[start - 1].token_type != TokenType.L_PAREN:
                    out.append(_like(first, TokenType.COMMA, ","))
                out.append(_like(first, TokenType.VAR, JSON_CLAUSE))
                out.append(_like(first, TokenType.L_PAREN, "("))
                out.append(_like(first, TokenType.STRING, sql[first.start : last.end + 1]))
                out.append(_like(last, TokenType.R_PAREN, ")"))
                i = end
                continue
        out.append(tok)
        i += 1
    return out


def _call_end(tokens: list[Token], open_at: int) -> int | None:
    """Index of the `)` closing the `(` at `open_at`."""
    depth = 0
    for j in range(open_at, len(tokens)):
        kind = tokens[j].token_type
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if depth == 0:
            return j
    return None


def _clause_start(tokens: list[Token], begin: int, end: int) -> int | None:
    """Where the trailing SQL/JSON clause of the call in tokens[begin:end] starts (None: no
    clause, or one with something other than keywords, a type and literals)."""
    depth, start = 0, None
    for j in range(begin, end):
        kind = tokens[j].token_type
        if depth == 0 and start is None and _opens_clause(tokens, j, end):
            start = j
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
    if start is None:
        return None
    returning = False  # inside `RETURNING <type>`
    for j in range(start, end):
        kind, word = tokens[j].token_type, tokens[j].text.upper()
        if word in _CLAUSE_WORDS and kind != TokenType.IDENTIFIER:
            if word == "RETURNING" or word in _ENDS_RETURNING:
                returning = word == "RETURNING"
            continue
        if kind in _CLAUSE_LITERALS or (returning and kind in _TYPE_PUNCTUATION):
            continue
        if returning and kind != TokenType.IDENTIFIER and word.replace("_", "").isalnum():
            continue  # a type name
        return None
    return start


def _opens_clause(tokens: list[Token], j: int, end: int) -> bool:
    word = tokens[j].text.upper()
    after = tokens[j + 1].text.upper() if j + 1 < end else ""
    if tokens[j].token_type == TokenType.IDENTIFIER:
        return False
    if word in ("RETURNING", "WITH", "WITHOUT"):
        return True
    if word == "DEFAULT":
        return True
    if word == "EMPTY":
        return after in ("ON", "ARRAY", "OBJECT")
    return word in ("NULL", "ABSENT", "ERROR", "TRUE", "FALSE", "UNKNOWN") and after == "ON"


def _verbatim_functions(tokens: list[Token]) -> list[Token]:
    """`NAME (` with NAME in VERBATIM_FUNCTIONS (not quoted, not after a dot) -> an opaque call.

    Replaces in place (the list is this tokenizer's own); only tokens before a `(` are looked at.
    """
    paren, identifier, dot = TokenType.L_PAREN, TokenType.IDENTIFIER, TokenType.DOT
    for i in range(1, len(tokens)):
        if tokens[i].token_type != paren:
            continue
        tok = tokens[i - 1]
        if (
            tok.token_type != identifier
            and tok.text.upper() in VERBATIM_FUNCTIONS
            and (i < 2 or tokens[i - 2].token_type != dot)
        ):
            tokens[i - 1] = _like(tok, TokenType.VAR, VERBATIM_PREFIX + tok.text.upper())
    return tokens


def _table_args(tokens: list[Token]) -> list[Token]:
    """`( TABLE name` / `, TABLE name` / `=> TABLE name` -> `__STREAMT_TABLE_ARG(name)`, and
    `TABLE name PARTITION BY (k1, k2)` -> `__STREAMT_TABLE_ARG(name, k1, k2)`."""
    table, names = TokenType.TABLE, (TokenType.VAR, TokenType.IDENTIFIER)
    at = [i for i, tok in enumerate(tokens) if tok.token_type == table]
    if not at:
        return tokens
    out: list[Token] = []
    done = 0  # tokens[:done] are in `out`
    for i in at:
        if i < done or i == 0 or i + 1 >= len(tokens):
            continue
        if (
            tokens[i - 1].token_type not in _TABLE_ARG_CONTEXT
            or tokens[i + 1].token_type not in names
        ):
            continue
        name_end = i + 2
        while (
            name_end + 1 < len(tokens)
            and tokens[name_end].token_type == TokenType.DOT
            and tokens[name_end + 1].token_type in names
        ):
            name_end += 2
        keys, keys_end = _partition_keys(tokens, name_end)
        tok = tokens[i]
        out.extend(tokens[done:i])
        out.append(_like(tok, TokenType.VAR, TABLE_ARG))
        out.append(_like(tok, TokenType.L_PAREN, "("))
        out.extend(tokens[i + 1 : name_end])
        for key in keys:
            out.append(_like(key[0], TokenType.COMMA, ","))
            out.extend(key)
        out.append(_like(tokens[keys_end - 1], TokenType.R_PAREN, ")"))
        done = keys_end
    out.extend(tokens[done:])
    return out


def _partition_keys(tokens: list[Token], at: int) -> tuple[list[list[Token]], int]:
    """`PARTITION BY k` / `PARTITION BY (k1, k2)` after a `TABLE name` argument (SESSION):
    the key names' tokens and the index after the clause (`at` itself when there is none)."""
    if at >= len(tokens) or tokens[at].token_type != TokenType.PARTITION_BY:
        return [], at
    names = (TokenType.VAR, TokenType.IDENTIFIER)
    i = at + 1
    parens = i < len(tokens) and tokens[i].token_type == TokenType.L_PAREN
    i += parens
    keys: list[list[Token]] = []
    while i < len(tokens) and tokens[i].token_type in names:
        key = [tokens[i]]
        i += 1
        while (
            i + 1 < len(tokens)
            and tokens[i].token_type == TokenType.DOT
            and tokens[i + 1].token_type in names
        ):
            key += tokens[i : i + 2]
            i += 2
        keys.append(key)
        if not parens or i >= len(tokens) or tokens[i].token_type != TokenType.COMMA:
            break
        i += 1
    if not keys or (parens and (i >= len(tokens) or tokens[i].token_type != TokenType.R_PAREN)):
        return [], at  # not the shape Flink documents: left for the parser to report
    return keys, i + parens


@dataclass(frozen=True)
class WrittenCall:
    """A call `NAME(...)` as the query writes it: the name (upper case, as Flink resolves it),
    where the name starts, and how many arguments it is given, or None when an argument uses
    the function's own syntax (`a IN b`, `s FROM 2`, `KEY k VALUE v`, `DISTINCT x`, `p => v`)
    and the commas do not count them."""

    name: str
    line: int
    col: int
    args: int | None


# Words that make an argument list the function's own syntax rather than a list of values.
_CALL_SYNTAX = frozenset(
    {"FROM", "IN", "FOR", "PLACING", "TO", "AS", "BOTH", "LEADING", "TRAILING", "KEY", "VALUE",
     "DISTINCT", "ALL", "ORDER", "ON", "RESPECT", "IGNORE", "=>"}
)  # fmt: skip
_LONGEST_SYNTAX_WORD = max(map(len, _CALL_SYNTAX))
_NOT_SYNTAX = frozenset({TokenType.IDENTIFIER, TokenType.STRING, TokenType.NUMBER})
_NOT_A_NAME = frozenset({TokenType.STRING, TokenType.NUMBER, TokenType.DOT})


@dataclass
class _Open:
    """A parenthesis or bracket being read; `name` is the called function's name token."""

    name: Token | None
    commas: int = 0
    items: bool = False  # something stands between the parentheses
    syntax: bool = False  # a word of the function's own syntax at this level
    clauses: int = 0  # a SQL/JSON clause marker among the arguments (not an argument)


def written_calls(tokens: list[Token]) -> list[WrittenCall]:
    """Every call in `tokens` (this dialect's, markers included) with its argument count as
    written: what the parser may regroup, default or drop (`ARRAY_APPEND(a, b, c)` keeps two)."""
    calls: list[WrittenCall] = []
    stack: list[_Open] = []
    for i, tok in enumerate(tokens):
        kind = tok.token_type
        if kind in (TokenType.L_PAREN, TokenType.L_BRACKET):
            if stack:
                stack[-1].items = True
            stack.append(_Open(_called(tokens, i) if kind == TokenType.L_PAREN else None))
        elif kind in (TokenType.R_PAREN, TokenType.R_BRACKET):
            if stack:
                _close(stack.pop(), calls)
        elif stack:
            _read(stack[-1], tok)
    return calls


def _called(tokens: list[Token], paren: int) -> Token | None:
    """The function name before the `(` at `paren`, if it is one: a word not after a dot (a
    qualified name), a string or TO (`INTERVAL '1' SECOND(3)` is a precision)."""
    if paren == 0:
        return None
    tok = tokens[paren - 1]
    before = tokens[paren - 2] if paren >= 2 else None
    if tok.token_type in _NOT_A_NAME or not tok.text.replace("_", "").isalnum():
        return None
    if before is not None and (before.token_type in _NOT_A_NAME or before.text.upper() == "TO"):
        return None
    return tok


def _read(open_: _Open, tok: Token) -> None:
    open_.items = True
    kind, text = tok.token_type, tok.text
    if kind == TokenType.COMMA:
        open_.commas += 1
    elif text == JSON_CLAUSE:  # the tokenizer's own marker, written in capitals
        open_.clauses += 1
    elif len(text) <= _LONGEST_SYNTAX_WORD and kind not in _NOT_SYNTAX:
        open_.syntax = open_.syntax or text.upper() in _CALL_SYNTAX


def _close(open_: _Open, calls: list[WrittenCall]) -> None:
    name = open_.name
    if name is None:
        return
    args = None if open_.syntax else (open_.commas + 1 if open_.items else 0) - open_.clauses
    text = name.text.upper().removeprefix(VERBATIM_PREFIX)
    calls.append(WrittenCall(text, name.line, _start_col(name), args))


def _like(tok: Token, token_type: TokenType, text: str) -> Token:
    return Token(
        token_type, text, line=tok.line, col=tok.col, start=tok.start, end=tok.end, comments=[]
    )


class Flink(Dialect):
    Tokenizer = FlinkTokenizer


DIALECT = Flink()


def parse(sql: str) -> exp.Expr:
    """Parse one Flink SQL statement (raises sqlglot.errors.ParseError with line/col)."""
    return parse_tokens(tokenize(sql), sql)


def tokenize(sql: str) -> list[Token]:
    """The dialect's tokens of `sql` (markers included; raises like `parse`)."""
    return DIALECT.tokenize(sql)


def parse_tokens(tokens: list[Token], sql: str) -> exp.Expr:
    """`parse` over tokens already read by `tokenize` (as sqlglot.parse_one does)."""
    try:
        result = DIALECT.parser().parse(tokens, sql)
    except RecursionError:
        raise SqlLimitError("S060", "SQL is nested too deeply to parse") from None
    if not result or result[0] is None:
        raise sqlglot.errors.ParseError(f"No expression was parsed from '{sql}'")
    return exp.Block(expressions=result) if len(result) > 1 else result[0]


@functools.lru_cache(maxsize=2)
def _generator(pretty: bool) -> Generator:
    return DIALECT.generator(identify=True, pretty=pretty, comments=False)


def generate(tree: exp.Expr, *, pretty: bool = False) -> str:
    """Generate `tree` as is (no copy, no rewrites; callers use streamt.sql.generate.render)."""
    return _generator(pretty).generate(tree, copy=False)


@functools.lru_cache(maxsize=4096)
def quote_identifier(name: str) -> str:
    return generate(exp.to_identifier(name, quoted=True))


@functools.lru_cache(maxsize=4096)
def quote_string(value: str) -> str:
    return generate(exp.Literal.string(value))
