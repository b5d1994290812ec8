"""DDL text helpers for the continuous-test tables (CREATE TABLE ... WITH (...)).

Only the parts sqlglot cannot generate for Flink are text: the column list with METADATA /
computed / WATERMARK columns and the WITH options. Every identifier goes through `q`, every
option key and value through `s` (the Flink dialect's own quoting), column types are parsed
Flink types, and the watermark expression is generated from a tree (`sqltree.expression`).
Queries (views, INSERTs, filters, windows, joins) are trees: see `streamt.testing.sqltree`.
"""

from __future__ import annotations

from collections.abc import Mapping

from streamt.sql.dialect import quote_identifier, quote_string


def q(name: str) -> str:
    return quote_identifier(name)


def s(value: str) -> str:
    return quote_string(value)


def with_options(options: Mapping[str, str]) -> str:
    return "WITH (\n" + ",\n".join(f"  {s(k)} = {s(v)}" for k, v in options.items()) + "\n)"
