"""What staff see in the chat at a glance (issue 23), in a real browser: Debian's Chromium
driven by Playwright against the real app under uvicorn on loopback, with the real index.

The party first, one line per region and party; the sources the answer uses, the others
folded; warnings as short lines that leave the answer near the top of its card on a phone;
errors that say whose problem they are (a refused origin, a key, a service not ready, a
network that is down); the link from an answer to its row in the ansvarsmatris.

The server, the browser and the helpers are the widget test's (`test_widget_browser`),
bound here under their own names. Errors from a refused origin come from a page served on
a second loopback origin that the server does not allow; the key and not-ready errors from
two more real apps (without an index, so no model loads) on loopback. Screenshots go to
`test-artifacts/staff-*.png`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize

from assistant.bench import free_port
from assistant.channels.http import create_app
from assistant.settings import load_settings
from tests.channels.http import test_widget_browser as widget
from tests.channels.http.test_widget_browser import (
    DESKTOP,
    Servers,
    ask,
    axe_violations,
    shot,
    words,
)
from tests.serving import served

pytestmark = pytest.mark.slow

widget_servers = widget.servers
browser = widget.browser
context = widget.context
page = widget.page

PHONE: ViewportSize = {"width": 390, "height": 844}
FIRST_LINE_MAX_PX = 160  # issue 23: the answer's first line at most this far below the card's top

RESPONSIBILITY = "Vem ansvarar för abstinensvård i Dalarna?"
DIVIDED = "vem ansvarar for hjalpmedel varmland"
OTHER_ACTOR = "vem anvisar plats pa lvm-hem"
NO_REGION = "Vem ansvarar för abstinensvård?"
DECLINED = "Hur många parkeringsplatser finns vid sjukhuset?"
WITH_PAGES = "Vad gäller för LARO i Dalarna?"
# No region in the question + an agreement past its end + a draft (the Dalarna agreement on
# psychiatric disability is both): three warnings; the second also differs between regions
# and so has two party lines as well.
MANY_WARNINGS = (
    "Hur fördelas kostnadsansvaret för personliga hjälpmedel?",
    "Vem betalar personliga hjälpmedel, kommunen eller regionen?",
)
CORS_TEXT = "Servern tillåter inte frågor från den här sidan (CORS)"
NETWORK_TEXT = "Kontrollera din anslutning"


@pytest.fixture(scope="module")
def servers(widget_servers: Servers) -> Servers:
    return widget_servers


def answer_of(page: Page) -> Locator:
    return page.locator("article.msg-bot").last


def open_chat_page(page: Page, servers: Servers) -> None:
    page.goto(servers.api + "/")
    page.locator("#sa-question").wait_for()


def party_lines(article: Locator) -> list[str]:
    return [words(t) for t in article.locator(".parties li").all_inner_texts()]


def first_line_offset(article: Locator) -> float:
    """How far below the top of its card the answer's text starts, in CSS px."""
    return float(
        article.evaluate(
            "el => el.querySelector('.answer-text').getBoundingClientRect().top"
            " - el.getBoundingClientRect().top"
        )
    )


def shot_answer(page: Page, name: str) -> Path:
    """A screenshot with the last answer's card at the top of the window."""
    page.evaluate(
        """() => {
          const root = document.querySelector("svarsassistent-widget").shadowRoot;
          const cards = root.querySelectorAll("article.msg-bot");
          cards[cards.length - 1].scrollIntoView({ block: "start" });
        }"""
    )
    return shot(page, name)


def fresh_chat(page: Page) -> None:
    """Remove earlier questions and answers, so each screenshot shows one answer."""
    page.evaluate(
        "() => document.querySelector('svarsassistent-widget').shadowRoot"
        ".querySelectorAll('.msg-user, article.msg-bot').forEach(el => el.remove())"
    )


