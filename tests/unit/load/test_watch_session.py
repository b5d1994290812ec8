"""A resident validate (`validate --watch`: one `Session` across runs) gives exactly what a cold
validate gives after every edit, while re-reading only the entries an edit touched."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from streamt.context import Context, Session
from streamt.load.chunks import split

ENV = {"STREAMT_NO_CACHE": "1"}

HEAD = """\
project:
  name: watched
  version: '1.0.0'
# the sources
sources:
"""


def _source(i: int, columns: bool = True) -> str:
    declared = """\
    columns:
      - name: id
        type: STRING
      - name: amount
        type: DOUBLE
      - name: ts
        type: TIMESTAMP(3)
"""
    return f"  - name: src_{i}\n    topic: raw.src_{i}.v1\n" + (declared if columns else "")


def _model(i: int, reads: str, pad: str = "  ") -> str:
    return f"""\
{pad}- name: m_{i}
{pad}  description: model {i}
{pad}  sql: |
{pad}    SELECT id, amount, ts FROM {reads} WHERE amount > {i}
"""


def _project(root: Path) -> None:
    models = "".join(
        _model(i, f'{{{{ ref("m_{i - 2}") }}}}' if i > 1 else f'{{{{ source("src_{i}") }}}}')
        for i in range(8)
    )
    text = HEAD + _source(0) + _source(1, columns=False) + "models:\n" + models  # inferred
    (root / "stream_project.yml").write_text(text)
    (root / "models").mkdir()
    (root / "models" / "more.yml").write_text(
        "models:\n" + _model(20, '{{ ref("m_3") }}') + _model(21, '{{ source("src_1") }}')
    )
    (root / "models" / "m_22.sql").write_text('SELECT id, ts FROM {{ ref("m_20") }}\n')
    (root / "models" / "flat.yml").write_text(  # items at column 0, an ignored key
        "version: 2\nmodels:\n"
        + _model(23, '{{ ref("m_21") }}', pad="")
        + "# a comment at column 0\n"
        + _model(24, '{{ ref("m_23") }}', pad="")
    )


def _edit(rng: random.Random, root: Path, broken: list[tuple[Path, str]]) -> str:
    """One random edit of the project's files; returns what it did (for the failure message)."""
    if broken and rng.random() < 0.5:  # fix the file broken last
        path, text = broken.pop()
        path.write_text(text)
        return f"fixed {path.name}"
    files = ["stream_project.yml", "models/more.yml", "models/flat.yml"]
    path = root / rng.choice(files)
    text = path.read_text()
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("- name: m_")]
    pad = "" if path.name == "flat.yml" else "  "
    if not starts:  # every model of the file was removed: add one back
        path.write_text(text + _model(rng.randint(30, 90), '{{ source("src_0") }}', pad))
        return f"add to the empty {path.name}"
    at = rng.choice(starts)
    name = lines[at].split(": ")[1]
    sql = next(i for i in range(at, len(lines)) if "SELECT" in lines[i])
    end = next((i for i in starts if i > at), len(lines) - 1)
    kinds = "sql column rename add remove break blank comment header copy section"
    kind = rng.choice(kinds.split())
    if kind == "sql":
        lines[sql] = lines[sql].replace("amount >", f"amount + {rng.randint(0, 9)} >", 1)
    elif kind == "column":  # an unknown column: a compile error on this model
        lines[sql] = lines[sql].replace("SELECT id", "SELECT idd", 1)
    elif kind == "rename":  # its readers now read an unknown model
        lines[at] = f"{pad}- name: {name}_x"
    elif kind == "add":
        new = _model(rng.randint(30, 90), f'{{{{ ref("{name}") }}}}', pad)
        lines[at:at] = new.rstrip("\n").split("\n")
    elif kind == "remove":
        del lines[at:end]
    elif kind == "copy":  # the same model twice
        lines[end:end] = lines[at:end]
    elif kind == "section":  # a second `models:` key in the file
        lines.append("models: []")
    elif kind == "break":
        broken.append((path, text))
        lines[at + 1] = rng.choice([f"{pad}  description: [oops", f"{pad} description: bad"])
    elif kind == "blank":  # every later entry moves down a line
        lines.insert(at, "")
    elif kind == "comment":
        lines.insert(sql + 1, f"{pad}  # a comment")
    elif kind == "header" and path.name == "stream_project.yml":
        lines[2] = f"  version: '1.0.{rng.randint(0, 9)}'"
    path.write_text("\n".join(lines))
    return f"{kind} {name} in {path.name}"


