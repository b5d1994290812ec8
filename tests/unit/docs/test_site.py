"""What the pages show: every field the issue lists, taken from the project and its compile."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from streamt.artifacts.manifest import build_manifest
from streamt.docs.render import render_site
from streamt.docs.write import generate_site, read_outcomes
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.testing.results import Status, TestResult
from streamt.testing.session import write_results
from tests.unit.compile.helpers import EXAMPLES, REPO, compile_dir
from tests.unit.docs.helpers import site_of
from tests.unit.load.helpers import write

XSS = REPO / "tests" / "corpus" / "docs_xss"


def test_every_node_has_a_page_and_the_index_counts_them() -> None:
    site = site_of(EXAMPLES / "payments")
    files = render_site(site)
    assert site.counts() == {"model": 4, "source": 1, "test": 1}
    assert {n.url for n in site.nodes.values()} <= set(files)
    assert len({n.url for n in site.nodes.values()}) == len(site.nodes) == 6
    assert site.by_key("owner").keys() == {"payments-team"}
    index = files["index.html"]
    assert "<b>4</b> models" in index and "<b>1</b> source" in index
    assert 'href="nodes/model.payments.payments_eur.html"' in index


def test_a_model_page_shows_what_compile_knows() -> None:
    site = site_of(EXAMPLES / "payments")
    node = site.nodes["model.payments.revenue_per_minute"]
    assert node.kind == "model"
    assert node.materialization == "flink"
    assert node.materialization_why == "inferred: stateful (TUMBLE window, window aggregation)"
    assert node.changelog == "append"
    assert node.upstream == ("model.payments.payments_eur",)
    topic = {"name": "revenue_per_minute", "partitions": 3, "replication_factor": 1, "config": {}}
    assert node.topics == (topic,)
    assert node.compiled is not None and "TUMBLE(TABLE `payments_eur`" in node.compiled
    assert node.sql is not None and 'ref("payments_eur")' in node.sql
    revenue = next(c for c in node.columns if c.name == "revenue")
    assert (revenue.type, revenue.derivation, revenue.declared) == (
        "DECIMAL(38, 2)",
        "aggregate",
        False,
    )
    assert revenue.derived_from == (("model.payments.payments_eur", "amount"),)
    source = site.nodes["source.payments.payments_raw"]
    assert source.event_time == "paid_at"
    assert source.watermark is not None and "max out of orderness" in source.watermark
    assert all(c.declared for c in source.columns)
    page = render_site(site)[node.url]
    assert "inferred: stateful (TUMBLE window, window aggregation)" in page
    assert 'data-column="revenue"' in page


def test_job_settings_are_the_submitted_ones_with_defaults_and_name_the_job_file() -> None:
    site = site_of(EXAMPLES / "payments")
    result, _ = compile_dir(EXAMPLES / "payments")  # with the job scripts
    files = {j.node: j.file for j in build_manifest(result, "test").flink_jobs}
    for job in result.desired.jobs:
        node = site.nodes[job.node]
        assert node.job == dict(job.config), job.node  # exactly what apply submits
        assert node.job_file == files[job.node]
    declared = site.nodes["model.payments.revenue_per_minute"].job
    assert declared["parallelism.default"] == "2"
    assert declared["execution.checkpointing.interval"] == "30000 ms"
    default = site.nodes["model.payments.payments_eur"].job  # nothing declared: the defaults
    assert default == {
        "execution.checkpointing.interval": "10000 ms",
        "pipeline.name": "streamt.payments.payments_eur",
    }
    page = render_site(site)["nodes/model.payments.payments_eur.html"]
    assert "target/flink/payments_eur.sql" in page and "streamt.payments.payments_eur" in page
    assert site.nodes["source.payments.payments_raw"].job == {}


def test_a_unit_test_page_shows_its_given_and_expected_rows() -> None:
    site = site_of(EXAMPLES / "datatests")
    node = site.nodes["test.datatests.clean_filters_and_normalises"]
    given, expect = node.rows
    assert given.title == "given: orders_raw"
    assert given.columns == ("order_id", "customer_id", "amount", "status", "order_ts")
    assert given.rows[0] == ("o1", "c1", "10.5", "new", "2024-01-01 10:00:01")
    assert given.rows[2][3] == "null"  # status: null, shown as written
    assert len(given.rows) == 4
    assert expect.title == "expect"
    assert [r[0] for r in expect.rows] == ["o1", "o4"]
    page = render_site(site)[node.url]
    assert "<h2>given: orders_raw</h2>" in page and "<code>2024-01-01 10:00:04</code>" in page
    assert site.nodes["test.datatests.orders_clean_sample"].rows == ()


def test_a_sink_shows_its_connector_with_placeholders_and_exported_columns() -> None:
    site = site_of(EXAMPLES / "clickstream")
    sink = site.nodes["model.clickstream.clicks_per_page_pg"]
    assert sink.kind == "sink"
    (connector,) = sink.connectors
    assert connector["config"]["connection.password"] == "${PG_PASSWORD}"
    assert [c.name for c in sink.columns] == ["page", "clicks", "users"]
    assert {c.derived_from for c in sink.columns} == {
        (("model.clickstream.clicks_per_page", n),) for n in ("page", "clicks", "users")
    }
    assert "${PG_PASSWORD}" in render_site(site)[sink.url]


def test_tests_show_assertions_and_last_outcome(tmp_path: Path) -> None:
    results = tmp_path / "test_results.json"
    failed = {"name": "payments_validated_sample", "status": "fail", "message": "3 NULLs"}
    results.write_text(json.dumps({"results": [failed]}), encoding="utf-8")
    outcomes = read_outcomes(results)
    site = site_of(EXAMPLES / "payments", outcomes)
    model = site.nodes["model.payments.payments_validated"]
    (test,) = model.tests
    assert (test.outcome, test.message) == ("fail", "3 NULLs")
    assert test.assertions and all(a.startswith("{") for a in test.assertions)
    assert test.url == site.nodes["test.payments.payments_validated_sample"].url
    assert "3 NULLs" in render_site(site)[model.url]
    assert read_outcomes(tmp_path / "missing.json") == {}
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert read_outcomes(tmp_path / "bad.json") == {}


def test_the_results_file_streamt_test_writes_is_what_the_pages_read(tmp_path: Path) -> None:
    results = [
        TestResult("payments_validated_sample", "sample", "payments_validated", Status.PASS),
        TestResult("other", "schema", "x", Status.ERROR, "cannot reach Kafka"),
    ]
    path = write_results(tmp_path / "reports", results, "payments")
    assert path == tmp_path / "reports" / "test_results.json"
    assert read_outcomes(path) == {
        "payments_validated_sample": {"status": "pass", "message": ""},
        "other": {"status": "error", "message": "cannot reach Kafka"},
    }


def test_classification_propagates_along_column_lineage(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": """
            project: {name: shop}
            sources:
              - name: users
                topic: users.v1
                columns:
                  - {name: id, type: STRING, classification: internal}
                  - {name: email, type: STRING, classification: highly_sensitive}
                  - {name: country, type: STRING, classification: public}
            models:
              - name: contacts
                sql: |
                  SELECT id, UPPER(email) AS email_upper, CONCAT(id, country) AS tag
                  FROM {{ source("users") }}
              - name: contacts_again
                security:
                  classification: {tag: confidential}
                sql: SELECT email_upper AS e, tag FROM {{ ref("contacts") }}
              - name: contacts_masked
                security:
                  policies: [{mask: {column: e, method: hash}}]
                sql: SELECT e, e AS e2 FROM {{ ref("contacts_again") }}
              - name: after_mask
                sql: SELECT e FROM {{ ref("contacts_masked") }}
            """
        },
    )
    site = site_of(tmp_path)
    cols = {c.name: c for c in site.nodes["model.shop.contacts_again"].columns}
    assert (cols["e"].classification, cols["e"].inherited) == (None, "highly_sensitive")
    assert (cols["tag"].classification, cols["tag"].inherited) == ("confidential", "internal")
    first = {c.name: c.inherited for c in site.nodes["model.shop.contacts"].columns}
    assert first == {"id": "internal", "email_upper": "highly_sensitive", "tag": "internal"}
    masked = {c.name: c.inherited for c in site.nodes["model.shop.contacts_masked"].columns}
    assert masked == {"e": None, "e2": "highly_sensitive"}  # a mask ends it; a copy does not
    assert [c.inherited for c in site.nodes["model.shop.after_mask"].columns] == [None]
    page = render_site(site)[site.nodes["model.shop.contacts_again"].url]
    assert "highly_sensitive (derived)" in page


def test_hostile_text_is_escaped_everywhere() -> None:
    files = render_site(site_of(XSS))
    raw = re.compile(r"<(script|img|svg|iframe|b |a href|style)[ >]")
    for name, text in files.items():
        if name.endswith(".html"):
            # the only tags are the templates' own: no payload opens one
            assert "window.__xss" not in "".join(raw.findall(text)), name
            for payload in ("<script>window", "<img src=x", "<svg", "<iframe", "<b onmouse"):
                assert payload not in text, (name, payload)
    assert "&lt;img src=x onerror=" in files["nodes/model.docs-xss.xss_model.html"]
    data = files["data.js"]
    assert "<" not in data and ">" not in data and "&" not in data
    assert "\\u003cimg src=x onerror" in data


def test_generate_writes_one_folder(tmp_path: Path) -> None:
    loaded = load_project(EXAMPLES / "payments")
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    result, _ = compile_dir(EXAMPLES / "payments")
    written = generate_site(loaded.project, graph, result, tmp_path / "site", None)
    names = {str(p.relative_to(tmp_path / "site")) for p in written}
    assert {"index.html", "lineage.html", "data.js", "static/site.js", "static/site.css"} <= names
    assert all(p.is_file() for p in written)
    assert sorted(p for p in (tmp_path / "site").rglob("*") if p.is_file()) == sorted(written)
    again = generate_site(loaded.project, graph, result, tmp_path / "site", None)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


def test_a_second_generate_rewrites_only_the_files_that_changed(tmp_path: Path) -> None:
    loaded = load_project(EXAMPLES / "payments")
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    result, _ = compile_dir(EXAMPLES / "payments")
    site = tmp_path / "site"
    written = generate_site(loaded.project, graph, result, site, None)
    page, index = site / "nodes" / "model.payments.payments_eur.html", site / "index.html"
    page.write_text("stale", encoding="utf-8")  # an edited page: its bytes differ
    index.write_bytes(index.read_bytes())
    stamp = 1_000_000_000
    for path in written:
        os.utime(path, (stamp, stamp))
    again = generate_site(loaded.project, graph, result, site, None)
    assert again == written
    assert "payments_eur" in page.read_text(encoding="utf-8")
    changed = {p.relative_to(site).as_posix() for p in again if p.stat().st_mtime != stamp}
    assert changed == {"nodes/model.payments.payments_eur.html"}


def test_names_differing_only_in_case_get_distinct_page_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": """
            project: {name: shop}
            sources:
              - name: raw
                topic: raw.v1
                columns: [{name: id, type: STRING}]
            models:
              - {name: orders, sql: 'SELECT id FROM {{ source("raw") }}'}
              - {name: Orders, sql: 'SELECT id FROM {{ source("raw") }}'}
            """
        },
    )
    urls = [n.url for n in site_of(tmp_path).nodes.values()]
    assert len({u.casefold() for u in urls}) == len(urls) == 3
    assert "nodes/source.shop.raw.html" in urls  # a name alone keeps its plain file name


def _data_of(site_files: dict[str, str]) -> dict[str, object]:
    text = site_files["data.js"]
    return dict(json.loads(text[text.index("{") : text.rindex("}") + 1]))


def test_a_large_project_gets_clusters_by_tag_then_folder(tmp_path: Path) -> None:
    lines = []
    for i in range(320):
        read = 'source("raw")' if i < 2 else f'ref("m{i // 2}")'
        tags = f"tags: [t{i % 3}], " if i % 2 else ""
        lines.append(f"  - {{name: m{i}, {tags}sql: 'SELECT id FROM {{{{ {read} }}}}'}}")
    models = "\n".join(lines)
    write(
        tmp_path,
        {
            "stream_project.yml": "project: {name: big}\nmodels:\n" + models + "\n",
            "sources/raw.yml": """
            sources:
              - name: raw
                topic: raw.v1
                columns: [{name: id, type: STRING}]
            """,
        },
    )
    site = site_of(tmp_path)
    data = _data_of(render_site(site))
    nodes = {n["id"]: n for n in data["nodes"]}  # type: ignore[attr-defined]
    # odd models carry a tag (t0..t2), even ones none: their folder (two folders in the project)
    assert nodes["model.big.m3"]["cluster"] == "tag:t0"
    assert nodes["model.big.m4"]["cluster"] == "folder:."
    assert nodes["source.big.raw"]["cluster"] == "folder:sources"
    clusters = data["clusters"]
    sizes = {c["id"]: c["size"] for c in clusters["nodes"]}  # type: ignore[index]
    assert sizes == {"folder:sources": 1, "folder:.": 160, "tag:t0": 53, "tag:t1": 54, "tag:t2": 53}
    edges = {(a, b) for a, b, _ in clusters["edges"]}  # type: ignore[index]
    expected = {
        (nodes[p]["cluster"], nodes[c]["cluster"])
        for p, c, kind in site.edges
        if kind == "depends_on" and nodes[p]["cluster"] != nodes[c]["cluster"]
    }
    assert edges == expected and ("folder:sources", "folder:.") in edges


def test_a_small_project_has_no_clusters() -> None:
    data = _data_of(render_site(site_of(EXAMPLES / "payments")))
    assert "clusters" not in data
    assert all("cluster" not in n for n in data["nodes"])  # type: ignore[attr-defined]
