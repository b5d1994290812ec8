from streamt.load.jinja import capture_refs, render_sql


def test_fast_path_captures_literal_calls_in_order() -> None:
    refs = capture_refs(
        'SELECT * FROM {{ source("a") }} JOIN {{ref(\'b\')}} ON 1=1 JOIN {{ ref("b") }}'
    )
    assert (refs.sources, refs.refs, refs.calls, refs.problems) == (("a",), ("b",), 3, ())
    sources, models = refs
    assert (sources, models) == (("a",), ("b",))


def test_jinja_path_records_calls_made_by_logic() -> None:
    refs = capture_refs("{% for t in ['x', 'y'] %}SELECT * FROM {{ ref(t) }}{% endfor %}")
    assert refs.refs == ("x", "y") and refs.ok


def test_two_argument_source_takes_the_table_name() -> None:
    assert capture_refs("{{ source('raw', 'orders') }}").sources == ("orders",)


def test_unknown_name_is_a_problem_with_its_line() -> None:
    refs = capture_refs("SELECT 1\nFROM {{ ref('a') }}\nWHERE {{ nope }}")
    (problem,) = refs.problems
    assert (problem.code, problem.line) == ("L011", 3)
    assert "'nope' is undefined" in problem.message


def test_syntax_error_is_a_problem_with_its_line() -> None:
    (problem,) = capture_refs("SELECT 1\nFROM {% if %}").problems
    assert (problem.code, problem.line) == ("L010", 2)


def test_sandbox_blocks_attribute_escapes() -> None:
    (problem,) = capture_refs("{{ ''.__class__.__mro__ }}").problems
    assert problem.code == "L011" and "unsafe" in problem.message


def test_render_sql_substitutes_both_paths() -> None:
    def source(name: str) -> str:
        return f"`src_{name}`"

    def ref(name: str) -> str:
        return f"`m_{name}`"

    assert render_sql("SELECT * FROM {{ source('a') }}, {{ ref('b') }}", source, ref) == (
        "SELECT * FROM `src_a`, `m_b`",
        (),
    )
    text, problems = render_sql("{% if true %}{{ ref('b') }}{% endif %}", source, ref)
    assert (text, problems) == ("`m_b`", ())
