"""Class 3: every token streamt emits comes from an allow-list; Flink gets the analysed query.

Two halves: hostile queries (a raw unit, a quoted type, a hint, a reserved function name) get a
placed C050 / C051 error and no job; and every job compiled from the examples and from every
project under tests/corpus/ is parsed back and its table references compared with what streamt
analysed (the topics the node reads), statement by statement.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from streamt.compile import CompileResult, compile_project
from streamt.context import Context
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.load.discover import PROJECT_FILES
from streamt.load.model import TestType as NodeTestType
from streamt.resources import JobSpec
from streamt.sql.dialect import DIALECT, TABLE_ARG, generate, parse
from streamt.sql.generate import render, rewrite
from streamt.testing.assertions import CustomSql
from streamt.testing.continuous_sql import (
    VIOLATIONS_TOPIC,
    JobSettings,
    TargetTable,
    continuous_job,
)
from streamt.testing.env import targets_from_compile
from streamt.testing.predicate import violation_tree
from streamt.testing.spec import parse_test
from tests.unit.compile.helpers import EXAMPLES, REPO, compile_dir

HEAD = """\
project:
  name: shop
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: order_id, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: ts, type: TIMESTAMP(3)}
  - name: secrets
    topic: secrets.v1
    columns:
      - {name: pw, type: STRING}
models:
  - name: out
    sql: |
