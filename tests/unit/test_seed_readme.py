"""Every ```yaml snippet of the seed README, completed into a project, loads, validates without
errors and compiles.

The README is read from the committed copy `tests/fixtures/seed_README.md`, and also from
`../shared/seed/README.md` (beside the repository) when that file exists. A partial snippet (a
bare model list, sources only, tests only) is completed with minimal declarations of whatever it
references but does not declare (FILLERS below, else a generic source).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from streamt.context import Context
from streamt.load.jinja import capture_refs

REPO = Path(__file__).resolve().parents[2]
README_COPY = REPO / "tests/fixtures/seed_README.md"
READMES = [p for p in (README_COPY, REPO.parent / "shared/seed/README.md") if p.exists()]

_EVENT_SOURCE: dict[str, Any] = {
    "columns": [
        {"name": "order_id", "type": "STRING"},
        {"name": "customer_id", "type": "STRING"},
        {"name": "status", "type": "STRING"},
        {"name": "amount", "type": "DOUBLE"},
        {"name": "ts", "type": "TIMESTAMP(3)"},
    ],
    "event_time": {"column": "ts"},
}
FILLERS: dict[str, dict[str, Any]] = {
    "source:orders": {"name": "orders", "topic": "orders.v1", **_EVENT_SOURCE},
    "source:orders_raw": {"name": "orders_raw", "topic": "orders.raw.v1", **_EVENT_SOURCE},
    "source:transactions_raw": {
        "name": "transactions_raw",
        "topic": "transactions.raw.v1",
        "columns": [
            {"name": "transaction_id", "type": "STRING"},
            {"name": "amount", "type": "DOUBLE"},
            {"name": "merchant_category", "type": "STRING"},
        ],
    },
    "model:orders_clean": {
        "name": "orders_clean",
        "sql": 'SELECT order_id, customer_id, amount, ts FROM {{ source("orders_raw") }} WHERE amount > 0',
    },
    "model:transactions": {
        "name": "transactions",
        "sql": 'SELECT transaction_id, amount, merchant_category FROM {{ source("transactions_raw") }}',
    },
}


# what the seed says ML_PREDICT / ML_EVALUATE need: a Confluent Cloud Flink cluster (C060 without)
CONFLUENT_RUNTIME: dict[str, Any] = {
    "kafka": {"bootstrap_servers": "localhost:9092"},
    "flink": {
        "default": "cloud",
        "clusters": {
            "cloud": {
                "type": "confluent",
                "organization_id": "00000000-0000-0000-0000-000000000001",
                "environment": "env-snippet",
                "compute_pool_id": "lfcp-snippet",
                "database": "lkc-snippet",
                "cloud": "aws",
                "region": "us-east-1",
                "api_key": "${CONFLUENT_FLINK_API_KEY}",
                "api_secret": "${CONFLUENT_FLINK_API_SECRET}",
            }
        },
    },
}


def yaml_snippets(text: str) -> list[str]:
    snippets: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if current is None and stripped == "```yaml":
            current = []
        elif current is not None and stripped == "```":
            snippets.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return snippets


def complete(snippet: str, index: int) -> dict[str, Any]:
    doc = yaml.safe_load(snippet)
    if isinstance(doc, list):
        doc = {"models": doc}
    project: dict[str, Any] = dict(doc)
    project.setdefault("project", {"name": f"seed-snippet-{index}"})
    sources = list(project.get("sources") or [])
    models = list(project.get("models") or [])
    while True:
        missing = _missing(sources, models, project.get("tests") or [])
        if not missing:
            break
        for kind, name in missing:
            filler = FILLERS.get(f"{kind}:{name}") or {"name": name, "topic": f"{name}.v1"}
            (sources if kind == "source" else models).append(filler)
    if sources:
        project["sources"] = sources
    if any("ML_" in (m.get("sql") or "") for m in models):  # "require Confluent Cloud Flink"
        project.setdefault("runtime", CONFLUENT_RUNTIME)
    if models:
        project["models"] = models
    return project


def _missing(sources: list[Any], models: list[Any], tests: list[Any]) -> list[tuple[str, str]]:
    have_sources = {s["name"] for s in sources}
    have_models = {m["name"] for m in models}
    wanted: list[tuple[str, str]] = []
    for model in models:
        refs = capture_refs(model.get("sql") or "")
        wanted += [("source", s) for s in refs.sources]
        wanted += [("model", r) for r in refs.refs]
        frm = model.get("from")
        for item in [frm] if isinstance(frm, str) else frm or []:
            name = item if isinstance(item, str) else next(iter(item.values()))
            if name not in have_sources and name not in have_models:
                wanted.append(("model", name))
    wanted += [("model", t["model"]) for t in tests if "model" in t]
    out: list[tuple[str, str]] = []
    for kind, name in wanted:
        have = have_sources if kind == "source" else have_models
        if name not in have and (kind, name) not in out:
            out.append((kind, name))
    return out


def cases() -> list[tuple[Path, int, str]]:
    out = []
    for readme in READMES:
        for i, snippet in enumerate(yaml_snippets(readme.read_text(encoding="utf-8"))):
            out.append((readme, i, snippet))
    return out


def test_seed_readme_has_the_expected_snippets() -> None:
    snippets = yaml_snippets((REPO / "tests/fixtures/seed_README.md").read_text(encoding="utf-8"))
    assert len(snippets) == 9


def test_committed_copy_matches_the_shared_seed_when_present() -> None:
    copy = (REPO / "tests/fixtures/seed_README.md").read_text(encoding="utf-8")
    for readme in READMES:
        assert readme.read_text(encoding="utf-8") == copy


CASES = cases()


@pytest.mark.parametrize(
    ("readme", "index", "snippet"),
    CASES,
    ids=[f"{r.parent.name}-{i}" for r, i, _ in CASES],
)
def test_snippet_loads_validates_and_compiles(
    tmp_path: Path, readme: Path, index: int, snippet: str
) -> None:
    project = complete(snippet, index)
    (tmp_path / "stream_project.yml").write_text(
        yaml.safe_dump(project, sort_keys=False), encoding="utf-8"
    )
    ctx = Context(tmp_path, environ={})
    report = ctx.validate()
    errors = [d.render() for d in report.diagnostics if d.is_error]
    assert not errors, f"snippet {index} of {readme}:\n{snippet}\n" + "\n".join(errors)
    result = ctx.compile()
    desired = result.desired
    produced = (
        len(desired.topics) + len(desired.jobs) + len(desired.connectors) + len(desired.subjects)
    )
    assert produced > 0, snippet