def pages_handler(api: str, script: str) -> type[BaseHTTPRequestHandler]:
    """widget_pages/<name>.html with widget.js from `script` and the API at `api`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = widget.PAGES / Path(urlsplit(self.path).path).name
            if page.suffix != ".html" or not page.is_file():
                self.send_error(404)
                return
            html = (
                page.read_text(encoding="utf-8")
                .replace("{{WIDGET_SRC}}", script + "/widget.js")
                .replace("{{API}}", api + "/")
                .replace("{{ATTRS}}", "")
            )
            body = html.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def host_pages(api: str, port: int = 0, script: str = "") -> Iterator[str]:
    """widget_pages/ served on a loopback origin of their own, the widget asking `api`
    (widget.js itself from `script`, by default from `api`)."""
    pages = ThreadingHTTPServer(("127.0.0.1", port), pages_handler(api, script or api))
    thread = threading.Thread(target=pages.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{pages.server_address[1]}"
    finally:
        pages.shutdown()
        pages.server_close()


@contextmanager
def indexless_api(tmp_path: Path, allowed: str, **changes: Any) -> Iterator[str]:
    """A real app without an index (it answers 503 for questions, loads no model), allowing
    the page origin `allowed`, with the other `changes` to its settings."""
    (tmp_path / "empty-index").mkdir(parents=True)
    settings = load_settings().with_overrides(
        index_dir=tmp_path / "empty-index",
        data_dir=tmp_path / "data",
        cors_origins=(allowed,),
        **changes,
    )
    with served(create_app(settings)) as api:
        yield api


def error_after_asking(page: Page, host: str) -> str:
    """Open the widget on `host`'s intranet page, ask, and return the error shown."""
    page.goto(f"{host}/intranet.html")
    page.locator(".launcher").click()
    page.locator("#sa-question").fill(RESPONSIBILITY)
    page.locator("#sa-question").press("Enter")
    error = page.locator(".msg-error")
    error.wait_for(timeout=30_000)
    assert error.get_attribute("role") == "alert"
    assert error.get_by_role("button", name="Försök igen").is_visible()
    return words(error.inner_text())


# ── tests ─────────────────────────────────────────────────────────────────────────────


def test_party_line_comes_first_for_each_region_and_party(
    browser: Browser, servers: Servers
) -> None:
    """One line per region and party before the answer's text: the region's, a divided
    one, another actor's, one for an answer over two regions; none for a decline. Each is
    photographed at 390 and 1280 px."""
    cases = [
        ("responsibility", RESPONSIBILITY, ["Regionen ansvarar · Dalarna"]),
        ("divided", DIVIDED, ["Delat: kommunen / regionen · Värmland"]),
        ("other", OTHER_ACTOR, ["Annan: Statens institutionsstyrelse · Västmanland"]),
        ("no-region", NO_REGION, ["Regionen ansvarar · Dalarna och Värmland"]),
        ("declined", DECLINED, []),
    ]
    for size, viewport in (("390", PHONE), ("1280", DESKTOP)):
        ctx = browser.new_context(viewport=viewport, locale="sv-SE")
        try:
            page = ctx.new_page()
            open_chat_page(page, servers)
            for name, question, expected in cases:
                fresh_chat(page)
                body, _ = ask(page, question)
                article = answer_of(page)
                parties = {(r["region"], r["party"]) for r in body["responsibilities"]}
                if name == "responsibility":
                    assert body["status"] == "answered" and parties == {("Dalarna", "region")}
                elif name == "divided":
                    assert body["responsible"] == "gemensamt"
                    assert parties == {("Värmland", "region"), ("Värmland", "kommun")}
                elif name == "other":
                    assert body["responsible"] == "annan" and body["regions"] == ["Västmanland"]
                elif name == "no-region":
                    assert sorted(body["regions"]) == ["Dalarna", "Värmland"], body["regions"]
                else:
                    assert body["status"] == "no_support"
                assert party_lines(article) == expected, (question, body["responsibilities"])
                for region in body["regions"]:  # the label names every region covered
                    assert region in " ".join(party_lines(article))
                if expected:
                    # Before the text, in reading order and on screen.
                    first = article.locator(".parties, .answer-text").first
                    assert first.evaluate("el => el.classList.contains('parties')")
                    assert article.locator(".parties").get_attribute("aria-label") == "Ansvar"
                else:
                    assert article.locator(".parties").count() == 0
                    assert article.locator(".declined").is_visible()
                if name != "other":
                    shot_answer(page, f"staff-{name}-{size}.png")
        finally:
            ctx.close()


