"""Nothing but diagnostics ever escapes `validate`: generated, mutated and hostile projects."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamt.context import Context, ValidationReport
from streamt.diagnostics import Diagnostic

KEYS = [
    "project",
    "runtime",
    "defaults",
    "rules",
    "sources",
    "models",
    "tests",
    "exposures",
    "name",
    "version",
    "topic",
    "sql",
    "from",
    "key",
    "columns",
    "type",
    "schema",
    "format",
    "definition",
    "event_time",
    "column",
    "watermark",
    "advanced",
    "flink",
    "partitions",
    "replication_factor",
    "config",
    "connector",
    "materialized",
    "tags",
    "assertions",
    "model",
    "security",
    "policies",
    "mask",
    "ml_outputs",
    "consumes",
    "depends_on",
    "ref",
    "source",
    "kafka",
    "bootstrap_servers",
    "clusters",
    "default",
    "classification",
    "topics",
    "min_partitions",
    "naming_pattern",
    "state_ttl_ms",
    "on_failure",
    "sla",
    "unknown_key",
]
SQL = [
    'SELECT * FROM {{ source("s") }}',
    'SELECT a FROM {{ ref("m") }}',
    "SELECT 1",
    "{{ ref(",
    "{% for %}",
    "SELECT * FROM {{ ref(x) }}",
    "{{ ''.__class__ }}",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(KEYS),
    st.sampled_from(SQL),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
    ),
    max_leaves=25,
)
projects = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)

VALID = b"""project: {name: shop}
sources:
  - name: s
    topic: s.v1
    columns: [{name: a, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
    event_time: {column: ts}
models:
  - name: m
    sql: SELECT a, ts FROM {{ source("s") }}
  - name: w
    sql: |
      SELECT window_start, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE {{ ref("m") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
tests:
  - {name: t, model: m, type: schema, assertions: [{not_null: {columns: [a]}}]}
"""


@contextmanager
def project_dir(files: dict[str, bytes]) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="streamt-fuzz-"))
    try:
        for name, body in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


SECONDS_PER_PROJECT = 30  # generous for a loaded 2-core machine; a hang never ends


def validate(files: dict[str, bytes]) -> ValidationReport:
    """Validates `files` and asserts the properties every input must keep: only diagnostics
    escape, each with a room code, a message and no internal error, in bounded time, and a
    project that does not validate says why with at least one error (or, under --strict,
    a warning)."""
    started = time.monotonic()
    with project_dir(files) as root:
        report = Context(root, environ={}).validate(strict=True)
    assert time.monotonic() - started < SECONDS_PER_PROJECT
    for d in report.diagnostics:
        assert isinstance(d, Diagnostic)
        assert re.fullmatch(r"[A-Z]\d{3}", d.code), d.code
        assert d.message and "internal error" not in d.message.lower(), d.render()
        assert "Traceback" not in d.render()
    # --strict: a warning fails the project too, so a failing one names an error or a warning
    assert report.ok or any(d.severity.value in ("error", "warning") for d in report.diagnostics)
    return report


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(projects)
def test_generated_projects_only_produce_diagnostics(data: dict[str, object]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True).encode()
    validate({"stream_project.yml": text})


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID)), st.integers(0, 8), st.binary(max_size=6)),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_projects_only_produce_diagnostics(edits: list[tuple[int, int, bytes]]) -> None:
    text = VALID
    for pos, cut, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + cut :]
    validate({"stream_project.yml": text})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(
        st.sampled_from(["sources", "models", "tests", "exposures", "runtime"]), values, max_size=3
    ),
    st.sampled_from(["models/a.yml", "models/x/y/b.yaml", "sources/s.yml", "tests/t.yml"]),
)
def test_generated_node_files_only_produce_diagnostics(data: dict[str, object], name: str) -> None:
    validate(
        {
            "stream_project.yml": VALID,
            name: yaml.safe_dump(data).encode(),
            "models/z.sql": b"SELECT * FROM {{ ref('m') }}",
        }
    )


def test_billion_laughs() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    bomb = "\n".join(lines).encode() + b"\nproject: {name: p}\nmodels: *a9\n"
    report = validate({"stream_project.yml": bomb})
    assert [d.code for d in report.diagnostics] == ["L004"]
    models = b"models: &m\n  - {name: x, sql: SELECT 1}\nsources: [*m, *m]\n"
    validate({"stream_project.yml": VALID, "models/bomb.yml": models})


def test_non_utf8_bytes_everywhere() -> None:
    report = validate({"stream_project.yml": b"project: {name: \xff\xfe}\n"})
    assert [d.code for d in report.diagnostics] == ["L003"]
    report = validate({"stream_project.yml": VALID, "models/m.sql": b"SELECT \xc3\x28"})
    assert "L003" in [d.code for d in report.diagnostics]


def test_five_megabyte_sql_string() -> None:
    sql = "SELECT a FROM {{ source('s') }} WHERE a IN (" + ",".join(["'x'"] * 1_000_000) + ")"
    assert len(sql) > 4_000_000
    huge = b"  - name: huge\n    sql: " + sql.encode() + b"\ntests:"
    body = VALID.replace(b"tests:", huge)
    report = validate({"stream_project.yml": body})
    (diag,) = [d for d in report.diagnostics if d.code == "L014"]
    assert diag.location.line == 16
    report = validate({"stream_project.yml": VALID, "models/huge.sql": sql.encode()})
    assert "L014" in [d.code for d in report.diagnostics]


def test_deeply_nested_yaml() -> None:
    report = validate(
        {"stream_project.yml": b"project: {name: p}\nmodels: " + b"[" * 5000 + b"]" * 5000}
    )
    assert [d.code for d in report.diagnostics] == ["L002"]


def test_the_valid_project_validates() -> None:
    """The seed the mutation fuzzer edits is itself valid (else every edit tests the same error)."""
    report = validate({"stream_project.yml": VALID})
    assert report.ok, [d.render() for d in report.diagnostics]
