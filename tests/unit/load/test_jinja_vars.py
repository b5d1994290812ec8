"""`var()` / `env_var()` in model SQL: values bound as one SQL literal each, the names read
recorded, missing names and secrets refused with a code, a line and a hint."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from streamt.load.jinja import ABSENT, JinjaProblem, Variables, render_sql, sql_literal


def _render(sql: str, variables: Variables) -> tuple[str, tuple[JinjaProblem, ...]]:
    return render_sql(sql, source=lambda n: n, ref=lambda n: n, variables=variables)


def test_a_var_value_is_one_string_literal_never_sql() -> None:
    evil = "x'); DROP TABLE t; --"
    text, problems = _render(
        "SELECT id FROM {{ source('s') }} WHERE region = {{ var('region') }}",
        Variables({"region": evil}),
    )
    assert problems == ()
    statements = sqlglot.parse(text)
    assert len(statements) == 1  # no second statement smuggled in
    literals = [lit.this for lit in statements[0].find_all(exp.Literal)]
    assert literals == [evil]  # exactly one literal, holding the value as it was given
    assert not list(statements[0].find_all(exp.Drop))


def test_literals_of_each_type_and_defaults() -> None:
    assert [sql_literal(v) for v in (3, 2.5, True, None, "o'k", [1, "a"])] == [
        "3",
        "2.5",
        "TRUE",
        "NULL",
        "'o''k'",
        "1, 'a'",
    ]
    variables = Variables({"n": 5}, {"REGION": "eu"})
    text, problems = _render(
        "{{ var('n') }} {{ var('m', 7) }} {{ env_var('REGION') }} {{ env_var('ZONE', 'z1') }}",
        variables,
    )
    assert (text, problems) == ("5 7 'eu' 'z1'", ())
    # a default used is recorded as ABSENT: the default is in the SQL, the value was not given
    assert variables.read == {"var:n": 5, "var:m": ABSENT, "env:REGION": "eu", "env:ZONE": ABSENT}


def test_a_var_without_value_or_default_is_l150_with_did_you_mean_and_its_line() -> None:
    _, problems = _render(
        "SELECT 1\nFROM t\nWHERE r = {{ var('regoin') }}", Variables({"region": 1})
    )
    (problem,) = problems
    assert (problem.code, problem.line) == ("L150", 3)
    assert "var('regoin')" in problem.message
    assert problem.hint == "did you mean 'region'?"
    _, (alone,) = _render("{{ var('x') }}", Variables())
    assert alone.hint == "give 'x' a value or a default"


def test_env_var_of_a_secret_is_refused_even_when_set() -> None:
    for name in ("DB_PASSWORD", "API_TOKEN", "CLIENT_SECRET"):
        variables = Variables({}, {name: "hunter2"})
        text, (problem,) = _render(f"SELECT '{{{{ env_var('{name}') }}}}'", variables)
        assert problem.code == "L151" and "${" + name + "}" in problem.hint
        assert "hunter2" not in text and variables.read == {}


def test_env_var_unset_without_default_is_l152() -> None:
    _, (problem,) = _render("{{ env_var('REGOIN') }}", Variables({}, {"REGION": "eu"}))
    assert problem.code == "L152" and problem.hint == "did you mean 'REGION'?"


def test_without_variables_var_stays_an_unknown_name() -> None:
    _, (problem,) = render_sql("{{ var('x') }}", source=str, ref=str)
    assert problem.code == "L011"


def test_in_jinja_logic_a_var_is_its_value_rendered_it_is_its_literal() -> None:
    sql = (
        "SELECT {% if var('flag') %}1{% else %}0{% endif %} AS f, "
        "{% if var('env') == 'prod' %}'p'{% else %}'d'{% endif %} AS e, {{ var('env') }} AS v "
        "FROM {{ ref(var('up')) }}"
    )
    refs: list[str] = []
    text, problems = render_sql(
        sql,
        source=lambda n: n,
        ref=lambda n: refs.append(n) or n,
        variables=Variables({"flag": False, "env": "prod", "up": "orders"}),
    )
    assert problems == ()
    # a false var is false (not the text FALSE), == compares the value, ref() gets the name
    assert text == "SELECT 0 AS f, 'p' AS e, 'prod' AS v FROM orders"
    assert refs == ["orders"]
