"""The Flink SQL dialect: a small sqlglot subclass plus tables.

Contract: `parse(sql)` returns a sqlglot tree; `quote_identifier` / `quote_string` produce
backtick-quoted identifiers (embedded backticks doubled) and single-quoted literals (quotes
doubled) through the generator. Flink-only syntax that sqlglot's compiled parser cannot be
taught (sqlglot[c] forbids parser subclasses) is handled at the token level here
(`TABLE t` arguments of window TVFs) and in `streamt.sql.generate` (tree rewrites before
generation). No I/O.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

# sqlglot logs "falling back to parsing as a Command" for statements we reject anyway.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# Marker function name standing for a `TABLE t` argument (Flink window TVFs).
TABLE_ARG = "__STREAMT_TABLE_ARG"
_TABLE_ARG_CONTEXT = {TokenType.L_PAREN, TokenType.COMMA, TokenType.FARROW}
# Flink functions that sqlglot would canonicalise into another spelling (or mis-parse):
# they are kept as opaque calls and restored verbatim by streamt.sql.generate.
VERBATIM_PREFIX = "__STREAMT_FN_"
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
    }

    def tokenize(self, sql: str) -> list[Token]:
        return _verbatim_functions(_table_args(super().tokenize(sql)))


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
    """`( TABLE name` / `, TABLE name` / `=> TABLE name` -> `__STREAMT_TABLE_ARG(name)`."""
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
        tok = tokens[i]
        out.extend(tokens[done:i])
        out.append(_like(tok, TokenType.VAR, TABLE_ARG))
        out.append(_like(tok, TokenType.L_PAREN, "("))
        out.extend(tokens[i + 1 : name_end])
        out.append(_like(tokens[name_end - 1], TokenType.R_PAREN, ")"))
        done = name_end
    out.extend(tokens[done:])
    return out


def _like(tok: Token, token_type: TokenType, text: str) -> Token:
    return Token(
        token_type, text, line=tok.line, col=tok.col, start=tok.start, end=tok.end, comments=[]
    )


class Flink(Dialect):
    Tokenizer = FlinkTokenizer


DIALECT = Flink()


def parse(sql: str) -> exp.Expr:
    """Parse one Flink SQL statement (raises sqlglot.errors.ParseError with line/col)."""
    return sqlglot.parse_one(sql, read=DIALECT)


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
