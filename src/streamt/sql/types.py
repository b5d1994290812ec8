"""Flink SQL data types as frozen values: parse from text, render to Flink DDL text.

`parse_type("DECIMAL(10, 2) NOT NULL")` -> `SqlType`; `SqlType.sql()` -> canonical Flink text.
Parsing walks sqlglot tokens (never regex). Type names follow Flink 2.x (STRING, BYTES,
TIMESTAMP_LTZ, ROW<...>, ARRAY<...>, MAP<...>, MULTISET<...>). No I/O.

Limits: a type nests at most `MAX_TYPE_DEPTH` = 32 levels (ARRAY<ARRAY<...>>; the parser is
recursive); past it, and for any text the SQL tokenizer rejects (an unbalanced quote),
`TypeSyntaxError`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from streamt.sql.dialect import quote_identifier

MAX_TYPE_DEPTH = 32


class _TypeTokenizer(Tokenizer):
    """sqlglot's default tokens, with Flink's `quoted` names (ROW field names as `sql()` writes
    them, e.g. in schemas.lock)."""

    IDENTIFIERS: ClassVar[list[str | tuple[str, str]]] = ['"', "`"]


class TypeSyntaxError(ValueError):
    """A type string that is not a Flink data type."""


ALIASES = {
    "INTEGER": "INT",
    "TEXT": "STRING",
    "DOUBLE PRECISION": "DOUBLE",
    "DEC": "DECIMAL",
    "NUMERIC": "DECIMAL",
    "BOOL": "BOOLEAN",
    "REAL": "FLOAT",
    "TIMESTAMPLTZ": "TIMESTAMP_LTZ",
    "DATETIME": "TIMESTAMP",
    "LONG": "BIGINT",
}
SIMPLE = {
    "STRING",
    "BOOLEAN",
    "BYTES",
    "TINYINT",
    "SMALLINT",
    "INT",
    "BIGINT",
    "FLOAT",
    "DOUBLE",
    "DATE",
    "NULL",
    "VARIANT",
}
PARAMETRIC = {
    "CHAR",
    "VARCHAR",
    "BINARY",
    "VARBINARY",
    "DECIMAL",
    "TIME",
    "TIMESTAMP",
    "TIMESTAMP_LTZ",
}
NESTED = {"ARRAY", "MULTISET", "MAP", "ROW"}
INTEGERS = ("TINYINT", "SMALLINT", "INT", "BIGINT")
NUMERIC_ORDER = ("TINYINT", "SMALLINT", "INT", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE")


@dataclass(frozen=True)
class SqlType:
    name: str  # canonical root name, e.g. "BIGINT", "TIMESTAMP", "ROW"
    params: tuple[int, ...] = ()
    children: tuple[SqlType, ...] = ()
    fields: tuple[str, ...] = ()  # ROW field names, parallel to children
    nullable: bool = True

    def sql(self, *, with_nullability: bool = True) -> str:
        text = self._body()
        if with_nullability and not self.nullable:
            text += " NOT NULL"
        return text

    def _body(self) -> str:
        if self.name == "ROW":
            inner = ", ".join(
                f"{quote_identifier(n)} {c.sql()}"
                for n, c in zip(self.fields, self.children, strict=False)
            )
            return f"ROW<{inner}>"
        if self.name in NESTED:
            return f"{self.name}<{', '.join(c.sql() for c in self.children)}>"
        if self.params:
            return f"{self.name}({', '.join(str(p) for p in self.params)})"
        return self.name

    def __str__(self) -> str:
        return self.sql()

    def with_nullable(self, nullable: bool) -> SqlType:
        if self.nullable == nullable:
            return self
        return SqlType(self.name, self.params, self.children, self.fields, nullable)

    @property
    def is_numeric(self) -> bool:
        return self.name in NUMERIC_ORDER

    @property
    def is_integer(self) -> bool:
        return self.name in INTEGERS

    @property
    def is_string(self) -> bool:
        return self.name in ("STRING", "VARCHAR", "CHAR")

    @property
    def is_timestamp(self) -> bool:
        return self.name in ("TIMESTAMP", "TIMESTAMP_LTZ")


def t(text: str) -> SqlType:
    """Shorthand used by the function tables: parse a known-good type string."""
    return parse_type(text)


STRING = SqlType("STRING")
BOOLEAN = SqlType("BOOLEAN")
BIGINT = SqlType("BIGINT")
INT = SqlType("INT")
DOUBLE = SqlType("DOUBLE")
TIMESTAMP3 = SqlType("TIMESTAMP", (3,))
TIMESTAMP_LTZ3 = SqlType("TIMESTAMP_LTZ", (3,))
DATE = SqlType("DATE")
BYTES_T = SqlType("BYTES")
NULL = SqlType("NULL")


@functools.lru_cache(maxsize=4096)
def parse_type(text: str) -> SqlType:
    """A Flink type from its SQL spelling (cached: a project spells the same types often;
    `SqlType` is frozen, and a `TypeSyntaxError` is raised again each time)."""
    try:
        tokens = _TypeTokenizer().tokenize(text)
    except TokenError:
        raise TypeSyntaxError(f"invalid type {text!r} (unbalanced quote?)") from None
    tokens = [tok for tok in tokens if tok.token_type != TokenType.SEMICOLON]
    parser = _TypeParser(tokens, text)
    result = parser.parse()
    if parser.pos != len(tokens):
        raise TypeSyntaxError(f"unexpected {tokens[parser.pos].text!r} in type {text!r}")
    return result


class _TypeParser:
    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> Token | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def at(self, token_type: TokenType) -> bool:
        tok = self.peek()
        return tok is not None and tok.token_type == token_type

    def word(self, offset: int = 0) -> str:
        tok = self.peek(offset)
        return tok.text.upper() if tok else ""

    def expect(self, token_type: TokenType) -> Token:
        tok = self.peek()
        if tok is None or tok.token_type != token_type:
            raise TypeSyntaxError(f"invalid type {self.text!r}")
        self.pos += 1
        return tok

    def parse(self) -> SqlType:
        self.depth += 1
        if self.depth > MAX_TYPE_DEPTH:
            raise TypeSyntaxError(f"type nests deeper than {MAX_TYPE_DEPTH} levels")
        root = self._root()
        result = self._params(root)
        self.depth -= 1
        return self._nullability(result)

    def _root(self) -> str:
        if self.peek() is None:
            raise TypeSyntaxError(f"empty type {self.text!r}")
        name = self.word()
        self.pos += 1
        if name == "DOUBLE" and self.word() == "PRECISION":
            self.pos += 1
        return ALIASES.get(name, name)

    def _params(self, name: str) -> SqlType:
        if name in NESTED:
            return self._nested(name)
        params: tuple[int, ...] = ()
        tok = self.peek()
        if tok is not None and tok.token_type == TokenType.L_PAREN:
            if name not in PARAMETRIC:
                raise TypeSyntaxError(f"type {name} takes no parameters in {self.text!r}")
            self.pos += 1
            nums = [self._number()]
            while self.at(TokenType.COMMA):
                self.pos += 1
                nums.append(self._number())
            self.expect(TokenType.R_PAREN)
            params = tuple(nums)
            _check_params(name, params, self.text)
        if name == "VARBINARY" and not params:
            name = "BYTES"
        if name == "TIMESTAMP" and self._match_words("WITH", "LOCAL", "TIME", "ZONE"):
            name = "TIMESTAMP_LTZ"
        self._match_words("WITHOUT", "TIME", "ZONE")
        if name not in SIMPLE and name not in PARAMETRIC:
            raise TypeSyntaxError(f"unknown type {name!r} in {self.text!r}")
        return SqlType(name, _default_params(name, params))

    def _number(self) -> int:
        text = self.expect(TokenType.NUMBER).text
        if not text.isdigit() or len(text) > 10:
            raise TypeSyntaxError(f"invalid type parameter {text!r} in {self.text!r}")
        return int(text)

    def _match_words(self, *words: str) -> bool:
        if all(self.word(i) == w for i, w in enumerate(words)):
            self.pos += len(words)
            return True
        return False

    def _nested(self, name: str) -> SqlType:
        tok = self.peek()
        close = TokenType.GT
        if tok is not None and tok.token_type == TokenType.L_PAREN and name == "ROW":
            close = TokenType.R_PAREN
            self.pos += 1
        else:
            self.expect(TokenType.LT)
        children: list[SqlType] = []
        fields: list[str] = []
        while True:
            if name == "ROW":
                field_tok = self.peek()
                if field_tok is None:
                    raise TypeSyntaxError(f"invalid type {self.text!r}")
                fields.append(field_tok.text)
                self.pos += 1
            children.append(self.parse())
            if self.at(TokenType.COMMA):
                self.pos += 1
                continue
            break
        self.expect(close)
        if name == "MAP" and len(children) != 2:
            raise TypeSyntaxError(f"MAP needs a key and a value type in {self.text!r}")
        if name in ("ARRAY", "MULTISET") and len(children) != 1:
            raise TypeSyntaxError(f"{name} needs one element type in {self.text!r}")
        return SqlType(name, children=tuple(children), fields=tuple(fields))

    def _nullability(self, result: SqlType) -> SqlType:
        if self._match_words("NOT", "NULL"):
            return result.with_nullable(False)
        self._match_words("NULL")
        return result


# What Flink accepts for each parameterised type: (how many parameters, (low, high) of the first)
MAX_LENGTH = 2_147_483_647
_PARAM_RULES: dict[str, tuple[int, int, int]] = {
    "CHAR": (1, 1, MAX_LENGTH),
    "VARCHAR": (1, 1, MAX_LENGTH),
    "BINARY": (1, 1, MAX_LENGTH),
    "VARBINARY": (1, 1, MAX_LENGTH),
    "DECIMAL": (2, 1, 38),
    "TIME": (1, 0, 9),
    "TIMESTAMP": (1, 0, 9),
    "TIMESTAMP_LTZ": (1, 0, 9),
}


def _check_params(name: str, params: tuple[int, ...], text: str) -> None:
    """Refuse parameters Flink would refuse (TIMESTAMP(99999), DECIMAL(39), VARCHAR(0), ...)."""
    most, low, high = _PARAM_RULES.get(name, (0, 0, 0))
    if len(params) > most:
        raise TypeSyntaxError(f"{name} takes at most {most} parameter(s) in {text!r}")
    if params and not low <= params[0] <= high:
        what = (
            "precision" if name in ("DECIMAL", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ") else "length"
        )
        raise TypeSyntaxError(f"{name} {what} must be {low}..{high} in {text!r}")
    if name == "DECIMAL" and len(params) == 2 and params[1] > params[0]:
        raise TypeSyntaxError(f"DECIMAL scale must be 0..{params[0]} in {text!r}")


def _default_params(name: str, params: tuple[int, ...]) -> tuple[int, ...]:
    if params:
        return params
    return {"TIMESTAMP": (6,), "TIMESTAMP_LTZ": (6,), "DECIMAL": (10, 0)}.get(name, ())


def common_type(types: list[SqlType]) -> SqlType:
    """The least restrictive type of CASE/COALESCE/UNION branches (NULL literals ignored)."""
    real = [x for x in types if x.name != "NULL"]
    if not real:
        return STRING
    nullable = any(x.nullable for x in types) or len(real) != len(types)
    first = real[0]
    if all(x.sql(with_nullability=False) == first.sql(with_nullability=False) for x in real):
        return first.with_nullable(nullable)
    if all(x.is_numeric for x in real):
        widest = max(real, key=lambda x: NUMERIC_ORDER.index(x.name))
        if widest.name == "FLOAT" and any(x.name == "DECIMAL" for x in real):
            return SqlType("DOUBLE", nullable=nullable)  # Flink: FLOAT and DECIMAL meet in DOUBLE
        if widest.name == "DECIMAL":
            return _common_decimal(real).with_nullable(nullable)
        return widest.with_nullable(nullable)
    if all(x.is_string for x in real):
        if all(x.name in ("CHAR", "VARCHAR") and x.params for x in real):
            if len({x.sql(with_nullability=False) for x in real}) == 1:
                return real[0].with_nullable(nullable)
            return SqlType("VARCHAR", (max(x.params[0] for x in real),), nullable=nullable)
        return STRING.with_nullable(nullable)
    if all(x.is_timestamp for x in real):
        if all(x.name == first.name for x in real):  # the finest precision
            return max(real, key=lambda x: x.params[0] if x.params else 0).with_nullable(nullable)
        return first.with_nullable(nullable)
    return STRING.with_nullable(nullable)


INT_PRECISION = {"TINYINT": 3, "SMALLINT": 5, "INT": 10, "BIGINT": 19}


def precision_scale(t: SqlType) -> tuple[int, int]:
    """(precision, scale) of an exact numeric type; integers are DECIMAL(p, 0)."""
    if t.name == "DECIMAL":
        return (t.params[0] if t.params else 10), (t.params[1] if len(t.params) > 1 else 0)
    return INT_PRECISION.get(t.name, 10), 0


def _common_decimal(types: list[SqlType]) -> SqlType:
    """Flink's common type of exact numerics: the most integer digits and the largest scale;
    past precision 38 the scale gives way to the integer digits."""
    pairs = [precision_scale(x) for x in types]
    digits = max(p - s for p, s in pairs)
    scale = min(max(s for _, s in pairs), 38 - digits)
    return SqlType("DECIMAL", (digits + scale, scale))