"""


def _compile(tmp_path: Path, sql: str) -> CompileResult:
    text = HEAD + textwrap.indent(textwrap.dedent(sql).strip() + "\n", " " * 6)
    (tmp_path / "stream_project.yml").write_text(text, encoding="utf-8")
    result, _ = compile_dir(tmp_path)
    return result


# Each payload smuggles a read of `secrets` (an undeclared input) or changes the query silently.
PAYLOADS = {
    "backtick unit of TIMESTAMPDIFF": (
        "SELECT TIMESTAMPDIFF(`SECOND, ts, ts) AS x, (SELECT MAX(pw) FROM secrets) AS y, "
        'TIMESTAMPDIFF(SECOND`, ts, ts) AS d FROM {{ source("orders") }}',
        "C050",
    ),
    "backtick unit of TIMESTAMPADD": (
        "SELECT TIMESTAMPADD(`DAY, 1, ts) AS x FROM secrets --`, 1, ts) AS d "
        'FROM {{ source("orders") }}',
        "C050",
    ),
    "quoted TIMESTAMPDIFF with a raw unit": (
        "SELECT `TIMESTAMPDIFF`(ts, ts, `SECOND) AS a, (SELECT pw FROM secrets) AS b --`) AS d "
        'FROM {{ source("orders") }}',
        "C050",
    ),
    "unknown unit word": (
        'SELECT TIMESTAMPDIFF(FORTNIGHT, ts, ts) AS d FROM {{ source("orders") }}',
        "C050",
    ),
    "quoted type truncated by the parser": (
        'SELECT CAST(amount AS `DOUBLE) AS boom`) AS c FROM {{ source("orders") }}',
        "C051",
    ),
    "quoted type carrying SQL": (
        "SELECT CAST(amount AS `x) AS c, (SELECT pw FROM secrets) AS y --`) AS c "
        'FROM {{ source("orders") }}',
        "C051",
    ),
    "unknown type emitted verbatim": (
        'SELECT CAST(amount AS MONEY) AS c FROM {{ source("orders") }}',
        "C050",
    ),
    "table hint pointing the table at another topic": (
        "SELECT order_id FROM {{ source(\"orders\") }} /*+ OPTIONS('topic'='secrets.v1') */",
        "C051",
    ),
    "OPTIONS written as a query hint": (
        "SELECT /*+ OPTIONS('topic'='secrets.v1') */ order_id FROM {{ source(\"orders\") }}",
        "C050",
    ),
    "reserved verbatim prefix in a quoted function name": (
        "SELECT `__STREAMT_FN_X(1) AS a, (SELECT pw FROM secrets) AS b, X`(1) AS c "
        'FROM {{ source("orders") }}',
        "C050",
    ),
    "reserved TABLE marker in a quoted function name": (
        'SELECT `__STREAMT_TABLE_ARG`(secrets) AS c FROM {{ source("orders") }}',
        "C050",
    ),
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_hostile_token_is_a_placed_error_and_no_job(tmp_path: Path, name: str) -> None:
    sql, code = PAYLOADS[name]
    result = _compile(tmp_path, sql)
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [d.render() for d in result.diagnostics]
    assert all(d.is_error and d.location.file == "stream_project.yml" for d in found)
    assert all(d.location.line >= 16 for d in found), [
        d.render() for d in found
    ]  # the model or below
    assert not result.ok
    assert not [j for j in result.desired.jobs if "secrets" in j.script.lower()]


def test_allowed_units_hints_and_types_pass_and_reach_the_job(tmp_path: Path) -> None:
    result = _compile(
        tmp_path,
        """\
        SELECT /*+ STATE_TTL('o'='1d') */ order_id,
          TIMESTAMPDIFF(second, ts, ts) AS d,
          TIMESTAMPADD(DAY, 1, ts) AS t2,
          CAST(amount AS DECIMAL(10, 2)) AS a
        FROM {{ source("orders") }} AS o -- /*+ not a hint: a line comment */
        """,
    )
    assert result.ok, [d.render() for d in result.diagnostics]
    (job,) = result.desired.jobs
    assert "TIMESTAMPDIFF(SECOND, `ts`, `ts`)" in job.script
    assert "TIMESTAMPADD(DAY, 1, `ts`)" in job.script
    assert "/*+ STATE_TTL('o' = '1d') */" in job.script
    assert "CAST(`amount` AS DECIMAL(10, 2))" in job.script
    _check_job(result, job)


# ---- the query Flink gets is the query streamt analysed -------------------------------------


def _projects() -> list[Path]:
    found = sorted(p for p in EXAMPLES.iterdir() if (p / "stream_project.yml").is_file())
    corpus = REPO / "tests" / "corpus"
    if corpus.is_dir():
        found += sorted({p.parent for name in PROJECT_FILES for p in corpus.rglob(name)})
    return found


def _tokens(statement: str) -> list[tuple[TokenType, str]]:
    return [(t.token_type, t.text) for t in DIALECT.tokenize(statement)]


def _ddl_table(statement: str) -> tuple[str, str | None]:
    """(table name, its 'topic' option) of a CREATE TEMPORARY TABLE/VIEW statement."""
    toks = _tokens(statement)
    kinds = [k for k, _ in toks[:4]]
    assert kinds[:2] == [TokenType.CREATE, TokenType.TEMPORARY], statement
    assert kinds[2] in (TokenType.TABLE, TokenType.VIEW), statement
    assert kinds[3] == TokenType.IDENTIFIER, statement  # the name, quoted
    assert TokenType.SELECT not in {k for k, _ in toks}, statement  # no query inside the DDL
    topic = None
    for i, (kind, text) in enumerate(toks[:-2]):
        if kind == TokenType.STRING and text == "topic" and toks[i + 1][0] == TokenType.EQ:
            topic = toks[i + 2][1]
    return toks[3][1], topic


def _read_tables(query: exp.Expr) -> set[str]:
    ctes = {c.alias for c in query.find_all(exp.CTE)}
    names = {t.name for t in query.find_all(exp.Table) if t.name and t.name not in ctes}
    for call in query.find_all(exp.Anonymous):
        if call.name.upper() == TABLE_ARG:
            names.add(call.expressions[0].name)
    return names


def _check_job(result: CompileResult, job: JobSpec) -> None:
    tables: dict[str, str | None] = {}
    inserts: list[exp.Insert] = []
    for statement in job.statements:
        toks = _tokens(statement)
        # one statement each: a `;` outside a literal would let Flink run a second one
        assert TokenType.SEMICOLON not in {k for k, _ in toks}, statement
        head = toks[0][0]
        if head == TokenType.SET:
            assert [k for k, _ in toks] == [
                TokenType.SET,
                TokenType.STRING,
                TokenType.EQ,
                TokenType.STRING,
            ], statement
        elif head == TokenType.CREATE:
            name, topic = _ddl_table(statement)
            tables[name] = topic
        else:
            tree = parse(statement)
            assert isinstance(tree, exp.Insert), statement
            # parsed back and regenerated, the text is unchanged: nothing was reinterpreted
            assert generate(rewrite(tree.copy()), pretty=True) == statement
            inserts.append(tree)
    (insert,) = inserts
    sink = insert.this.name
    assert tables.get(sink) == job.sink_topic
    read = _read_tables(insert.expression)
    assert read <= set(tables), (read, set(tables))
    read_topics = {tables[name] for name in read}
    assert read_topics == set(job.source_topics), (job.name, read_topics, job.source_topics)
    node = result.nodes[job.node]  # the model (or sink) whose query this job runs
    analysed = {result.nodes[i].topic for i in node.inputs}
    assert read_topics == analysed, (job.name, read_topics, analysed)


@pytest.mark.parametrize("project", _projects(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_emitted_statement_reads_only_the_analysed_inputs(project: Path) -> None:
    result = _compiled(project)
    if project.parent == EXAMPLES:  # every example compiles into jobs (corpora may hold errors)
        assert result is not None and result.ok and result.desired.jobs
    for job in result.desired.jobs if result is not None else ():
        _check_job(result, job)


def _compiled(project: Path) -> CompileResult | None:
    """The project compiled, or None for a corpus project that does not load (its load
    diagnostics are errors: nothing is emitted from it)."""
    loaded = load_project(project)
    if loaded.project is None:
        assert any(d.is_error for d in loaded.diagnostics), project
        return None
    graph, _ = build_graph(loaded.project)
    return compile_project(loaded.project, graph)


# ---- continuous tests: custom_sql predicates are trees; jobs read only their tables ---------


PREDICATES = {
    "check closing its parentheses": ("check", "amount > 0) OR (TRUE"),
    "where with a trailing clause": ("where", "amount > 0 GROUP BY order_id"),
    "where reading another table": ("where", "(SELECT COUNT(*) FROM secrets) > 0"),
    "where with IN subquery": ("where", "order_id IN (SELECT pw FROM secrets)"),
    "second statement": ("where", "amount > 0; DROP TABLE secrets"),
    "raw unit token": (
        "where",
        "TIMESTAMPDIFF(`SECOND, ts, ts) > 0 OR (SELECT 1) = 1 --`, ts, ts) > 0",
    ),
}


@pytest.mark.parametrize("name", sorted(PREDICATES))
def test_hostile_custom_sql_predicate_is_refused(tmp_path: Path, name: str) -> None:
    key, predicate = PREDICATES[name]
    text = HEAD + '      SELECT order_id, amount, ts FROM {{ source("orders") }}\n'
    text += (
        "tests:\n  - name: t\n    model: out\n    type: continuous\n"
        f"    assertions:\n      - custom_sql: {{name: c, {key}: {predicate!r}}}\n"
    )
    (tmp_path / "stream_project.yml").write_text(text, encoding="utf-8")
    found = [
        d
        for d in Context(tmp_path).validate(use_cache=False).diagnostics
        if d.is_error and "custom_sql:c" in d.message
    ]
    assert len(found) == 1 and "cannot parse the predicate" in found[0].message, found
    assert found[0].location.line >= 23


def test_check_is_negated_as_a_tree() -> None:
    tree = violation_tree(CustomSql(name="c", check="a > 0 OR b > 0"))
    assert isinstance(tree, exp.Not) and render(tree) == "NOT (`a` > 0 OR `b` > 0)"


def _continuous_jobs(project: Path) -> list[tuple[JobSpec, dict[str, TargetTable]]]:
    result = _compiled(project)
    loaded = load_project(project)
    if result is None or loaded.project is None:
        return []
    tables = targets_from_compile(result, loaded.project)
    jobs = []
    for test in loaded.project.tests:
        if test.type is not NodeTestType.CONTINUOUS:
            continue
        spec, diags = parse_test(test, loaded.project)
        if any(d.is_error for d in diags) or spec.target not in tables:
            continue
        settings = JobSettings(
            loaded.project.name, "localhost:9092", 1_700_000_000_000, dlq_topic="dlq.t"
        )
        job = continuous_job(spec.name, spec.assertions, tables[spec.target], tables, settings)
        jobs.append((job, tables))
    return jobs


def test_continuous_test_jobs_read_only_their_declared_tables() -> None:
    checked = 0
    for project in _projects():
        checked += _check_continuous(project)
    assert checked >= 1  # examples/datatests has one


def _check_continuous(project: Path) -> int:
    jobs = _continuous_jobs(project)
    for job, tables in jobs:
        allowed_topics = {t.topic for t in tables.values()} | {VIOLATIONS_TOPIC, "dlq.t"}
        declared: dict[str, str | None] = {}
        for statement in job.statements:
            body = statement
            parts = [body]
            if body.startswith("EXECUTE STATEMENT SET BEGIN"):  # split at `;` tokens
                inner = body.removeprefix("EXECUTE STATEMENT SET BEGIN").removesuffix("END")
                cuts = [
                    t.start for t in DIALECT.tokenize(inner) if t.token_type == TokenType.SEMICOLON
                ]
                bounds = zip([-1, *cuts], [*cuts, len(inner)], strict=True)
                parts = [inner[a + 1 : b].strip() for a, b in bounds if inner[a + 1 : b].strip()]
            for part in parts:
                part = part.rstrip().rstrip(";")
                toks = _tokens(part)
                assert TokenType.SEMICOLON not in {k for k, _ in toks}, part
                kinds = [k for k, _ in toks[:3] if k != TokenType.TEMPORARY]
                if kinds[:2] == [TokenType.CREATE, TokenType.TABLE]:
                    name = next(t for k, t in toks[1:4] if k == TokenType.IDENTIFIER)
                    topic = None
                    for i, (kind, text) in enumerate(toks[:-2]):
                        if (
                            kind == TokenType.STRING
                            and text == "topic"
                            and toks[i + 1][0] == TokenType.EQ
                        ):
                            topic = toks[i + 2][1]
                    assert topic is None or topic in allowed_topics, (part, topic)
                    declared[name] = topic
                    continue
                tree = parse(part)
                query = tree.expression if isinstance(tree, (exp.Insert, exp.Create)) else tree
                if isinstance(tree, exp.Create):
                    declared[tree.this.name] = None  # a view
                    query = tree.expression
                read = _read_tables(query)
                assert read <= set(declared), (part, read, set(declared))
                if isinstance(tree, exp.Insert):
                    assert declared[tree.this.name] in {VIOLATIONS_TOPIC, "dlq.t"}
    return len(jobs)


@pytest.mark.parametrize(
    "assertion",
    [
        "range: {column: amount, min: .inf}",
        "range: {column: amount, max: .nan}",
        "accepted_values: {column: amount, values: [1, .inf]}",
    ],
)
def test_non_finite_numbers_never_reach_test_sql(tmp_path: Path, assertion: str) -> None:
    # repr(float('inf')) is the bare word inf: it would be written into the job as a column name
    text = HEAD + '      SELECT order_id, amount, ts FROM {{ source("orders") }}\n'
    text += f"tests:\n  - name: t\n    model: out\n    type: continuous\n    assertions:\n      - {assertion}\n"
    (tmp_path / "stream_project.yml").write_text(text, encoding="utf-8")
    errors = [d for d in Context(tmp_path).validate(use_cache=False).diagnostics if d.is_error]
    assert errors and all(d.location.line >= 23 for d in errors), [d.render() for d in errors]
    assert any("number" in d.message for d in errors)


def test_declared_types_reach_test_sql_only_as_parsed_flink_types(tmp_path: Path) -> None:
    from streamt.testing.env import targets_from_project

    hostile = "STRING) WITH ('topic'='secrets.v1') --"
    text = HEAD.replace("{name: amount, type: DOUBLE}", f"{{name: amount, type: {hostile!r}}}")
    text = text.replace("{name: ts, type: TIMESTAMP(3)}", "{name: ts, type: 'timestamp(3)'}")
    text += '      SELECT order_id, amount, ts FROM {{ source("orders") }}\n'
    (tmp_path / "stream_project.yml").write_text(text, encoding="utf-8")
    loaded = load_project(tmp_path)
    assert loaded.project is not None
    columns = dict(targets_from_project(loaded.project)["orders"].columns)
    assert columns == {"order_id": "STRING", "amount": None, "ts": "TIMESTAMP(3)"}
