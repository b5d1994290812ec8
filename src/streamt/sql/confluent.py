"""A compiled Flink job as one Confluent Cloud Flink statement. Pure.

Confluent Cloud Flink runs one statement per request, and its tables are the topics of the
statement's database (a Kafka cluster, `sql.current-database`) in its catalog (an environment):
there is no `'connector'='kafka'` table to declare. A job compiled for open-source Flink is
`SET ...; CREATE TEMPORARY TABLE <t> (...) WITH ('topic'='<topic>', ...); ...; INSERT INTO ...`;
its Confluent statement is the INSERT alone with every temporary table replaced by the table of
its topic (a tree rewrite: the INSERT is parsed, its table names swapped, window functions'
`TABLE t` arguments included and CTE names left alone, generated again with every identifier
quoted). The SET options travel as statement properties (`streamt.adapters.
confluent_flink`). What has no Confluent equivalent is refused by name (`NotForConfluent`):
temporary views and functions, statement sets, a table without a topic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from streamt.sql.dialect import DIALECT, TABLE_ARG, parse
from streamt.sql.generate import render
from streamt.sql.options import topic_of


class NotForConfluent(ValueError):
    """A compiled statement Confluent Cloud Flink has no equivalent for."""


@dataclass(frozen=True)
class CloudStatement:
    sql: str  # the INSERT, reading and writing the topics' tables
    tables: Mapping[str, str]  # the job's temporary table -> the topic it stood for


_CREATE_TABLE = (TokenType.CREATE, TokenType.TEMPORARY, TokenType.TABLE)


def cloud_statement(statements: Sequence[str]) -> CloudStatement:
    tables: dict[str, str] = {}
    insert: str | None = None
    for statement in statements:
        kinds, head = _head(statement)
        if kinds[:1] == (TokenType.SET,):
            continue  # options: sent as the statement's properties
        if kinds[:3] == _CREATE_TABLE and len(head) > 3:
            topic = topic_of(statement)
            if topic is None:
                raise NotForConfluent(f"table {head[3]} has no topic (not a Kafka table)")
            tables[head[3]] = topic
        elif kinds[:1] == (TokenType.INSERT,) and insert is None:
            insert = statement
        else:
            shown = " ".join(head[:3]).upper() or "an empty statement"
            raise NotForConfluent(f"{shown} ... has no Confluent Cloud Flink equivalent")
    if insert is None:
        raise NotForConfluent("the job has no INSERT statement")
    tree = parse(insert)
    shadowed = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = {k: v for k, v in tables.items() if k not in shadowed}
    for table in tree.find_all(exp.Table):
        topic = names.get(table.name) if isinstance(table.this, exp.Identifier) else None
        if topic is not None and not table.args.get("db"):
            table.set("this", exp.to_identifier(topic, quoted=True))
    for arg in tree.find_all(exp.Anonymous):  # `TABLE t` inside a table function (windows)
        read = arg.expressions[0] if arg.name.upper() == TABLE_ARG and arg.expressions else None
        topic = names.get(read.name) if isinstance(read, exp.Column) and not read.table else None
        if read is not None and topic is not None:
            read.set("this", exp.to_identifier(topic, quoted=True))
    return CloudStatement(render(tree), tables)


def _head(statement: str) -> tuple[tuple[TokenType, ...], list[str]]:
    try:
        tokens = DIALECT.tokenize(statement)[:4]
    except sqlglot.errors.SqlglotError as exc:
        raise NotForConfluent(f"a statement does not tokenize: {exc}") from None
    return tuple(t.token_type for t in tokens), [t.text for t in tokens]
