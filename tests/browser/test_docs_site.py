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
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

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
    """The node ids drawn in the graph (not the cluster overview's)."""
    script = (
        "return Array.from(document.querySelectorAll('#graph svg:not(.clusters) g.node'))"
        ".filter(g => !arguments[0] || !(g.classList.contains('hidden')"
        " || g.ownerSVGElement.classList.contains('hidden')))"
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
    else:  # the README's picture (docs/lineage-graph.png)
        graph_node(browser, "model.clickstream.view_clicks").click()
        assert lit_nodes(browser) == {
            "model.clickstream.view_clicks",
            "source.clickstream.clicks",
            "source.clickstream.page_views",
            "model.clickstream.clicks_per_page",
            "model.clickstream.clicks_per_page_pg",
        }
        screenshot(browser, "clickstream-lineage-selected")


def lit_nodes(browser: webdriver.Chrome, mark: str = "lit") -> set[str]:
    return set(
        browser.execute_script(
            f"return Array.from(document.querySelectorAll('#graph g.node.{mark}'))"
            ".map(g => g.getAttribute('data-id'))"
        )
    )


def graph_node(browser: webdriver.Chrome, nid: str) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, f'#graph g.node[data-id="{nid}"]')


# payments_eur, its upstream and downstream; not the test of payments_validated (a sibling branch)
EUR_LINEAGE = {
    "model.payments.payments_eur",
    "model.payments.payments_validated",
    "source.payments.payments_raw",
    "model.payments.hourly_revenue",
    "model.payments.revenue_per_minute",
}


def test_clicking_a_node_opens_its_page(browser: webdriver.Chrome, payments: Path) -> None:
    """Hover previews the lineage; a click selects; a second click opens the page (the first
    click selecting, not navigating, is the persistent selection of the next test)."""
    open_page(browser, payments, "lineage.html")
    node = graph_node(browser, "model.payments.payments_eur")
    ActionChains(browser).move_to_element(node).perform()
    assert lit_nodes(browser) == EUR_LINEAGE
    node.click()
    assert browser.current_url.endswith("/lineage.html")
    node.click()
    assert browser.current_url.endswith("/nodes/model.payments.payments_eur.html")
    assert browser.find_element(By.ID, "node-name").text == "payments_eur"
    screenshot(browser, "payments-model-page")


def test_a_selected_node_keeps_its_lineage_lit(browser: webdriver.Chrome, payments: Path) -> None:
    open_page(browser, payments, "lineage.html")
    graph_node(browser, "model.payments.payments_eur").click()
    assert lit_nodes(browser) == EUR_LINEAGE
    assert lit_nodes(browser, "selected") == {"model.payments.payments_eur"}
    # hovering other nodes (and leaving them) no longer changes what is lit
    for other in ("source.payments.payments_raw", "test.payments.payments_validated_sample"):
        ActionChains(browser).move_to_element(graph_node(browser, other)).perform()
        assert lit_nodes(browser) == EUR_LINEAGE
    ActionChains(browser).move_by_offset(0, 300).perform()
    assert lit_nodes(browser) == EUR_LINEAGE
    bar = browser.find_element(By.CSS_SELECTOR, ".selection")
    assert "payments_eur: 2 upstream, 2 downstream" in bar.text
    screenshot(browser, "payments-lineage-selected")
    # selecting another node moves the selection; Escape clears it
    graph_node(browser, "model.payments.hourly_revenue").click()
    assert lit_nodes(browser, "selected") == {"model.payments.hourly_revenue"}
    assert "model.payments.revenue_per_minute" not in lit_nodes(browser)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    assert lit_nodes(browser) == set()
    assert not bar.is_displayed()
    graph_node(browser, "model.payments.payments_eur").click()
    bar.find_element(By.CSS_SELECTOR, "a.open").click()
    assert browser.current_url.endswith("/nodes/model.payments.payments_eur.html")


