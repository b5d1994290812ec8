"""Bad-record policies of a source: `on_bad_record: fail | skip | dead_letter`. Pure.

`fail` (the default): the source is read by Flink's JSON / Avro format, and one record that
does not decode fails the job; `apply`, `status` and `test` then name the record, the field and
the operator (`streamt.adapters.java_trace`).

`skip` and `dead_letter` (JSON sources with scalar, ROW and ARRAY-of-scalar columns): the job
reads the topic as text (`format = raw`; a keyed source's key as text too, its fields still read
from the value as Flink's `value.fields-include = ALL` does, the key checked as Flink's key
format would) with each record's topic, partition and offset (Kafka metadata columns), and
parses every declared column in SQL: `JSON_VALUE` for strings, `TRY_CAST(JSON_VALUE(...))` for
the other scalars, a ROW built field by field (`CAST(ROW(...) AS ROW<...>)`), an ARRAY from
`JSON_QUERY(... RETURNING ARRAY<STRING>)` cast to its element type.
A record is bad when it is not a JSON object, when a field holds a value that is
not of its column's type (a string where INT is declared, an object where a scalar is), or
when its event time is missing, NULL or unparsable. A tombstone (a record without a value)
is no record, as for Flink's JSON and Avro formats: neither a row nor a bad record. The model reads a view of the good records
under the source's table name (its event time and watermark kept: the rowtime column is
computed in the table with a 1970 placeholder for bad records, which are filtered out before
any window sees them). In the same job (a STATEMENT SET) one more INSERT writes every bad
record to a topic the model owns: `<topic>.skipped` (topic, partition, offset, error), counted
by `streamt status`, or `<topic>.dead_letters` (the same and the record as text).

An avro-confluent source is read as bytes and decoded by streamt's own function
(`streamt.compile.udf`: JSON text, or the reason the bytes do not decode, which becomes the
error) in a subquery of the checking view; then the same. Its dead letters hold the bytes as
base64. Its event time is computed in the table by calling the function too: the job's session
adds the jar (`ADD JAR`), as Flink 2.2's planner does not load a `USING JAR` class for a
computed column. CDC formats and plain Avro keep `fail` (V160).

Cost: each record is parsed once per declared column instead of once, plus the error checks;
bad records cost one small write each; an Avro record is decoded once per output of the job,
and with an event time once more for it (and once in the source's watermark generator).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from streamt.compile import udf
from streamt.compile.jobs import InputTable
from streamt.compile.tables import is_changelog, source_format
from streamt.compile.topics import keyless_topic_spec
from streamt.diagnostics import Diagnostic, Location
from streamt.load.model import Project, Source
from streamt.resources import TopicSpec
from streamt.sql import Column
from streamt.sql.ddl import create_raw_table, create_view, insert_into
from streamt.sql.dialect import parse, quote_identifier, quote_string
from streamt.sql.generate import datatype_node, rewrite
from streamt.sql.types import BYTES_T, STRING, SqlType, parse_type

SKIPPED, DEAD_LETTERS = ".skipped", ".dead_letters"
SIDE_TOPICS = {"skip": SKIPPED, "dead_letter": DEAD_LETTERS}
KEY = "streamt_key"
RECORD, TOPIC, PARTITION, OFFSET, ERROR = (
    "streamt_record",
    "streamt_topic",
    "streamt_partition",
    "streamt_offset",
    "streamt_error",
)
INT, BIGINT = SqlType("INT"), SqlType("BIGINT")
METADATA = ((TOPIC, STRING, "topic"), (PARTITION, INT, "partition"), (OFFSET, BIGINT, "offset"))
PARSEABLE = frozenset(
    {
        "STRING",
        "VARCHAR",
        "CHAR",
        "BOOLEAN",
        "TINYINT",
        "SMALLINT",
        "INT",
        "INTEGER",
        "BIGINT",
        "FLOAT",
        "DOUBLE",
        "DECIMAL",
        "DATE",
        "TIME",
        "TIMESTAMP",
        "TIMESTAMP_LTZ",
    }
)
NOT_ROUTABLE = {
    "avro": (
        "Flink SQL has no function that decodes plain Avro bytes (streamt's decoder reads "
        "Confluent-framed Avro with a schema registry: format avro with a schema)"
    ),
}
RAW_OPTIONS = {  # a source's options -> the raw table's (value as text, a key as text)
    "format": "raw",
    "value.format": "raw",
    "value.fields-include": "EXCEPT_KEY",
    "key.format": "raw",
    "key.fields": KEY,
}
AVRO, USER_INFO, BYTES_COLUMN = "avro-confluent", "basic-auth.user-info", "streamt_bytes"
SIMPLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EPOCH = "CAST('1970-01-01 00:00:00' AS TIMESTAMP(3))"
ROW_CAST = "STREAMT_ROW_CAST"  # (ROW(...), 'ROW<...>'): the dialect parses no CAST AS ROW text


def policy(source: Source, project: Project) -> str:
    return source.on_bad_record or project.defaults.sources.on_bad_record


def side_topic(model_topic: str, chosen: str) -> str:
    return model_topic + SIDE_TOPICS[chosen]


def problems(source: Source, columns: Sequence[Column], chosen: str, node: str) -> list[Diagnostic]:
    """Why `skip` / `dead_letter` cannot guard this source (V160 its format, V150 its shape),
    or []."""
    if chosen == "fail":
        return []
    where = source.where("on_bad_record") if source.on_bad_record else source.location
    fmt = source_format(source)
    if fmt not in ("json", "avro-confluent") or is_changelog(source):
        return [_not_json(source, chosen, fmt, where, node)]
    odd = [c for c in columns if not c.proctime and _unparseable(c)]
    if not odd:
        return []
    listing = ", ".join(f"{c.name} {c.type.sql()}" for c in odd)
    return [
        Diagnostic(
            "V150",
            f"source '{source.name}': on_bad_record: {chosen} is not available: these columns "
            "cannot be parsed in SQL (simple names; scalar types, ROWs of them and ARRAYs of "
            "scalars only; parsing MAP, MULTISET or ARRAY of ROW or ARRAY values from text is not "
            f"implemented): {listing}",
            location=where,
            hint="use on_bad_record: fail (a bad record stops the job and `status` names it)",
            node=node,
        )
    ]


def _not_json(source: Source, chosen: str, fmt: str, where: Location, node: str) -> Diagnostic:
    """V160: Flink 2.2 cannot route a bad record of this format inside the job."""
    why = NOT_ROUTABLE.get(fmt) or (
        "its change events become inserts, updates and deletes only through the format (read "
        "as text they would be plain rows), and the format's only error handling "
        f"({fmt}.ignore-parse-errors) is no skip: it sets a field that does not parse to NULL "
        "and keeps the row, and drops a record that is not JSON, uncounted"
        if is_changelog(source)
        else f"records of format {fmt} are decoded only by that format"
    )
    return Diagnostic(
        "V160",
        f"source '{source.name}': on_bad_record: {chosen} is not available for format {fmt}: {why}",
        location=where,
        hint=(
            "keep on_bad_record: fail (a bad record stops the job; apply, status and test name "
            "its topic, partition, offset and reason), or route bad records before Flink (a "
            "consumer that checks each record and writes a clean topic and a dead-letter topic) "
            "and declare the clean topic as the source"
        ),
        node=node,
    )


def _unparseable(col: Column) -> bool:
    return SIMPLE_NAME.fullmatch(col.name) is None or not _parseable(col.type)


def _parseable(kind: SqlType) -> bool:
    """A scalar, a ROW of parseable fields with simple names, or an ARRAY of scalars."""
    if kind.name == "ROW":
        return all(SIMPLE_NAME.fullmatch(f) for f in kind.fields) and all(
            _parseable(c) for c in kind.children
        )
    if kind.name == "ARRAY":
        return kind.children[0].name in PARSEABLE
    return kind.name in PARSEABLE


@dataclass(frozen=True)
class Guarded:
    """A guarded source in one job: its tables, the side table and the INSERT feeding it."""

    tables: tuple[InputTable, ...]
    side: InputTable
    side_insert: str


def guarded_input(
    table: InputTable,
    chosen: str,
    side_name: str,
    side_options: tuple[tuple[str, str], ...],
    decoder_jar: str = "",
) -> Guarded:
    """`table` (the source as the model reads it) rebuilt to read raw text and route bad records
    (an avro-confluent table: raw bytes, decoded to JSON text by streamt's function, built to
    `decoder_jar`)."""
    columns = [c for c in table.columns if not c.proctime]
    records, checked = f"{table.name}__records", f"{table.name}__checked"
    given = dict(table.options)
    keyed = "key.fields" in given
    avro = AVRO in (given.get("format"), given.get("value.format"))
    options = tuple((k, RAW_OPTIONS.get(k, v)) for k, v in table.options if f"{AVRO}." not in k)
    prelude: tuple[InputTable, ...] = ()
    if avro:
        registry = {k.split(f"{AVRO}.")[-1]: v for k, v in table.options if f"{AVRO}." in k}
        parameters = udf.parameters_statement(registry["url"], registry.get(USER_INFO))
        prelude = (
            InputTable(udf.PARAMETERS, (), statement=parameters),
            InputTable(udf.JAR, (), statement=udf.jar_statement(decoder_jar)),
            InputTable(udf.FUNCTION, (), statement=udf.function_statement()),
        )
        raw = (BYTES_COLUMN, BYTES_T)
    else:
        raw = (RECORD, STRING)
    # the event time decoded in the table (its WATERMARK needs a table column); an Avro record
    # is decoded for it by the function called in the column, the view decodes it again
    computed = [(c, _rowtime(c, _decode() if avro else None)) for c in columns if c.rowtime]
    ddl = create_raw_table(
        records, raw[0], METADATA, computed, options, KEY if keyed else None, record_type=raw[1]
    )
    values = [
        f"{quote_identifier(c.name) if c.rowtime else _value(c)} AS {quote_identifier(c.name)}"
        for c in columns
    ]
    # a dead letter keeps the record as it came: Avro bytes as base64 (the values and the error
    # above read the decoded JSON of the table's `streamt_record`, not this output column)
    kept = f"TO_BASE64({quote_identifier(BYTES_COLUMN)}) AS {quote_identifier(RECORD)}"
    meta = ", ".join(
        [kept if avro else quote_identifier(RECORD)]
        + [quote_identifier(n) for n in (TOPIC, PARTITION, OFFSET)]
    )
    key_fields = given.get("key.fields", "").split(";") if given.get("key.format") == "json" else []
    key_columns = [c for c in columns if c.name in key_fields]
    # a tombstone (no value) is no record: Flink's JSON and Avro formats skip it, so does the
    # guard (not a bad record, and never a row of NULLs)
    present = f"{quote_identifier(raw[0])} IS NOT NULL"
    source = _decoded(records, present) if avro else f"{quote_identifier(records)} WHERE {present}"
    check = (
        f"SELECT {', '.join(values)}, {meta}, {_error(columns, key_columns, decoded=avro)} AS "
        f"{quote_identifier(ERROR)} FROM {source}"
    )
    names = ", ".join(quote_identifier(c.name) for c in table.columns if not c.proctime)
    proctime = [c for c in table.columns if c.proctime]
    extra = "".join(f", PROCTIME() AS {quote_identifier(c.name)}" for c in proctime)
    clean = (
        f"SELECT {names}{extra} FROM {quote_identifier(checked)} "
        f"WHERE {quote_identifier(ERROR)} IS NULL"
    )
    side_columns = _side_columns(chosen)
    picked = [TOPIC, PARTITION, OFFSET, ERROR] + ([RECORD] if chosen == "dead_letter" else [])
    routed = (
        "SELECT "
        + ", ".join(
            f"{quote_identifier(src)} AS {quote_identifier(dst.name)}"
            for src, dst in zip(picked, side_columns, strict=True)
        )
        + f" FROM {quote_identifier(checked)} WHERE {quote_identifier(ERROR)} IS NOT NULL"
    )
    return Guarded(
        tables=(
            *prelude,
            InputTable(records, (), statement=ddl, topic=table.topic),
            InputTable(checked, (), statement=create_view(checked, _with_row_casts(check))),
            InputTable(table.name, table.columns, view_query=clean),
        ),
        side=InputTable(side_name, side_columns, side_options),
        side_insert=insert_into(side_name, routed),
    )


def _decode() -> str:
    return f"{quote_identifier(udf.FUNCTION)}({quote_identifier(BYTES_COLUMN)})"


def _decoded(records: str, present: str) -> str:
    """The raw Avro table's records (`present`: the condition that keeps all but tombstones),
    each decoded once (`streamt_record`: JSON or the reason): a subquery, as the function is
    not deterministic the planner keeps it one call."""
    return (
        f"(SELECT {_decode()} AS {quote_identifier(RECORD)}, * FROM {quote_identifier(records)} "
        f"WHERE {present})"
    )


def _side_columns(chosen: str) -> tuple[Column, ...]:
    base = (
        Column("topic", STRING),
        Column("partition", INT),
        Column("offset", BIGINT),
        Column("error", STRING),
    )
    return (*base, Column("record", STRING)) if chosen == "dead_letter" else base


def _path(path: Sequence[str]) -> str:
    return quote_string("$." + ".".join(path))


def _text(path: Sequence[str], text: str = RECORD) -> str:
    """The scalar at `path` as text (NULL for a missing field, a JSON null, an object, an array)."""
    return f"JSON_VALUE({quote_identifier(text)}, {_path(path)})"


def _json(path: Sequence[str], text: str = RECORD) -> str:
    """The object or array at `path` as JSON text (NULL for a scalar, a JSON null, no field)."""
    return f"JSON_QUERY({quote_identifier(text)}, {_path(path)})"


def _elements(path: Sequence[str], text: str = RECORD) -> str:
    """The array at `path` as ARRAY<STRING> (each element as text, an object or array as JSON)."""
    return f"JSON_QUERY({quote_identifier(text)}, {_path(path)} RETURNING ARRAY<STRING>)"


def _bare(kind: SqlType) -> str:
    """`kind` without NOT NULL at any depth (a CAST target a missing field cannot fail)."""
    return _nullable(kind).sql(with_nullability=False)


def _nullable(kind: SqlType) -> SqlType:
    children = tuple(_nullable(c) for c in kind.children)
    return SqlType(kind.name, kind.params, children, kind.fields, True)


def _unquoted(kind: SqlType) -> str:
    """`kind` as `parse_type` reads it back (field names are simple names here), nullable."""
    if kind.name == "ROW":
        inner = ", ".join(
            f"{f} {_unquoted(c)}" for f, c in zip(kind.fields, kind.children, strict=True)
        )
        return f"ROW<{inner}>"
    return _bare(kind)


def _parsed(kind: SqlType, path: Sequence[str], text: str = RECORD) -> str:
    """The value at `path` read as `kind`: NULL when missing, JSON null or not of the type (the
    checks in `_field_checks` tell the last apart). A ROW is built field by field (NULL when the
    object is missing), an ARRAY from its elements as text."""
    if kind.name == "ROW":
        fields = ", ".join(
            _parsed(c, (*path, f), text) for f, c in zip(kind.fields, kind.children, strict=True)
        )
        built = f"{ROW_CAST}(ROW({fields}), {quote_string(_unquoted(kind))})"
        return f"CASE WHEN {_json(path, text)} IS NULL THEN NULL ELSE {built} END"
    if kind.name == "ARRAY":
        if kind.children[0].is_string:
            return _elements(path, text)
        return f"TRY_CAST({_elements(path, text)} AS {_bare(kind)})"
    if kind.is_string:
        return _text(path, text)
    return f"TRY_CAST({_text(path, text)} AS {_bare(kind)})"


def _with_row_casts(query: str) -> exp.Expr:
    """`query` as a tree, each `STREAMT_ROW_CAST(ROW(...), 'ROW<...>')` made the CAST it
    stands for (a type tree: the text form is refused by the dialect, as in user SQL)."""

    tree = rewrite(parse(query))
    markers = [n for n in tree.find_all(exp.Anonymous) if n.name.upper() == ROW_CAST]
    for node in reversed(markers):  # the innermost first: an outer one holds it
        built, kind = node.expressions
        node.replace(exp.Cast(this=built, to=datatype_node(parse_type(kind.name))))
    return tree


def _value(col: Column, text: str = RECORD) -> str:
    return _parsed(col.type, (col.name,), text)


def _rowtime(col: Column, decode: str | None = None) -> str:
    """The event time parsed from the record (`decode`: the expression giving its JSON text,
    else the `streamt_record` column), a 1970 placeholder for a bad record."""
    value = _value(col)
    if decode is not None:
        value = value.replace(quote_identifier(RECORD), decode)
    return f"COALESCE({value}, {EPOCH})"


def _error(
    columns: Sequence[Column], key_columns: Sequence[Column] = (), *, decoded: bool = False
) -> str:
    """The first thing wrong with a record, or NULL: its value (not a JSON object, or, `decoded`
    from Avro, the decoder's reason; a field not of its column's type, no event time), then a
    JSON key (not a JSON object, a key field not of its type: what Flink's key format would
    fail on)."""
    record = quote_identifier(RECORD)
    reason = record if decoded else quote_string("not a JSON object")
    cases = [f"WHEN {record} IS NOT JSON OBJECT THEN {reason}"]
    for col in columns:
        cases += _field_checks(col.type, (col.name,), RECORD, "field", rowtime=col.rowtime)
        if col.rowtime:
            kind = col.type.sql(with_nullability=False)
            cases.append(
                f"WHEN {_value(col)} IS NULL THEN "
                + quote_string(f"event time {col.name}: missing, NULL or not of type {kind}")
            )
    if key_columns:
        key = quote_identifier(KEY)
        cases.append(
            f"WHEN {key} IS NOT NULL AND {key} IS NOT JSON OBJECT THEN "
            + quote_string("key: not a JSON object")
        )
        for col in key_columns:
            cases += _field_checks(col.type, (col.name,), KEY, "key field")
    return "CASE " + " ".join(cases) + " END"


def _field_checks(
    kind: SqlType, path: Sequence[str], text: str, label: str, *, rowtime: bool = False
) -> list[str]:
    """`WHEN ... THEN 'error'` branches for the value at `path` of the JSON in column `text`
    read as `kind`, a ROW's fields and an ARRAY's elements included (an event time's own check
    is the caller's)."""
    name, shown = ".".join(path), _unquoted(kind)
    where = f"{label} {name}"
    if kind.name == "ROW":
        query = _json(path, text)
        out = [
            f"WHEN {_text(path, text)} IS NOT NULL OR ({query} IS NOT NULL AND {query} IS NOT "
            f"JSON OBJECT) THEN " + quote_string(f"{where}: not a JSON object, not of type {shown}")
        ]
        for f, c in zip(kind.fields, kind.children, strict=True):
            out += _field_checks(c, (*path, f), text, label)
        return out
    if kind.name == "ARRAY":
        out = [
            f"WHEN {_text(path, text)} IS NOT NULL OR {_json(path, text)} IS JSON OBJECT THEN "
            + quote_string(f"{where}: not a JSON array, not of type {shown}")
        ]
        if not kind.children[0].is_string:
            out.append(
                f"WHEN {_elements(path, text)} IS NOT NULL AND {_parsed(kind, path, text)} IS "
                "NULL THEN "
                + quote_string(f"{where}: an element is not of type {_unquoted(kind.children[0])}")
            )
        return out
    out = [
        f"WHEN {_json(path, text)} IS NOT NULL THEN "
        + quote_string(f"{where}: an object or array, not of type {shown}")
    ]
    if not kind.is_string and not rowtime:
        out.append(
            f"WHEN {_text(path, text)} IS NOT NULL AND {_parsed(kind, path, text)} IS NULL THEN "
            + quote_string(f"{where}: not of type {shown}")
        )
    return out


def side_topic_spec(project: Project, name: str, node: str) -> TopicSpec:
    """A guard's side topic: `defaults.topic` as every topic streamt creates for no model."""
    return keyless_topic_spec(project, name, node)
