"""The shape memo: a model analysed from its query shape compiles exactly as one analysed as
written (jobs, nodes, diagnostics), and models whose table names are more than table names are
analysed as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.compile import CompileResult, compile_project
from streamt.compile.shapes import ShapeMemo
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.sql import Column, TableSchema, parse_type
from tests.unit.compile.helpers import EXAMPLES

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())

SOURCE = """
  - name: {name}
    topic: raw.{name}.v1
    columns:
      - {{name: id, type: STRING}}
      - {{name: user_id, type: STRING}}
      - {{name: amount, type: DOUBLE}}
      - {{name: status, type: STRING}}
      - {{name: ts, type: TIMESTAMP(3)}}
    event_time: {{column: ts, watermark: {{max_out_of_orderness_ms: 5000}}}}
"""
CDC = """
  - name: {name}
    topic: cdc.{name}.v1
    format: debezium-json
    key: id
    columns:
      - {{name: id, type: STRING}}
      - {{name: amount, type: DOUBLE}}
"""
OPEN = """
  - name: {name}
    topic: open.{name}.v1
"""

# templates stamped over several inputs: the memo answers all but the first of each
TEMPLATES = {
    "filter": 'SELECT id, user_id, amount, status, ts FROM {{{{ {kind}("{input}") }}}} '
    "WHERE amount > 10 AND status IS NOT NULL",
    "star": 'SELECT * FROM {{{{ {kind}("{input}") }}}}',
    "tumble": "SELECT user_id, SUM(amount) AS total, window_start, window_end, window_time "
    "FROM TABLE(TUMBLE(TABLE {{{{ {kind}(\"{input}\") }}}}, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) "
    "GROUP BY user_id, window_start, window_end, window_time",
    "agg": 'SELECT user_id, COUNT(*) AS n FROM {{{{ {kind}("{input}") }}}} GROUP BY user_id',
    "dedup": "SELECT id, amount, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id "
    'ORDER BY ts ASC) AS rn FROM {{{{ {kind}("{input}") }}}}) WHERE rn = 1',
    "self_join": 'SELECT a.id, b.amount FROM {{{{ {kind}("{input}") }}}} AS a '
    'JOIN {{{{ {kind}("{input}") }}}} AS b ON a.id = b.id',
    "typo": 'SELECT id, amout FROM {{{{ {kind}("{input}") }}}}',
}


def _project(tmp_path: Path, models: list[tuple[str, str]], extra_sources: str = "") -> Path:
    sources = "".join(SOURCE.format(name=f"src_{i}") for i in range(3))
    lines = ["project: {name: shapes}", "sources:" + sources + extra_sources, "models:"]
    for name, sql in models:
        lines += [f"  - name: {name}", "    sql: |", f"      {sql}"]
    (tmp_path / "stream_project.yml").write_text("\n".join(lines) + "\n")
    return tmp_path


def _compile(root: Path, *, shapes: bool, jobs: bool = True) -> CompileResult:
    loaded = load_project(root)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    if shapes:
        return compile_project(loaded.project, graph, jobs=jobs)
    original = ShapeMemo.analyze
    try:
        ShapeMemo.analyze = lambda self, *args: None  # type: ignore[method-assign]
        return compile_project(loaded.project, graph, jobs=jobs)
    finally:
        ShapeMemo.analyze = original  # type: ignore[method-assign]


def _counted(monkeypatch: pytest.MonkeyPatch, counter: str) -> list[int]:
    """The memo's `hits` or `misses` after each analysis of the next compile."""
    seen: list[int] = []
    analyze = ShapeMemo.analyze

    def counting(self: ShapeMemo, *args: object) -> object:
        result = analyze(self, *args)  # type: ignore[arg-type]
        seen.append(getattr(self, counter))
        return result

    monkeypatch.setattr(ShapeMemo, "analyze", counting)
    return seen


