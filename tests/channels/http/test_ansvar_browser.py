"""The ansvarsmatris page (`GET /ansvar`) in a real browser: Debian's Chromium driven by
Playwright against the real app under uvicorn on loopback, with the real index.

The server, the browser and the helpers are the widget test's (`test_widget_browser`): its
module-scoped fixtures are bound here under their own names, so this module gets a server
and a browser of its own, started once. The index is `index/` of the project, or
ASSISTANT_INDEX_DIR.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.channels.http import test_widget_browser as widget
from tests.channels.http.test_widget_browser import (
    DESKTOP,
    Servers,
    axe_violations,
    shot,
    words,
)

pytestmark = pytest.mark.slow

# The widget test's fixtures, bound in this module: one server and one browser per module,
# a fresh desktop context and a page that fails the test on any script error per test.
widget_servers = widget.servers
browser = widget.browser
context = widget.context
page = widget.page

PHONE: ViewportSize = {"width": 390, "height": 844}
REGIONS = ["Värmland", "Västmanland", "Dalarna"]
CSV_HEADER = ["insats", "region", "part", "aktörer", "villkor", "skiljer", "konflikter", "källor"]

# Every in-page link (`href="#…"`) whose target is missing.
BROKEN_ANCHORS_JS = """() => [...document.querySelectorAll('a[href^="#"]')]
  .map(a => a.getAttribute("href").slice(1))
  .filter(id => id && !document.getElementById(decodeURIComponent(id)))"""


def open_matrix(page: Page, servers: Servers, query: str = "") -> None:
    response = page.goto(f"{servers.api}/ansvar{query}")
    assert response is not None and response.status == 200
    page.locator("table.ansvar").wait_for()


def matrix_json(page: Page, servers: Servers, **params: str) -> dict[str, Any]:
    response = page.request.get(f"{servers.api}/v1/ansvar", params=params)
    assert response.ok, response.text()
    body: dict[str, Any] = response.json()
    return body


def no_horizontal_scroll(page: Page) -> None:
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1] + 1, sizes


def open_all_details(page: Page) -> None:
    """Open every cell's list of statements, so axe checks them too."""
    page.locator("table.ansvar").evaluate(
        "t => t.querySelectorAll('details').forEach(d => { d.open = true; })"
    )


@pytest.fixture(scope="module")
def servers(widget_servers: Servers) -> Servers:
    """The widget test's server, its matrix built: the first request embeds every statement
    (into the server's fresh embedding cache), which takes longer than a page load may."""
    built = httpx.get(f"{widget_servers.api}/v1/ansvar", timeout=widget.START_TIMEOUT)
    assert built.status_code == 200, built.text
    return widget_servers


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(viewport=PHONE, locale="sv-SE")
    ctx.set_default_timeout(20_000)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def no_js(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(viewport=DESKTOP, locale="sv-SE", java_script_enabled=False)
    ctx.set_default_timeout(20_000)
    yield ctx.new_page()
    ctx.close()


# ── tests ─────────────────────────────────────────────────────────────────────────────


def test_desktop_table_has_a_column_per_region_and_no_axe_violation(
    page: Page, servers: Servers
) -> None:
    """At desktop size: a real table, one column per region, one row per matter in the
    JSON's order, each row a heading and one cell per region; in-page links resolve;
    axe-core finds no WCAG 2.1 A/AA violation, with the cells' statement lists closed or open."""
    open_matrix(page, servers)
    assert page.evaluate("() => document.documentElement.lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Ansvarsmatris – vem gör vad"
    table = page.get_by_role("table", name="Ansvar per insats och region")
    assert table.is_visible()

    headers = table.locator("thead th").all_inner_texts()
    assert headers[0] == "Insats" and sorted(headers[1:]) == sorted(REGIONS), headers
    assert table.locator("thead").is_visible()
    assert table.locator("tbody tr").first.evaluate("el => getComputedStyle(el).display") == (
        "table-row"
    )

    body = matrix_json(page, servers)
    assert sorted(body["regions"]) == sorted(REGIONS)
    names = [words(t) for t in table.locator("tbody th[scope=row]").all_inner_texts()]
    shown = [words(n.removesuffix("Skiljer mellan regioner")) for n in names]
    assert shown == [m["name"] for m in body["matters"]]
    assert len(shown) >= 10
    cells = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.dataset.region))"
    )
    assert all(row == headers[1:] for row in cells), cells
    # A cell the JSON fills shows its party, one the JSON leaves out shows a dash.
    first = body["matters"][0]
    row = table.locator("tbody tr").first
    for cell in first["cells"]:
        party = row.locator(f'td[data-region="{cell["region"]}"] a.party')
        assert party.inner_text() == cell["label"]
    assert row.locator("td .empty").count() == len(REGIONS) - len(first["cells"])

    assert page.evaluate(BROKEN_ANCHORS_JS) == []
    no_horizontal_scroll(page)
    assert (report := axe_violations(page)) == "", report
    shot(page, "ansvar-desktop.png")
    open_all_details(page)
    assert (report := axe_violations(page)) == "", report