def test_a_column_path_stays_while_nodes_are_hovered_and_selected(
    browser: webdriver.Chrome, payments: Path
) -> None:
    open_page(browser, payments, "nodes/model.payments.payments_eur.html")
    refs, lit = column_path(browser, "status")
    assert lit == {
        "model.payments.payments_eur",
        "model.payments.payments_validated",
        "source.payments.payments_raw",
    }
    hovered = graph_node(browser, "model.payments.hourly_revenue")
    ActionChains(browser).move_to_element(hovered).perform()
    assert lit_nodes(browser, "on-path") == lit
    graph_node(browser, "model.payments.hourly_revenue").click()
    assert lit_nodes(browser, "selected") == {"model.payments.hourly_revenue"}
    assert lit_nodes(browser, "on-path") == lit  # the column path is still lit
    assert "model.payments.payments_eur" in lit_nodes(browser)  # and the node's lineage too
    assert refs == {f"{nid}.status" for nid in lit}
    assert (
        browser.find_element(By.CSS_SELECTOR, "tr.column.selected").get_attribute("data-column")
        == "status"
    )
    assert browser.current_url.endswith("/nodes/model.payments.payments_eur.html")


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
    # it opens on clusters (first tag, else kind: the untagged source), not 1,001 boxes
    clusters = browser.find_elements(By.CSS_SELECTOR, "#graph svg.clusters g.node")
    assert {c.get_attribute("data-id") for c in clusters} == {
        *(f"tag:team_{k}" for k in range(7)),
        "kind:source",
    }
    assert drawn(browser, visible_only=True) == set()
    assert not browser.find_element(By.CSS_SELECTOR, "#graph svg:not(.clusters)").is_displayed()
    assert browser.find_element(By.ID, "graph-status").text.startswith("8 clusters of 1001 nodes")
    cluster_edges = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph svg.clusters path.edge'))"
        ".map(p => p.getAttribute('data-from') + '>' + p.getAttribute('data-to'))"
    )
    # m_i reads m_(i//2): team_k feeds every team j with i//2 = k (mod 7) for some i
    expected = {f"tag:team_{(i // 2) % 7}>tag:team_{i % 7}" for i in range(1, 1000)}
    expected = {e for e in expected if e.split(">")[0] != e.split(">")[1]} | {
        "kind:source>tag:team_0"
    }
    assert set(cluster_edges) == expected
    screenshot(browser, "big-lineage-clusters")
    team_3 = {f"model.big.m_{i}" for i in range(1000) if i % 7 == 3}
    browser.find_element(
        By.CSS_SELECTOR, '#graph svg.clusters g.node[data-id="tag:team_3"]'
    ).click()
    assert browser.find_element(By.ID, "filter").get_attribute("value") == "cluster:tag:team_3"
    assert drawn(browser, visible_only=True) == team_3
    # select a node at scale: its whole lineage is lit (ancestors m_(i//2)..., the source, and
    # descendants m_(2i), m_(2i+1), ...)
    # (fitted to 143 nodes a box is a few pixels high: the click is dispatched on it)
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        graph_node(browser, "model.big.m_3"),
    )
    ancestors = {"model.big.m_1", "model.big.m_0", "source.big.raw"}
    descendants, ring = set(), [3]
    while ring:
        ring = [c for i in ring for c in (2 * i, 2 * i + 1) if c < 1000]
        descendants |= {f"model.big.m_{c}" for c in ring}
    assert lit_nodes(browser) == {"model.big.m_3"} | ancestors | descendants
    screenshot(browser, "big-lineage-team_3-selected")
    box = browser.find_element(By.ID, "filter")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#graph svg.clusters g.node")) == 8
    assert browser.find_element(By.CSS_SELECTOR, "#graph svg.clusters").is_displayed()
    box.send_keys("tag:team_3")
    assert drawn(browser, visible_only=True) == team_3
    assert console_errors(browser) == []
    open_page(browser, site, "nodes/model.big.m_999.html")
    refs, _ = column_path(browser, "amount")
    chain, i = ["model.big.m_999.amount"], 999
    while i:
        i //= 2
        chain.append(f"model.big.m_{i}.amount")
    assert refs == set(chain) | {"source.big.raw.amount"}
