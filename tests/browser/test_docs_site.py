"""The docs site in a real browser: pages load without console errors, the graph has the
project's nodes and edges, clicks navigate, search finds columns, column lineage lights the right
path, the selector filter narrows the graph, and hostile text never runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from streamt.context import Context
from tests.browser.conftest import REPO, generate, screenshot

pytestmark = pytest.mark.browser

EXAMPLES = REPO / "examples"
XSS = REPO / "tests" / "corpus" / "docs_xss"


@pytest.fixture(scope="module")
def payments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLES / "payments", tmp_path_factory.mktemp("payments") / "docs")


def open_page(browser: webdriver.Chrome, site: Path, page: str) -> None:
    path, query, args = page.partition("?")
    browser.get((site / path).as_uri() + query + args)
    browser.find_element(By.TAG_NAME, "footer")


def console_errors(browser: webdriver.Chrome) -> list[dict[str, object]]:
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def pages(site: Path) -> list[str]:
    return [
        "index.html",
        "lineage.html",
        *sorted(f"nodes/{p.name}" for p in site.glob("nodes/*.html")),
    ]


def graph_edges(project: Path) -> tuple[set[str], set[tuple[str, str]]]:
    graph = Context(project, None).graph()
    edges = {(p, c) for c in graph.order for p in graph.parents[c]}
    edges |= {(e, s) for s, producers in graph.produced_by.items() for e in producers}
    return set(graph.nodes), edges


def drawn(browser: webdriver.Chrome, visible_only: bool = False) -> set[str]:
    script = (
        "return Array.from(document.querySelectorAll('#graph g.node'))"
        ".filter(g => !arguments[0] || !g.classList.contains('hidden'))"
        ".map(g => g.getAttribute('data-id'))"
    )
    return set(browser.execute_script(script, visible_only))


@pytest.mark.parametrize("example", ["payments", "clickstream", "iot"])
def test_every_page_loads_without_a_console_error(
    browser: webdriver.Chrome, tmp_path: Path, example: str
) -> None:
    site = generate(EXAMPLES / example, tmp_path / "docs")
    browser.get_log("browser")  # drop what earlier tests left
    for page in pages(site):
        open_page(browser, site, page)
        assert console_errors(browser) == [], page
    assert len(pages(site)) == 2 + len(Context(EXAMPLES / example, None).graph().nodes)


@pytest.mark.parametrize("example", ["payments", "clickstream"])
def test_graph_draws_the_projects_nodes_and_edges(
    browser: webdriver.Chrome, tmp_path: Path, example: str
) -> None:
    site = generate(EXAMPLES / example, tmp_path / "docs")
    open_page(browser, site, "lineage.html")
    nodes, edges = graph_edges(EXAMPLES / example)
    assert drawn(browser) == nodes
    got = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph path.edge'))"
        ".map(p => [p.getAttribute('data-from'), p.getAttribute('data-to')])"
    )
    assert {tuple(e) for e in got} == edges
    assert len(got) == len(edges)
    if example == "payments":
        screenshot(browser, "payments-lineage")


def test_clicking_a_node_opens_its_page(browser: webdriver.Chrome, payments: Path) -> None:
    open_page(browser, payments, "lineage.html")
    node = browser.find_element(
        By.CSS_SELECTOR, '#graph g.node[data-id="model.payments.payments_eur"]'
    )
    ActionChains(browser).move_to_element(node).perform()
    lit = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph g.node.lit'))"
        ".map(g => g.getAttribute('data-id'))"
    )
    # itself, upstream and downstream; not the test of payments_validated (a sibling branch)
    assert set(lit) == {
        "model.payments.payments_eur",
        "model.payments.payments_validated",
        "source.payments.payments_raw",
        "model.payments.hourly_revenue",
        "model.payments.revenue_per_minute",
    }
    node.click()
    assert browser.current_url.endswith("/nodes/model.payments.payments_eur.html")
    assert browser.find_element(By.ID, "node-name").text == "payments_eur"
    screenshot(browser, "payments-model-page")


def test_search_finds_a_column(browser: webdriver.Chrome, payments: Path) -> None:
    open_page(browser, payments, "index.html")
    box = browser.find_element(By.ID, "search")
    box.send_keys("paid_at")
    hits = browser.find_elements(By.CSS_SELECTOR, "#search-results li[data-id]")
    assert {h.get_attribute("data-id") for h in hits} == {
        "source.payments.payments_raw",
        "model.payments.payments_validated",
        "model.payments.payments_eur",
    }
    assert all("column paid_at" in h.text for h in hits)
    screenshot(browser, "payments-index-search")
    hits[0].find_element(By.TAG_NAME, "a").click()
    assert "/nodes/" in browser.current_url


def column_path(browser: webdriver.Chrome, column: str) -> tuple[set[str], set[str]]:
    browser.find_element(By.CSS_SELECTOR, f'tr.column[data-column="{column}"]').click()
    refs = browser.execute_script(
        "return Array.from(document.querySelectorAll('#column-path-list li'))"
        ".map(li => li.getAttribute('data-ref'))"
    )
    lit = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph g.node.on-path'))"
        ".map(g => g.getAttribute('data-id'))"
    )
    return set(refs), set(lit)


def test_column_lineage_lights_the_right_path(browser: webdriver.Chrome, payments: Path) -> None:
    open_page(browser, payments, "nodes/model.payments.payments_eur.html")
    refs, lit = column_path(browser, "status")
    # UPPER(status) of payments_validated.status of payments_raw.status; nothing downstream
    # reads it (hourly_revenue and revenue_per_minute are in the graph, but not on the path)
    assert refs == {
        "model.payments.payments_eur.status",
        "model.payments.payments_validated.status",
        "source.payments.payments_raw.status",
    }
    assert lit == {
        "model.payments.payments_eur",
        "model.payments.payments_validated",
        "source.payments.payments_raw",
    }
    assert drawn(browser) >= lit | {"model.payments.hourly_revenue"}
    refs, lit = column_path(browser, "amount")
    assert refs == {
        "model.payments.payments_eur.amount",
        "model.payments.payments_validated.amount",
        "source.payments.payments_raw.amount",
        "model.payments.hourly_revenue.revenue",
        "model.payments.revenue_per_minute.revenue",
    }
    assert "model.payments.hourly_revenue" in lit
    screenshot(browser, "payments-column-lineage")


def test_selector_and_kind_filters(browser: webdriver.Chrome, payments: Path) -> None:
    open_page(browser, payments, "lineage.html")
    box = browser.find_element(By.ID, "filter")
    box.send_keys("+payments_eur")
    assert drawn(browser, visible_only=True) == {
        "model.payments.payments_eur",
        "model.payments.payments_validated",
        "source.payments.payments_raw",
    }
    box.clear()
    box.send_keys("payments_validated+")
    assert "test.payments.payments_validated_sample" in drawn(browser, visible_only=True)
    browser.find_element(By.CSS_SELECTOR, '.kind-filter[value="test"]').click()
    shown = drawn(browser, visible_only=True)
    assert "test.payments.payments_validated_sample" not in shown
    assert "model.payments.hourly_revenue" in shown
    open_page(browser, payments, "lineage.html?select=kind:source")
    assert drawn(browser, visible_only=True) == {"source.payments.payments_raw"}


def test_hostile_text_never_runs(browser: webdriver.Chrome, tmp_path: Path) -> None:
    site = generate(XSS, tmp_path / "docs")
    browser.get_log("browser")
    for page in pages(site):
        open_page(browser, site, page)
        for node in browser.find_elements(By.CSS_SELECTOR, "#graph g.node")[:10]:
            ActionChains(browser).move_to_element(node).perform()
        for row in browser.find_elements(By.CSS_SELECTOR, "tr.column"):
            row.click()
        if page == "index.html":
            browser.find_element(By.ID, "search").send_keys("<img")
            assert browser.find_elements(By.CSS_SELECTOR, "#search-results li[data-id]")
        if page == "lineage.html":
            browser.find_element(By.ID, "filter").send_keys("tag:<b")
        assert browser.execute_script("return typeof window.__xss") == "undefined", page
        # a payload that became markup would also show as a CSP refusal in the console
        assert console_errors(browser) == [], page
    open_page(browser, site, "nodes/model.docs-xss.xss_model.html")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "<script>window.__xss = 'string literal'</script>" in text.replace("''", "'")
    assert "<img src=x onerror=\"window.__xss = 'alias'\">" in text
    screenshot(browser, "xss-model-page")


def test_a_thousand_models_stay_usable(browser: webdriver.Chrome, tmp_path: Path) -> None:
    project = tmp_path / "big"
    project.mkdir()
    models = [
        {
            "name": f"m_{i}",
            "tags": [f"team_{i % 7}"],
            "sql": "SELECT id, amount FROM {{ %s }}"
            % (f"ref('m_{i // 2}')" if i else "source('raw')"),
        }
        for i in range(1000)
    ]
    doc = {
        "project": {"name": "big"},
        "sources": [
            {
                "name": "raw",
                "topic": "raw.v1",
                "columns": [{"name": "id", "type": "STRING"}, {"name": "amount", "type": "INT"}],
            }
        ],
        "models": models,
    }
    (project / "stream_project.yml").write_text(json.dumps(doc), encoding="utf-8")
    site = generate(project, tmp_path / "docs")
    started = time.monotonic()
    open_page(browser, site, "lineage.html")
    assert len(drawn(browser)) == 1001
    assert time.monotonic() - started < 20
    browser.find_element(By.ID, "filter").send_keys("tag:team_3")
    assert len(drawn(browser, visible_only=True)) == sum(1 for i in range(1000) if i % 7 == 3)
    assert console_errors(browser) == []
    open_page(browser, site, "nodes/model.big.m_999.html")
    refs, _ = column_path(browser, "amount")
    chain, i = ["model.big.m_999.amount"], 999
    while i:
        i //= 2
        chain.append(f"model.big.m_{i}.amount")
    assert refs == set(chain) | {"source.big.raw.amount"}