def test_phone_shows_one_card_per_matter_and_no_axe_violation(
    phone: Page, servers: Servers
) -> None:
    """At 390 px: each matter is a card (rows and cells are blocks, stacked), the column
    headers are hidden visually but kept for screen readers, each cell names its region
    with ::before; nothing scrolls sideways; axe-core finds no violation."""
    page = phone
    open_matrix(page, servers)
    table = page.locator("table.ansvar")
    rows = table.locator("tbody tr")
    displays = rows.evaluate_all(
        "rows => [...new Set(rows.flatMap(r => [r, ...r.children])"
        ".map(el => getComputedStyle(el).display))]"
    )
    assert displays == ["block"], displays

    thead = table.locator("thead").bounding_box()
    assert thead is not None and thead["width"] <= 1 and thead["height"] <= 1, thead
    assert page.get_by_role("columnheader", name="Dalarna").count() == 1  # still in the tree

    labels = rows.first.locator("td").evaluate_all(
        "tds => tds.map(td => [td.dataset.region, getComputedStyle(td, '::before').content])"
    )
    assert [region for region, _ in labels] == table.locator("thead th").all_inner_texts()[1:]
    assert all(content == f'"{region}"' for region, content in labels), labels

    # Cards: full width of the content, one below the other.
    caption = table.locator("caption").bounding_box()
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert caption is not None and first is not None and second is not None
    assert caption["width"] >= PHONE["width"] - 40, caption  # the caption does not wrap per word
    assert first["width"] >= PHONE["width"] - 40, first
    assert second["y"] >= first["y"] + first["height"], (first, second)
    assert abs(second["x"] - first["x"]) < 1

    no_horizontal_scroll(page)
    assert (report := axe_violations(page)) == "", report
    shot(page, "ansvar-phone.png")
    open_all_details(page)
    no_horizontal_scroll(page)
    assert (report := axe_violations(page)) == "", report


def test_search_and_region_filter_work_without_javascript(no_js: Page, servers: Servers) -> None:
    """With JavaScript off, the form searches the page: the URL carries q and region, the
    best matching matter comes first, only the region's column is shown, the form keeps
    what was asked, and the CSV link carries the same filters."""
    page = no_js
    open_matrix(page, servers)
    page.get_by_label("Sök insats").fill("abstinensvård")
    page.get_by_label("Region", exact=True).select_option("Dalarna")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(lambda url: "region=" in url)
    page.locator("table.ansvar").wait_for()

    parts = urlsplit(page.url)
    assert parts.path == "/ansvar"
    assert parse_qs(parts.query) == {"q": ["abstinensvård"], "region": ["Dalarna"]}
    assert "Abstinensvård" in page.locator("tbody tr").first.locator("th").inner_text()
    assert page.locator("thead th").all_inner_texts() == ["Insats", "Dalarna"]
    regions = page.locator("tbody td").evaluate_all("tds => tds.map(td => td.dataset.region)")
    assert regions and set(regions) == {"Dalarna"}
    assert page.get_by_role("status").inner_text().startswith(
        "Insatserna som bäst matchar «abstinensvård» visas först, och varje cell visar de "
        "påståenden som bäst svarar på frågan."
    )
    whole = page.get_by_role("link", name="Visa hela matrisen")
    assert whole.get_attribute("href") == "/ansvar?region=Dalarna"
    assert page.get_by_label("Sök insats").input_value() == "abstinensvård"
    assert page.get_by_label("Region", exact=True).input_value() == "Dalarna"

    href = page.get_by_role("link", name="Ladda ner vyn som CSV").get_attribute("href") or ""
    assert parse_qs(urlsplit(href).query) == {"q": ["abstinensvård"], "region": ["Dalarna"]}


def test_a_party_link_opens_the_passage_with_the_statement_marked(
    page: Page, servers: Servers
) -> None:
    """A cell's party links to the passage view with the statement as `citat`; that page
    highlights it with <mark>."""
    open_matrix(page, servers, "?region=Dalarna")
    link = page.locator("tbody tr").first.locator("a.party")
    href = link.get_attribute("href") or ""
    parts = urlsplit(href)
    assert parts.path.startswith("/dokument/") and parts.path.count("/") == 3, href
    quote = parse_qs(parts.query)["citat"][0]
    assert quote.strip()

    link.click()
    page.wait_for_url("**/dokument/**")
    assert urlsplit(page.url).path == parts.path
    mark = page.locator("#stycke mark").first
    mark.wait_for()
    assert mark.is_visible()
    assert words(mark.inner_text()) in words(quote) or words(quote) in words(mark.inner_text())


def test_the_csv_link_downloads_the_view(page: Page, servers: Servers) -> None:
    """The CSV link is text/csv with the matrix's header; clicking it downloads the file."""
    open_matrix(page, servers)
    link = page.get_by_role("link", name="Ladda ner vyn som CSV")
    href = link.get_attribute("href")
    assert href == "/ansvar.csv"

    response = page.request.get(servers.api + href)
    assert response.ok
    assert response.headers["content-type"].startswith("text/csv")
    text = response.body().decode("utf-8").lstrip("\ufeff")
    assert text.startswith("insats,region,part,")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_HEADER
    assert {r[1] for r in rows[1:]} == set(REGIONS)

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "ansvarsmatris.csv"
    assert Path(download.path()).read_bytes() == response.body()
