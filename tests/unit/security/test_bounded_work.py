"""Class 7 of issue 10: every payload that made streamt work without bound now ends within a
few seconds, with a diagnostic where the project is at fault (limits in SECURITY.md)."""

from __future__ import annotations

import json
import os
import time

import pytest

from streamt.compile.positions import template_position
from streamt.load.files import MAX_FILE_BYTES
from streamt.load.jinja import (
    MAX_RENDER_STEPS,
    MAX_RENDERED_CHARS,
    SAFE_FILTERS,
    render_sql,
)
from streamt.validate.patterns import MAX_PATTERN_CHARS, compile_pattern
from tests.unit.security.support import BOUND_S, SOURCE, run, write


def model(sql: str) -> dict[str, str]:
    return {"stream_project.yml": SOURCE, "models/m.sql": sql}


# ---------------------------------------------------------------- Jinja: steps and output size


@pytest.mark.parametrize(
    "sql",
    [
        # nested loops that hung validate (10^10 iterations), with and without output
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        # a macro loop through a list literal
        "{% set l = range(1000)|list %}{% for a in l %}{% for b in l %}{% for c in l %}"
        "{% endfor %}{% endfor %}{% endfor %}",
    ],
)
def test_nested_jinja_loops_stop_after_the_step_budget(tmp_path, capsys, sql):
    result = run(
        capsys,
        write(tmp_path, model(sql + "SELECT a FROM {{ source('s') }}")),
        "validate",
        "--no-cache",
    )
    assert result.exit_code == 1
    assert result.codes == ["L060"]
    assert f"more than {MAX_RENDER_STEPS} steps" in result.output
    assert result.seconds < BOUND_S


@pytest.mark.parametrize(
    "expr",
    [
        "'x' * 200000000",  # took 1.4 GB and wrote a 200 MB job file
        "'x' * (2e8|int)",
        "['x' * 1000] * 100000",  # cheap list, 100 MB when printed
        "[['x' * 100000]] * 1000",  # nested: the outer list is small, its text is not
        "('x' * 1000000)|replace('x', 'yyyyyyyyyy')",
        "10 ** 100000000",
        "'%*s' % (100000000, 'x')",
    ],
)
def test_values_too_large_to_print_are_refused_before_they_are_built(tmp_path, capsys, expr):
    sql = "SELECT '{{ " + expr + " }}' AS b, a FROM {{ source('s') }}"
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.codes == ["L060"], result.output
    assert result.seconds < BOUND_S


def test_rendered_output_is_capped_at_the_sql_size_limit():
    sql = "{% for i in range(100000) %}{{ 'abcdefghijk' }}{% endfor %}"
    text, problems = render_sql(sql, str, str)
    assert text == ""
    assert [p.code for p in problems] == ["L060"]
    assert str(MAX_RENDERED_CHARS) in problems[0].message
    # just under the limit renders in full
    sql = "{% for i in range(99999) %}{{ 'abcdefghij' }}{% endfor %}"
    text, problems = render_sql(sql, str, str)
    assert problems == () and len(text) == 999_990


def test_padding_filters_and_string_methods_are_not_available():
    assert "center" not in SAFE_FILTERS and "indent" not in SAFE_FILTERS
    _, problems = render_sql("{{ 'x'|center(1000000000) }}", str, str)
    assert [p.code for p in problems] == ["L010"]  # no filter named 'center'
    _, problems = render_sql("{{ 'x'.ljust(1000000000) }}", str, str)
    assert [p.code for p in problems] == ["L060"]


def test_ordinary_templates_still_render():
    sql = (
        "{% for t in ['x', 'y'] %}SELECT {{ ['a', 'b']|join(', ') }}, {{ 3 * 4 }} "
        "FROM {{ ref(t) }}{% if not loop.last %} UNION ALL {% endif %}{% endfor %}"
    )
    text, problems = render_sql(sql, lambda n: f"`{n}`", lambda n: f"`{n}`")
    assert problems == ()
    assert text == "SELECT a, b, 12 FROM `x` UNION ALL SELECT a, b, 12 FROM `y`"


# ---------------------------------------------------------------- user regexes: linear time


def test_catastrophic_naming_pattern_is_matched_in_linear_time(tmp_path, capsys):
    name = "a" * 120  # within the identifier limit; Python's re needs 2^120 steps
    files = {
        "stream_project.yml": SOURCE.replace(
            "project: {name: shop}",
            "project: {name: shop}\n"
            "rules:\n  models: {naming_pattern: '^(a+)+$'}\n  topics: {naming_pattern: '^(a+)+$'}",
        )
        + f"models:\n  - name: {name}x\n    sql: SELECT a FROM {{{{ source('s') }}}}\n",
    }
    result = run(capsys, write(tmp_path, files), "validate", "--no-cache")
    assert "V044" in result.codes  # the model name does not match
    assert result.seconds < BOUND_S
    start = time.perf_counter()
    pattern = compile_pattern("^(a+)+$")
    assert not isinstance(pattern, str)
    assert not pattern.match("a" * 100_000 + "!")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(?=a)a", "invalid perl operator"), ("(a)\\1", "invalid escape"), ("x" * 1001, "limit")],
)
def test_patterns_re2_cannot_run_are_v039(tmp_path, capsys, pattern, reason):
    assert MAX_PATTERN_CHARS == 1000
    files = {
        "stream_project.yml": SOURCE.replace(
            "project: {name: shop}",
            "project: {name: shop}\n"
            "rules:\n  models: {naming_pattern: " + json.dumps(pattern) + "}",
        )
    }
    result = run(capsys, write(tmp_path, files), "validate", "--no-cache")
    assert result.codes == ["V039"]
    assert reason in result.output