def _assert_same(root: Path) -> CompileResult:
    """Compile with and without the memo, with and without job scripts; the full result."""
    results = []
    for jobs in (False, True):
        shared = _compile(root, shapes=True, jobs=jobs)
        as_written = _compile(root, shapes=False, jobs=jobs)
        assert shared.diagnostics == as_written.diagnostics
        assert shared.nodes == as_written.nodes
        assert shared.desired == as_written.desired
        results.append(shared)
    return results[-1]


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_examples_compile_the_same_with_and_without_shapes(example: str) -> None:
    _assert_same(EXAMPLES / example)


def test_templated_models_share_an_analysis_and_compile_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = []
    for template, sql in TEMPLATES.items():
        for i in range(3):
            models.append((f"{template}_{i}", sql.format(kind="source", input=f"src_{i}")))
        # and over models: the filter's outputs keep the rowtime, so windows work on them too
        for i in range(2):
            models.append((f"{template}_of_f{i}", sql.format(kind="ref", input=f"filter_{i}")))
    root = _project(tmp_path, models)

    calls: list[tuple[int, int]] = []
    analyze = ShapeMemo.analyze

    def counting(self: ShapeMemo, *args: object) -> object:
        result = analyze(self, *args)  # type: ignore[arg-type]
        calls.append((self.hits, self.misses))
        return result

    monkeypatch.setattr(ShapeMemo, "analyze", counting)
    shared = _compile(root, shapes=True)
    hits, misses = calls[-1]
    # one analysis per template: a filter's output has its source's schema (the rowtime kept),
    # so the template over a filter has the same shape and input schemas as over a source
    assert misses == len(TEMPLATES)
    assert hits == len(models) - misses
    monkeypatch.undo()

    _assert_same(root)
    jobs = {j.name: j for j in shared.desired.jobs}
    # each job reads its own input under its own name
    assert "`src_2`" in jobs["tumble_2"].statements[-1]
    assert "TABLE `src_2`" in jobs["tumble_2"].statements[-1]
    assert "`filter_1`" in jobs["self_join_of_f1"].statements[-1]
    assert "__streamt_input" not in "".join(s for j in jobs.values() for s in j.statements)
    # a shape with a problem is analysed per model: each diagnostic points at its own model
    typos = [d for d in shared.diagnostics if "amout" in d.message]
    assert sorted(d.node for d in typos) == sorted(
        f"model.shapes.typo_{s}" for s in ("0", "1", "2", "of_f0", "of_f1")
    )
    assert len({d.location.line for d in typos}) == len(typos)


@pytest.mark.parametrize(
    "sql",
    [
        # a qualified column names the table
        'SELECT src_0.id FROM {{ source("src_0") }}',
        # a CTE named like the input shadows it
        'WITH src_0 AS (SELECT id FROM {{ source("src_0") }}) SELECT id FROM src_0',
        # a column alias spelled like the input
        'SELECT id AS SRC_0 FROM {{ source("src_0") }}',
        # the placeholder prefix already in the SQL
        'SELECT id AS __streamt_input_0__ FROM {{ source("src_0") }}',
        # a template that does not render
        'SELECT id FROM {{ source("src_0") }',
    ],
)
def test_models_whose_table_names_are_more_than_names_are_analysed_as_written(
    tmp_path: Path, sql: str
) -> None:
    columns = (Column("id", parse_type("STRING")),)
    memo = ShapeMemo()
    names = {("source", "src_0"): "src_0"}
    schemas = {("source", "src_0"): TableSchema("src_0", columns)}
    assert memo.analyze(sql, names, schemas) is None
    assert memo.hits == memo.misses == 0
    if sql.endswith("}}"):
        _assert_same(_project(tmp_path, [("m", sql), ("n", sql)]))


def test_updating_and_open_inputs_keep_their_real_names(tmp_path: Path) -> None:
    extra = CDC.format(name="accounts") + CDC.format(name="ledger") + OPEN.format(name="clicks")
    extra += OPEN.format(name="views")
    models = [
        ("acc_total", 'SELECT id, SUM(amount) AS total FROM {{ source("accounts") }} GROUP BY id'),
        ("led_total", 'SELECT id, SUM(amount) AS total FROM {{ source("ledger") }} GROUP BY id'),
        ("clicks_by_page", 'SELECT page, url FROM {{ source("clicks") }} WHERE page IS NOT NULL'),
        ("views_by_page", 'SELECT page, url FROM {{ source("views") }} WHERE page IS NOT NULL'),
    ]
    root = _project(tmp_path, models, extra)
    shared = _assert_same(root)
    assert not [d for d in shared.diagnostics if d.is_error]
    assert shared.nodes["model.shapes.led_total"].changelog.value == "upsert"
    jobs = {j.name: j for j in shared.desired.jobs}
    assert "CREATE TEMPORARY TABLE `views`" in "\n".join(jobs["views_by_page"].statements)