def test_sources_the_answer_uses_first_the_rest_folded(page: Page, servers: Servers) -> None:
    """The cards the answer cites are shown; the others sit behind "Fler avsnitt (n)", a
    button with aria-expanded that opens and closes by keyboard; a card names its page only
    where the source has one, else its section (never "sidan okänd")."""
    open_chat_page(page, servers)
    body, _ = ask(page, RESPONSIBILITY)
    article = answer_of(page)
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])})
    assert cited and len(body["citations"]) > len(cited), body["answer"]
    numbers = [c["n"] for c in body["citations"]]
    rest = [n for n in numbers if n not in cited]

    def shown() -> list[int]:
        cards = [card for card in article.locator("li.source").all() if card.is_visible()]
        return [int(card.locator(".src-n").inner_text()) for card in cards]

    assert shown() == cited
    more = article.get_by_role("button", name=f"Fler avsnitt ({len(rest)})")
    assert more.get_attribute("aria-expanded") == "false"
    folded = article.locator(f"#{more.get_attribute('aria-controls')}")
    assert folded.is_hidden() and folded.locator("li.source").count() == len(rest)

    more.focus()
    page.keyboard.press("Enter")
    assert more.get_attribute("aria-expanded") == "true"
    assert shown() == cited + rest
    page.keyboard.press("Space")
    assert more.get_attribute("aria-expanded") == "false" and shown() == cited
    assert (report := axe_violations(page)) == "", report

    # Pages where known; the section always, "sidan okänd" nowhere.
    body, _ = ask(page, WITH_PAGES)
    article = answer_of(page)
    with_page = [c for c in body["citations"] if c["page"]]
    without = [c for c in body["citations"] if not c["page"]]
    assert with_page and without, [c["page"] for c in body["citations"]]
    article.locator("button.more").click()
    for card, citation in zip(article.locator("li.source").all(), cited_first(body), strict=True):
        meta = words(card.locator(".src-meta").inner_text())
        assert words(citation["section"]) in meta
        if citation["page"]:
            assert meta.endswith(f"s. {citation['page']}"), meta
        else:
            assert not re.search(r"\bs\. \d", meta), meta
    assert "sidan okänd" not in article.inner_text()