# ---------------------------------------------------------------- SQL analysis: linear


def test_twenty_thousand_ored_literals_validate_in_linear_time(tmp_path, capsys):
    ors = " OR ".join(f"a = 'v{i}'" for i in range(20_000))  # did not finish in 20 s
    sql = f"SELECT a, ts FROM {{{{ source('s') }}}} WHERE {ors}"
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.seconds < BOUND_S


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "||", "AND"])
def test_long_operator_chains_are_typed_without_recursion(tmp_path, capsys, op):
    operand = "a = 'x'" if op == "AND" else ("CHAR_LENGTH(a)" if op != "||" else "a")
    sql = f"SELECT {f' {op} '.join([operand] * 5_000)} AS b, ts FROM {{{{ source('s') }}}}"
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.seconds < BOUND_S


def test_a_chain_the_generator_cannot_print_is_s060_not_a_crash(tmp_path, capsys):
    # sqlglot generates `%` (MOD) recursively: the analysis' RecursionError guard answers
    sql = f"SELECT {' % '.join(['CHAR_LENGTH(a)'] * 5_000)} AS b FROM {{{{ source('s') }}}}"
    result = run(capsys, write(tmp_path, model(sql)), "validate", "--no-cache")
    assert result.codes == ["S060"]
    assert result.seconds < BOUND_S


def test_diagnostic_positions_in_long_templates_are_mapped_in_linear_time():
    template = "SELECT " + "x, " * 50_000 + "bad FROM {{ ref('orders') }}"
    rendered = template.replace("{{ ref('orders') }}", "`shop`.`orders`")
    start = time.perf_counter()
    where = template_position(template, rendered, 1, rendered.index("bad") + 1)
    assert time.perf_counter() - start < 1.0  # difflib took minutes
    assert where == (1, template.index("bad") + 1)
    after = rendered.index("`shop`") + 3  # inside the replaced text: the tag's start
    assert template_position(template, rendered, 1, after) == (1, template.index("{{") + 1)


# ---------------------------------------------------------------- files: size before reading


def test_huge_files_are_refused_without_being_read(tmp_path, capsys):
    write(tmp_path, model("SELECT a FROM {{ source('s') }}"))
    for name in (
        "models/huge.sql",
        "target/.streamt-cache/validate.json",
        "target/.streamt-cache/validate-models.pickle",
        ".env",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        with open(tmp_path / name, "wb") as handle:
            handle.truncate(10 * 1024**3)  # sparse: reading it whole takes 10 GB
    result = run(capsys, tmp_path, "validate")  # the cache key reads every project file
    assert result.codes == ["L004"]
    assert f"up to {MAX_FILE_BYTES} bytes" in result.output
    assert result.seconds < BOUND_S


def test_huge_schemas_lock_is_a_diagnostic(tmp_path, capsys):
    write(tmp_path, {"stream_project.yml": SOURCE})
    with open(tmp_path / "schemas.lock", "wb") as handle:
        handle.truncate(10 * 1024**3)
    result = run(capsys, tmp_path, "validate", "--no-cache")
    assert result.codes == ["L020"]
    assert result.seconds < BOUND_S


# ---------------------------------------------------------------- graph walks: no recursion


def chain(n: int) -> dict[str, str]:
    models = "".join(
        f"  - {{name: m{i}, sql: \"SELECT a, ts FROM {{{{ ref('m{i - 1}') }}}}\"}}\n"
        for i in range(1, n)
    )
    first = "  - {name: m0, sql: \"SELECT a, ts FROM {{ source('s') }}\"}\n"
    return {"stream_project.yml": SOURCE + "models:\n" + first + models}


@pytest.mark.parametrize("fmt", ["ascii", "json", "mermaid"])
def test_a_thousand_deep_ref_chain_has_lineage(tmp_path, capsys, fmt):
    write(tmp_path, chain(1000))  # overflowed the recursion of the ascii walk
    result = run(capsys, tmp_path, "lineage", "--format", fmt, json_output=False)
    assert result.exit_code == 0
    assert "m999" in result.output
    assert max(len(line) for line in result.output.splitlines()) < 400  # indentation capped
    assert result.seconds < BOUND_S


def test_a_thousand_deep_ref_chain_validates_and_compiles(tmp_path, capsys):
    write(tmp_path, chain(1000))
    assert run(capsys, tmp_path, "validate", "--no-cache").exit_code == 0
    result = run(capsys, tmp_path, "compile", "--no-cache", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert len(os.listdir(tmp_path / "out" / "flink")) == 1000


# ---------------------------------------------------------------- custom_sql predicates


def test_a_long_custom_sql_predicate_is_refused_before_the_python_evaluator_runs():
    from streamt.testing.predicate import MAX_PREDICATE_NODES, PredicateError, predicate_tree

    with pytest.raises(PredicateError, match=f"longer than {MAX_PREDICATE_NODES} terms"):
        predicate_tree(" OR ".join(f"a = {i}" for i in range(3000)))  # the executor hung
    with pytest.raises(PredicateError, match="nested too deeply"):
        predicate_tree("NOT " * 5000 + "a")
    value_list = predicate_tree("a IN (" + ",".join(map(str, range(10_000))) + ")")
    assert len(value_list.expressions) == 10_000  # a value list is one term