def test_filter_values_are_parameters_and_every_other_literal_is_part_of_the_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = [
        (f"over_{n}", f'SELECT id, amount FROM {{{{ source("src_{n % 3}") }}}} WHERE amount > {n}')
        for n in (5, 17, 123, 2_000_000_000)
    ]
    filters.append(("other_op", 'SELECT id, amount FROM {{ source("src_0") }} WHERE amount <= 9'))
    filters += [
        (f"not_{i}", f"SELECT id, amount FROM {{{{ source(\"src_1\") }}}} WHERE status <> '{v}'")
        for i, v in enumerate(("x", "it''s", "a longer value"))
    ]
    tops = [
        (
            f"top_{n}",
            "SELECT id, amount, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY "
            f'ts ASC) AS rn FROM {{{{ source("src_{n}") }}}}) WHERE rn <= {n}',
        )
        for n in (1, 2)
    ]
    projected = [
        (
            f"plus_{n}",
            f'SELECT id, amount + {n} AS more FROM {{{{ source("src_0") }}}} WHERE id = 1',
        )
        for n in (1, 2_000_000_000_000)
    ]
    root = _project(tmp_path, filters + tops + projected)
    seen = _counted(monkeypatch, "misses")
    shared = _compile(root, shapes=True)
    # `> 5`, `> 17`, `> 123`: one analysis; `> 2000000000` is one too (still an INT); `<= 9` is
    # another operator; the three `<> '...'`: one; the Top-N values and the projected literals
    # are part of their shapes
    assert seen[-1] == 1 + 1 + 1 + 2 + 2
    monkeypatch.undo()
    _assert_same(root)

    jobs = {j.name: j.statements[-1] for j in shared.desired.jobs}
    assert "> 17" in jobs["over_17"] and "> 123" in jobs["over_123"]
    assert "<> 'it''s'" in jobs["not_1"] and "<> 'a longer value'" in jobs["not_2"]
    assert "1000000001" not in "".join(jobs.values())
    assert "__streamt_parameter" not in "".join(jobs.values())
    nodes = shared.nodes
    # rn <= 1 is a deduplication, rn <= 2 a Top-N (updating): each analysed with its value
    assert nodes["model.shapes.top_1"].changelog != nodes["model.shapes.top_2"].changelog
    assert [c.type.name for c in nodes["model.shapes.plus_1"].columns][-1] == "DOUBLE"


@pytest.mark.parametrize(
    ("sql", "values"),
    [
        ("SELECT a FROM t WHERE amount > 49 AND s IS NOT NULL", ("49",)),
        ("SELECT a FROM t WHERE (a >= 3 OR b < 4) AND c = 'x'", ("3", "4", "'x'")),
        ("SELECT a FROM t WHERE u <> 'it''s' GROUP BY a", ("'it''s'",)),
        ("SELECT a FROM t WHERE x.y <> 12 GROUP BY a", ("12",)),
        ("SELECT a FROM t WHERE a > (SELECT MAX(x) FROM u WHERE y = 5)", ("5",)),
        ("SELECT a, 5 AS five, 'k' AS k FROM t", ()),  # not filters
        ("SELECT a FROM t WHERE amount > 49 * 2", ()),  # part of an expression
        ("SELECT a FROM t WHERE f(a) > 3", ()),  # compared with a call, not a column
        ("SELECT a FROM t WHERE a IN (1, 2)", ()),
        ("SELECT a FROM t WHERE s LIKE 'a%'", ()),
        ("SELECT a FROM t WHERE ts > TIMESTAMP '2026-01-01 00:00:00'", ()),
        ("SELECT a FROM t WHERE a > -3", ()),
        ("SELECT a FROM t WHERE a > 4.5", ()),  # DECIMAL(2, 1): the digits are its type
        ("SELECT a FROM t WHERE a > 3000000000", ()),  # BIGINT
        ("SELECT a FROM t WHERE a > 1000000001", ()),  # looks like a placeholder
        ("SELECT a FROM t WHERE s = '__streamt_parameter_0__'", ()),
        ("SELECT a FROM t WHERE a > 3 LIMIT 5", ()),
        ("SELECT a FROM t JOIN u ON t.a = u.a WHERE t.b > 3", ()),
    ],
)
def test_which_literals_become_parameters(sql: str, values: tuple[str, ...]) -> None:
    from streamt.compile.shapes import literal_parameters

    shape, found = literal_parameters(sql)
    assert tuple(lit.sql() for lit in found) == values
    if values:
        assert all(v not in shape.split("WHERE", 1)[1] for v in values)
    else:
        assert shape == sql