@pytest.mark.parametrize("seed", range(8))
def test_incremental_validate_equals_cold_after_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    _project(tmp_path)
    session = Session()
    broken: list[tuple[Path, str]] = []
    done = []
    for _ in range(25):
        warm = Context(tmp_path, environ=ENV, session=session).validate()
        cold = Context(tmp_path, environ=ENV).validate(use_cache=False)
        assert warm.diagnostics == cold.diagnostics, done
        assert (warm.project_name, dict(warm.counts)) == (cold.project_name, dict(cold.counts))
        done.append(_edit(rng, tmp_path, broken))


def test_an_edit_reads_one_entry_again_and_compiles_one_model(tmp_path: Path) -> None:
    _project(tmp_path)
    session = Session()
    first = Context(tmp_path, environ=ENV, session=session).validate()
    assert first.ok, first.diagnostics
    parsed, compiled = session.reader.parsed, session.memo.misses
    path = tmp_path / "stream_project.yml"
    path.write_text(path.read_text().replace("amount > 7", "amount > 70"))
    again = Context(tmp_path, environ=ENV, session=session).validate()
    assert again.ok
    assert session.reader.parsed - parsed == 1  # only m_7's entry
    # only m_7 (no model reads it): once in the round that infers src_1's columns, once after
    assert session.memo.misses - compiled == 2
    path.write_text(
        path.read_text().replace(
            'SELECT id, amount, ts FROM {{ ref("m_5") }}',
            'SELECT idd, amount, ts FROM {{ ref("m_5") }}',
        )
    )
    broken = Context(tmp_path, environ=ENV, session=session).validate()
    assert [d.code for d in broken.diagnostics if d.is_error] == [
        d.code
        for d in Context(tmp_path, environ=ENV).validate(use_cache=False).diagnostics
        if d.is_error
    ]
    assert any(d.is_error and d.node == "model.watched.m_7" for d in broken.diagnostics)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors: entries are not independent
        "models:\n\t- name: a\n",  # a tab
        "---\nmodels: []\n",  # a document marker
        "models:\n  - name: a\n b: 1\n",  # less indented than the items
        "'quoted': 1\n",  # a column-0 line that is not a plain key
        "",  # nothing to cut
        "# only a comment\n",
    ],
)
def test_split_refuses_what_it_cannot_cut_with_certainty(text: str) -> None:
    assert split(text) is None


def test_split_cuts_entries_and_items_at_their_lines() -> None:
    text = "project:\n  name: p\nmodels:\n  - name: a\n\n  - name: b\n    sql: x\nsources: []\n"
    chunks = split(text)
    assert chunks is not None
    assert [(c.key, c.item, c.start, c.text) for c in chunks] == [
        ("project", False, 0, "project:\n  name: p\n"),
        ("models", False, 2, ""),
        ("models", True, 3, "  - name: a\n\n"),
        ("models", True, 5, "  - name: b\n    sql: x\n"),
        ("sources", False, 7, "sources: []\n"),
    ]
    assert "".join(c.text or "models:\n" for c in chunks) + "" == text


def test_a_session_starts_over_when_the_variables_change(tmp_path: Path) -> None:
    _project(tmp_path)
    path = tmp_path / "stream_project.yml"
    path.write_text(path.read_text().replace("amount > 7", "amount > {{ var('floor') }}"))
    session = Session()
    for given in ({"floor": 7}, {}, {"floor": 7}):  # without floor: an error on m_7
        warm = Context(tmp_path, environ=ENV, session=session, variables=given).validate()
        cold = Context(tmp_path, environ=ENV, variables=given).validate(use_cache=False)
        assert warm.diagnostics == cold.diagnostics
        assert warm.ok is bool(given)


@pytest.mark.parametrize(
    "overlay",
    [
        'environment: {prefix: "dev-"}\nproject: {description: "from dev"}\n',
        'environment: {prefix: "dev-"}\nmodels:\n  - name: m_3\n    description: patched\n'
        "  - name: m_nope\n    description: unused patch\n",
    ],
)
def test_incremental_validate_equals_cold_in_an_environment(tmp_path: Path, overlay: str) -> None:
    _project(tmp_path)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yml").write_text(overlay)
    rng = random.Random(len(overlay))
    session = Session()
    broken: list[tuple[Path, str]] = []
    done = []
    for _ in range(12):
        warm = Context(tmp_path, "dev", environ=ENV, session=session).validate()
        cold = Context(tmp_path, "dev", environ=ENV).validate(use_cache=False)
        assert warm.diagnostics == cold.diagnostics, done
        assert warm.project_name == cold.project_name
        done.append(_edit(rng, tmp_path, broken))
