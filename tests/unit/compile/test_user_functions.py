"""`functions:`: user-defined functions typed by their declaration and registered in each job
that calls them (CREATE TEMPORARY FUNCTION ... USING JAR); declaration problems are V110-V113."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.compile.specs import ChangelogMode
from streamt.diagnostics import Diagnostic
from tests.unit.compile.helpers import compile_dir

PROJECT = """\
project: {{name: udfs}}
sources:
  - name: people
    topic: people.v1
    columns: [{{name: id, type: BIGINT}}, {{name: name, type: STRING}}]
functions:
{functions}
models:
  - name: loud
    sql: "SELECT id, shout(name) AS loud_name FROM {{{{ source('people') }}}} WHERE SHOUT(name) <> ''"
  - name: quiet
    sql: "SELECT id, name FROM {{{{ source('people') }}}}"
"""
SHOUT = """\
  - name: shout
    class: dev.streamt.Shout
    jar: lib/shout.jar
    returns: STRING NOT NULL
"""


def _compile(tmp_path: Path, functions: str = SHOUT, jar: bool = True):  # type: ignore[no-untyped-def]
    (tmp_path / "stream_project.yml").write_text(PROJECT.format(functions=functions))
    if jar:
        (tmp_path / "lib").mkdir()
        (tmp_path / "lib" / "shout.jar").write_bytes(b"PK")
    result, diags = compile_dir(tmp_path)
    return result, [d for d in [*diags, *result.diagnostics] if d.is_error]


def test_a_declared_function_is_typed_and_registered_in_the_jobs_that_call_it(
    tmp_path: Path,
) -> None:
    result, errors = _compile(tmp_path)
    assert errors == []
    loud = result.nodes["model.udfs.loud"]
    assert [(c.name, c.type.sql()) for c in loud.columns] == [
        ("id", "BIGINT"),
        ("loud_name", "STRING NOT NULL"),
    ]
    jobs = {j.name: j for j in result.desired.jobs}
    jar = (tmp_path / "lib" / "shout.jar").resolve()
    create = (
        f"CREATE TEMPORARY FUNCTION `shout` AS 'dev.streamt.Shout' LANGUAGE JAVA USING JAR '{jar}'"
    )
    statements = list(jobs["loud"].statements)
    assert statements.count(create) == 1
    first_table = next(
        i for i, s in enumerate(statements) if s.startswith("CREATE TEMPORARY TABLE")
    )
    assert statements.index(create) < first_table
    assert not any("FUNCTION" in s for s in jobs["quiet"].statements)


def test_an_undeclared_function_is_s030(tmp_path: Path) -> None:
    _, errors = _compile(tmp_path, functions="  []\n")
    assert [d.code for d in errors] == ["S030", "S030"]
    assert "SHOUT" in errors[0].message and "`functions:`" in errors[0].hint


def _codes(errors: list[Diagnostic]) -> list[str]:
    return sorted({d.code for d in errors})


@pytest.mark.parametrize(
    ("functions", "jar", "code", "line"),
    [
        (SHOUT.replace("STRING NOT NULL", "STRNG"), True, "V110", 10),
        (SHOUT.replace("name: shout", "name: upper"), True, "V111", 7),
        (SHOUT + SHOUT.replace("name: shout", "name: SHOUT"), True, "V112", 11),
        (SHOUT, False, "V113", 9),
        (SHOUT.replace("name: shout", 'name: "shout-it"'), True, "V114", 7),
        (SHOUT.replace("dev.streamt.Shout", '"dev.streamt.Shout\' LANGUAGE"'), True, "V115", 8),
    ],
)
def test_declaration_problems_are_placed(
    tmp_path: Path, functions: str, jar: bool, code: str, line: int
) -> None:
    _, errors = _compile(tmp_path, functions, jar)
    found = [d for d in errors if d.code == code]
    assert len(found) == 1, [d.render() for d in errors]
    assert (found[0].location.file, found[0].location.line) == ("stream_project.yml", line)


def test_a_rebuilt_jar_changes_the_calling_jobs_data_fingerprint(tmp_path: Path) -> None:
    """Same declaration, new jar bytes: the job is upgraded (plan compares data fingerprints),
    never left running the old code; the job that calls no UDF is untouched."""
    from streamt.load.fingerprint import project_fingerprint

    first, _ = _compile(tmp_path)
    before = {j.name: (j.data_fingerprint, j.metadata_fingerprint) for j in first.desired.jobs}
    cached = project_fingerprint(tmp_path, None)
    (tmp_path / "lib" / "shout.jar").write_bytes(b"PK rebuilt")
    second, _ = compile_dir(tmp_path)
    after = {j.name: (j.data_fingerprint, j.metadata_fingerprint) for j in second.desired.jobs}
    assert after["loud"][0] != before["loud"][0]
    assert after["loud"][1] == before["loud"][1]
    assert after["quiet"] == before["quiet"]
    assert project_fingerprint(tmp_path, None) != cached  # the result cache misses too


def test_an_aggregate_udf_makes_the_query_an_aggregation(tmp_path: Path) -> None:
    """`kind: aggregate`: the call aggregates per group, so the result is updating and goes to
    upsert-kafka keyed by the group."""
    longest = (
        "  - {name: longest, class: dev.streamt.Longest, jar: lib/shout.jar, returns: STRING,"
        " kind: aggregate}\n"
    )
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(functions=SHOUT + longest).replace(
            "SELECT id, name FROM {{ source('people') }}",
            "SELECT id, longest(name) AS name FROM {{ source('people') }} GROUP BY id",
        )
    )
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shout.jar").write_bytes(b"PK")
    result, diags = compile_dir(tmp_path)
    errors = [d.render() for d in [*diags, *result.diagnostics] if d.is_error]
    quiet = result.nodes["model.udfs.quiet"]
    assert quiet.stateful_reasons and quiet.changelog is ChangelogMode.UPSERT, errors
    job = next(j for j in result.desired.jobs if j.name == "quiet")
    assert any("AS 'dev.streamt.Longest'" in s for s in job.statements)


@pytest.mark.parametrize(
    ("functions", "jar", "message", "hint"),
    [
        (
            SHOUT.replace("STRING NOT NULL", "STRNG"),
            True,
            "function 'shout': returns 'STRNG' is not a Flink type (unknown type 'STRNG' in 'STRNG')",
            "write a Flink SQL type, e.g. STRING, DOUBLE, DECIMAL(10, 2), ARRAY<STRING>",
        ),
        (
            SHOUT.replace("name: shout", "name: upper"),
            True,
            "function 'upper' has the name of a Flink built-in function, which would run instead",
            "give the user-defined function another name",
        ),
        (
            SHOUT + SHOUT.replace("name: shout", "name: SHOUT"),
            True,
            "function 'SHOUT' is declared twice",
            "keep one entry",
        ),
        (
            SHOUT,
            False,
            "function 'shout': jar 'lib/shout.jar' not found",
            "give the jar's path relative to the project directory, or a URI Flink reads "
            "(hdfs://, s3://, ...)",
        ),
        (
            SHOUT.replace("name: shout", 'name: "shout-it"'),
            True,
            "function 'shout-it': a function name is letters, digits and '_' (not starting with "
            "a digit)",
            "models call it unquoted, e.g. my_score(x)",
        ),
        (
            SHOUT.replace("dev.streamt.Shout", "dev.streamt.1Shout"),
            True,
            "function 'shout': class 'dev.streamt.1Shout' is not a Java class name",
            "the fully qualified class, e.g. com.acme.udf.Score (inner classes: Outer$Inner)",
        ),
    ],
)
def test_declaration_problems_name_the_function_and_the_fix(
    tmp_path: Path, functions: str, jar: bool, message: str, hint: str
) -> None:
    _, errors = _compile(tmp_path, functions, jar)
    declared = [d for d in errors if d.code.startswith("V11")]
    assert [(d.message, d.hint) for d in declared] == [(message, hint)]


def test_a_jar_given_as_a_uri_is_registered_as_written_and_not_looked_for(tmp_path: Path) -> None:
    uri = "hdfs://nn:8020/udfs/shout.jar"
    result, errors = _compile(tmp_path, SHOUT.replace("lib/shout.jar", uri), jar=False)
    assert errors == []
    (loud,) = [j for j in result.desired.jobs if j.name == "loud"]
    assert (
        f"CREATE TEMPORARY FUNCTION `shout` AS 'dev.streamt.Shout' LANGUAGE JAVA USING JAR '{uri}'"
        in loud.statements
    )