def test_a_string_filter_value_shares_its_shape() -> None:
    """The literal-parameter placeholder (`__streamt_parameter_<n>__`) is not a reserved marker:
    the shape analyses cleanly and later models with other values are derived from it."""
    from streamt.sql import Column, TableSchema, parse_type

    memo = ShapeMemo()
    key = ("source", "orders")
    schemas = {key: TableSchema("orders", (Column("status", parse_type("STRING")),))}
    sql = "SELECT status FROM {{ source('orders') }} WHERE status = '%s'"
    first = memo.analyze(sql % "paid", {key: "orders"}, schemas)
    second = memo.analyze(sql % "open", {key: "orders"}, schemas)
    assert first is not None and second is not None
    assert second.canonical == "SELECT `status` FROM `orders` WHERE `status` = 'open'"
    assert (memo.hits, memo.misses) == (1, 1)


VERSIONED = """
  - name: {name}
    topic: rates.{name}.v1
    key: id
    columns:
      - {{name: id, type: STRING}}
      - {{name: rate, type: DOUBLE}}
      - {{name: uts, type: TIMESTAMP(3)}}
    event_time: {{column: uts, watermark: {{max_out_of_orderness_ms: 0}}}}
"""


def test_temporal_joins_and_cascaded_windows_stamped_from_one_template_keep_their_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an analysis says per input table (the versioned side of a temporal join, the column
    a cascaded window makes an event time) is renamed back to each model's own tables."""
    extra = "".join(VERSIONED.format(name=f"rates_{i}") for i in range(3))
    models = []
    for i in range(3):
        models += [
            (
                f"priced_{i}",
                f'SELECT o.id, r.rate FROM {{{{ source("src_{i}") }}}} AS o JOIN '
                f'{{{{ source("rates_{i}") }}}} FOR SYSTEM_TIME AS OF o.ts AS r ON o.user_id = r.id',
            ),
            (
                f"flat_{i}",
                f'SELECT id, CAST(ts AS TIMESTAMP(3)) AS t FROM {{{{ source("src_{i}") }}}}',
            ),
            (
                f"per_minute_{i}",
                "SELECT window_start, window_end, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE "
                f"{{{{ ref(\"flat_{i}\") }}}}, DESCRIPTOR(t), INTERVAL '1' MINUTE)) "
                "GROUP BY window_start, window_end",
            ),
        ]
    root = _project(tmp_path, models, extra)
    hits = _counted(monkeypatch, "hits")
    _compile(root, shapes=True)
    assert hits[-1] == 6  # three templates, each analysed once and answered twice
    monkeypatch.undo()

    shared = _assert_same(root)
    assert not [d for d in shared.diagnostics if d.is_error]
    jobs = {j.name: j for j in shared.desired.jobs}
    for i in range(3):
        priced = "\n".join(jobs[f"priced_{i}"].statements)
        assert f"CREATE TEMPORARY TABLE `rates_{i}`" in priced
        assert "'connector'='upsert-kafka'" in priced  # read as a versioned table
        windowed = "\n".join(jobs[f"per_minute_{i}"].statements)
        assert "WATERMARK FOR `t` AS `t`" in windowed  # its own input's column became rowtime