def cited_first(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer's citations in the order the widget shows them: cited, then the rest."""
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    citations = body["citations"]
    return [c for c in citations if c["n"] in used] + [c for c in citations if c["n"] not in used]


def test_warnings_fit_on_a_phone(browser: Browser, servers: Servers) -> None:
    """Several warnings are one short line per concern (notes on one agreement share it), the
    whole notes behind the line; at 390 px the answer's first line starts at most 160 px below
    the top of its card."""
    ctx = browser.new_context(viewport=PHONE, locale="sv-SE")
    try:
        page = ctx.new_page()
        open_chat_page(page, servers)
        for number, question in enumerate(MANY_WARNINGS, start=1):
            fresh_chat(page)
            body, _ = ask(page, question)
            warnings = body["warnings"]
            assert len(warnings) >= 3, warnings
            assert any("giltighetstiden har gått ut" in w for w in warnings), warnings
            assert any("förslag" in w for w in warnings), warnings
            article = answer_of(page)
            offset = first_line_offset(article)
            print(f"{question!r}: svarets första rad {offset:.1f} px under kortets överkant")
            assert offset <= FIRST_LINE_MAX_PX, offset

            items = article.locator(".warnings > li")
            # Notes on the same agreement (past its end, a draft) share a line.
            assert 2 <= items.count() < len(warnings), items.all_inner_texts()
            opened = []
            for item in items.all():
                short = item.locator(".warn-short")
                height, line = short.evaluate(
                    "el => [el.getBoundingClientRect().height,"
                    " parseFloat(getComputedStyle(el).lineHeight)]"
                )
                assert height < 1.5 * line, (words(short.inner_text()), height, line)
                toggle = item.locator("button.warn-toggle")
                detail = item.locator(".warn-detail")
                assert toggle.get_attribute("aria-expanded") == "false" and detail.is_hidden()
                toggle.click()
                assert toggle.get_attribute("aria-expanded") == "true"
                shown = words(detail.inner_text())
                assert len(words(short.inner_text())) < len(shown)
                # The whole note, with an agreement's title written out instead of cut with "…".
                assert "…" not in shown, shown
                opened.append(shown)
            for warning in warnings:  # every note is behind some line, whole
                head = words(warning).split(" (”")[0]
                tail = words(warning).rsplit("”", 1)[-1].strip()
                assert any(head in shown and tail in shown for shown in opened), (warning, opened)
            assert (report := axe_violations(page)) == "", report
            for toggle in article.locator("button.warn-toggle").all():
                toggle.click()  # folded again for the screenshot
            shot_answer(page, f"staff-warnings-{number}-390.png")
        # The expired draft's line says which region and both concerns; the date is behind it.
        lines = [words(t) for t in answer_of(page).locator(".warn-short").all_inner_texts()]
        pattern = "Dalarna: utgången, förslag"
        assert pattern in lines, lines
    finally:
        ctx.close()


def test_errors_say_whose_problem_it_is(
    page: Page, servers: Servers, tmp_path: Path
) -> None:
    """A page on an origin the server does not allow is told so (CORS), not to check its
    connection; a server that is down is a network problem; a missing key and a service
    without an index say so, from real servers in Chromium."""
    # A second loopback origin, not in the server's ASSISTANT_CORS_ORIGINS.
    assert servers.settings.cors_origins == (servers.host,)
    with host_pages(servers.api) as refused:
        assert refused != servers.host
        text = error_after_asking(page, refused)
        assert CORS_TEXT in text and refused in text, text
        assert NETWORK_TEXT not in text, text
        shot(page, "staff-error-cors.png")

    # Nothing listens at the API's address: that is the network (or the server is down).
    with host_pages(f"http://127.0.0.1:{free_port()}", script=servers.api) as host:
        text = error_after_asking(page, host)
        assert NETWORK_TEXT in text and "CORS" not in text, text

    # A key required from browsers too (401), from an allowed origin that can read it.
    port = free_port()
    allowed = f"http://127.0.0.1:{port}"
    with indexless_api(tmp_path / "keys", allowed, api_keys=("hemlig",),
                       keyless_browsers=False) as api, host_pages(api, port) as host:
        text = error_after_asking(page, host)
        assert "Tjänsten kräver en API-nyckel" in text and "(401)" in text, text
        assert NETWORK_TEXT not in text and "CORS" not in text, text

    # A service up but without an index (503).
    port = free_port()
    allowed = f"http://127.0.0.1:{port}"
    with indexless_api(tmp_path / "ready", allowed) as api, host_pages(api, port) as host:
        text = error_after_asking(page, host)
        assert "Tjänsten är inte redo just nu" in text, text
        assert NETWORK_TEXT not in text and "CORS" not in text, text


def test_responsibility_answer_links_to_its_ansvar_row(page: Page, servers: Servers) -> None:
    """An answer about who is responsible links to its row in /ansvar, filtered by the
    question and the answer's region; the row there holds the sentence the answer quotes."""
    open_chat_page(page, servers)
    body, _ = ask(page, RESPONSIBILITY)
    link = answer_of(page).locator("a.matrix-link-a")
    link.get_by_text("Se Abstinensvård i ansvarsmatrisen").wait_for(timeout=60_000)
    href = link.get_attribute("href") or ""
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}" == servers.api and parts.path == "/ansvar"
    assert parse_qs(parts.query) == {"q": [RESPONSIBILITY], "region": ["Dalarna"]}
    assert parts.fragment == "insats-abstinensvard"
    assert link.get_attribute("target") == "_blank"

    with page.context.expect_page() as opened:
        link.click()
    matrix = opened.value
    matrix.wait_for_load_state()
    row = matrix.locator("tr#insats-abstinensvard")
    assert row.evaluate("el => el.matches(':target')")
    cell = row.locator('td[data-region="Dalarna"]')
    assert words(cell.locator("a.party").inner_text()) == "Regionen"
    quote = next(c["quote"] for c in body["citations"] if c["n"] == 1)
    duties = words(" ".join(cell.locator("details li").all_text_contents()))
    assert words(quote) in duties, (quote, duties)
    matrix.close()

    # An answer over two regions keeps both: no region filter.
    fresh_chat(page)
    ask(page, NO_REGION)
    link = answer_of(page).locator("a.matrix-link-a")
    link.get_by_text("Se Abstinensvård i ansvarsmatrisen").wait_for(timeout=60_000)
    query = parse_qs(urlsplit(link.get_attribute("href") or "").query)
    assert query == {"q": [NO_REGION]}
    # A quote that sits in two rows (hjälpmedel till barn: Hjälpmedel and Barn och unga)
    # goes to the row the question names, accents or not.
    fresh_chat(page)
    ask(page, DIVIDED)
    link = answer_of(page).locator("a.matrix-link-a")
    link.get_by_text("Se Hjälpmedel i ansvarsmatrisen").wait_for(timeout=60_000)
    assert urlsplit(link.get_attribute("href") or "").fragment == "insats-hjalpmedel"
    # A declined question has none.
    ask(page, DECLINED)
    assert answer_of(page).locator("a.matrix-link-a").count() == 0


def test_accessibility_of_the_open_widget_and_an_answer(
    page: Page, servers: Servers
) -> None:
    """axe-core: no WCAG 2.1 A/AA violation in the chat page, the open pop-up widget and an
    answer with its party lines, warnings, folded and unfolded sources (also at 390 px)."""
    open_chat_page(page, servers)
    assert (report := axe_violations(page)) == "", report
    page.goto(f"{servers.host}/intranet.html")
    page.locator(".launcher").click()
    assert (report := axe_violations(page)) == "", report
    body, _ = ask(page, NO_REGION)
    assert body["warnings"] and body["responsibilities"]
    article = answer_of(page)
    assert (report := axe_violations(page)) == "", report
    article.locator("button.more").click()
    for toggle in article.locator("button.warn-toggle").all():
        toggle.click()
    assert (report := axe_violations(page)) == "", report
    page.set_viewport_size(PHONE)
    assert (report := axe_violations(page)) == "", report
    shot(page, "staff-widget-390.png")
