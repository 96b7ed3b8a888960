"""The chat widget in a real browser: Debian's Chromium driven by Playwright.

The real app (`create_app`) runs under uvicorn on loopback with the real index and model;
host pages (`tests/widget_pages/`) are served from a second loopback origin, so the widget
is embedded cross-origin exactly as on an intranet. Screenshots go to `test-artifacts/`.
The index is `index/` of the project, or ASSISTANT_INDEX_DIR.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    ViewportSize,
    sync_playwright,
)

from assistant.bench import free_port
from assistant.channels.http import create_app
from assistant.settings import Settings, load_settings, project_root
from assistant.store import get_answer, list_feedback, open_store
from tests.channels.http.support import (
    index_dir,
)

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = Path(__file__).parent / "widget_pages"
ARTIFACTS = project_root() / "test-artifacts"
START_TIMEOUT = 180.0
ANSWER_TIMEOUT_MS = 90_000
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
NARROW: ViewportSize = {"width": 320, "height": 640}
ZOOMED: ViewportSize = {"width": 640, "height": 400}  # a 1280×800 window at 200 % zoom
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

QUESTION = "Vem ansvarar för abstinensvård i Värmland?"
OUT_OF_SCOPE = "Hur många parkeringsplatser finns vid sjukhuset?"
DALARNA_QUESTION = "Vem ansvarar för abstinensvård?"
FEEDBACK_COMMENT = "Svaret borde nämna kommunens ansvar också."

# The deepest focused element, through shadow roots: "tag#id.class".
DEEP_FOCUS_JS = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return "";
  const named = typeof el.className === "string" && el.className;
  const cls = named ? "." + el.className.split(" ").join(".") : "";
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + cls;
}"""

# Records what the widget does while an answer streams: the text pieces appended to the
# answer while it is hidden from screen readers, every announcement and status text.
RECORDER_JS = """() => {
  const root = document.querySelector("svarsassistent-widget").shadowRoot;
  const rec = { pieces: [], hiddenWhileStreaming: true, announcements: [], statuses: [] };
  const announcer = root.querySelector('.vh[aria-live="polite"]');
  const status = root.querySelector('[role="status"]');
  new MutationObserver((records) => {
    for (const r of records) {
      const t = r.target;
      if (r.type === "childList" && t.classList && t.classList.contains("answer-text")) {
        const bubble = t.closest(".msg-bot");
        if (bubble && bubble.tagName === "DIV") {
          if (bubble.getAttribute("aria-hidden") !== "true") rec.hiddenWhileStreaming = false;
          for (const node of r.addedNodes) rec.pieces.push(node.textContent);
        }
      }
      if (announcer.contains(t) && announcer.textContent.trim()) {
        const last = rec.announcements[rec.announcements.length - 1];
        if (last !== announcer.textContent) rec.announcements.push(announcer.textContent);
      }
      if (status.contains(t)) rec.statuses.push(status.textContent.trim());
    }
  }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  window.__rec = rec;
}"""


@dataclass(frozen=True)
class Servers:
    """The API under test and the origin that serves the host pages."""

    api: str
    host: str
    settings: Settings


def host_page_handler(api: str) -> type[BaseHTTPRequestHandler]:
    """Serves widget_pages/<name>.html with the widget tag pointing at the API."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            page = PAGES / Path(parts.path).name
            if page.suffix != ".html" or not page.is_file():
                self.send_error(404)
                return
            query = parse_qs(parts.query)
            attrs = ""
            if "region" in query:
                attrs = f'data-region="{query["region"][0]}"'
            html = (
                page.read_text(encoding="utf-8")
                .replace("{{WIDGET_SRC}}", api + "/widget.js")
                .replace("{{API}}", api + "/")
                .replace("{{API_ORIGIN}}", api)
                .replace("{{ATTRS}}", attrs)
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


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The real app on one loopback port, the host pages on another (a second origin)."""
    api_port, host_port = free_port(), free_port()
    api, host = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{host_port}"
    settings = load_settings().with_overrides(
        index_dir=index_dir(),
        data_dir=tmp_path_factory.mktemp("widget-data"),
        cors_origins=(host,),
        workers=2,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=api_port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    pages = ThreadingHTTPServer(("127.0.0.1", host_port), host_page_handler(api))
    pages_thread = threading.Thread(target=pages.serve_forever, daemon=True)
    pages_thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert thread.is_alive(), "uvicorn stannade innan servern blev redo"
            try:
                if httpx.get(f"{api}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "servern blev inte redo"
            time.sleep(0.3)
        yield Servers(api=api, host=host, settings=settings)
    finally:
        pages.shutdown()
        pages.server_close()
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium; Playwright never downloads a browser of its own."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} saknas: kör `make browser` (apt-get install chromium).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage) at desktop size, Swedish locale."""
    ctx = browser.new_context(viewport=DESKTOP, locale="sv-SE")
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any uncaught script error."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    assert not errors, f"Skriptfel i sidan: {errors}"


# ── helpers ───────────────────────────────────────────────────────────────────────────


def shot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Write a screenshot to test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def deep_focus(page: Page) -> str:
    """The focused element through shadow roots, as tag#id.class."""
    return str(page.evaluate(DEEP_FOCUS_JS))


def open_host_page(
    page: Page, servers: Servers, name: str = "intranet.html", query: str = ""
) -> None:
    """Load a host page and wait until the widget has mounted its launcher."""
    page.goto(f"{servers.host}/{name}{query}")
    page.locator(".launcher").wait_for(state="visible")


def tab_to(page: Page, target: str, limit: int = 25) -> None:
    """Press Tab until the focused element matches `target` (a prefix like 'button.launcher')."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if deep_focus(page).startswith(target):
            return
    pytest.fail(f"{target} nåddes inte med Tab; fokus är på {deep_focus(page)}")


def sse_events(text: str) -> list[tuple[str, Any]]:
    """The (event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def ask(page: Page, question: str, *, keyboard: bool = True) -> tuple[dict[str, Any], Response]:
    """Ask through the widget's input; wait for the finished answer; return the `done` body."""
    answers = page.locator("article.msg-bot")
    before = answers.count()
    box = page.locator("#sa-question")
    with page.expect_response(lambda r: r.url.endswith("/v1/ask/stream")) as info:
        if keyboard:
            box.focus()
            page.keyboard.type(question)
            page.keyboard.press("Enter")
        else:
            box.fill(question)
            page.get_by_role("button", name="Skicka", exact=True).click()
    answers.nth(before).wait_for(timeout=ANSWER_TIMEOUT_MS)
    response = info.value
    events = sse_events(response.text())
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-1] == "done", names
    return events[-1][1], response


def words(text: str) -> str:
    """Text with white space collapsed, for comparing rendered and returned text."""
    return " ".join(text.split())


def assert_answer_rendered(page: Page, body: dict[str, Any], api: str) -> None:
    """The last answer in the widget shows exactly what the API returned."""
    article = page.locator("article.msg-bot").last
    assert words(article.locator(".answer-text").inner_text()) == words(body["answer"])
    # The party first (tests/channels/http/test_widget_staff_browser.py has the wording).
    lines = [words(t) for t in article.locator(".parties li").all_inner_texts()]
    if body["status"] == "answered" and (body["responsibilities"] or body["responsible"]):
        assert lines and not lines[0].startswith("Gäller"), lines
    if body["status"] == "no_support":
        assert lines == []
    for region in body["regions"]:
        assert region in " ".join(lines), (region, lines)
    # One short line per warning, the whole note behind it.
    warnings = article.locator(".warnings > li")
    assert warnings.count() == len(body["warnings"])
    for item, warning in zip(warnings.all(), body["warnings"], strict=True):
        note = words(item.text_content() or "")
        assert note.startswith(words(item.locator(".warn-short").inner_text()))
        assert words(warning).split(" (”")[0] in note
    cards = article.locator("li.source")
    assert cards.count() == len(body["citations"])
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    by_number = {int(card.locator(".src-n").inner_text()): card for card in cards.all()}
    assert sorted(by_number) == sorted(c["n"] for c in body["citations"])
    for citation in body["citations"]:
        card = by_number[citation["n"]]
        text = words(card.text_content() or "")
        marked_used = card.locator(".pill-used").count() == 1
        assert marked_used == (body["status"] == "answered" and citation["n"] in used)
        if body["status"] == "answered" and citation["n"] in used:
            assert card.is_visible()  # the sources the answer uses are not folded away
        title = citation.get("short_title") or citation["title"]
        assert words(title) in text
        assert words(citation["section"]) in text
        if citation["page"]:
            assert f"s. {citation['page']}" in text
        assert "sidan okänd" not in text
        quote = card.locator("blockquote").text_content() or ""
        assert words(citation["quote"]) in words(quote)
        link = card.locator("a.src-link")
        assert link.get_attribute("href") == api + citation["url"]
        assert link.get_attribute("target") == "_blank"
        name = words(link.text_content() or "")
        assert name.startswith("Läs stycket i sitt sammanhang")
        assert f"{citation['n']}: {words(title)}" in name


def axe_violations(page: Page) -> str:
    """An axe-core (WCAG 2.1 A/AA) report of the page, including open shadow roots; '' if clean."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return "" if results.violations_count == 0 else results.generate_report()


def assert_no_horizontal_overflow(page: Page) -> None:
    """Nothing in the widget sticks out past the right edge of the window."""
    overflow = page.evaluate(
        """() => {
          const root = document.querySelector("svarsassistent-widget").shadowRoot;
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of root.querySelectorAll(".panel *")) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 0.5 && !el.closest(".vh")) {
              out.push(el.tagName + "." + el.className + " " + Math.round(box.right));
            }
          }
          const panel = root.querySelector(".panel");
          if (panel.scrollWidth > panel.clientWidth + 1) out.push("panel scrolls sideways");
          return out;
        }"""
    )
    assert overflow == [], overflow


def regions_of(api: str) -> list[str]:
    """The regions the catalog covers, as the selector should list them."""
    documents = httpx.get(f"{api}/v1/documents", timeout=10).json()["documents"]
    return sorted({d["region"] for d in documents if d["region"]}, key=lambda r: r.casefold())


# ── tests ─────────────────────────────────────────────────────────────────────────────


def test_keyboard_conversation_feedback_and_escape(
    page: Page, context: BrowserContext, servers: Servers
) -> None:
    """Open with the keyboard, ask, see the streamed answer and sources, follow a source,
    rate the answer and find the rating stored, close with Esc."""
    open_host_page(page, servers)
    launcher = page.locator(".launcher")
    panel_id = launcher.get_attribute("aria-controls")
    assert launcher.evaluate("el => el.tagName") == "BUTTON"
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.locator(f"#{panel_id}").is_hidden()

    tab_to(page, "button.launcher")
    outline = launcher.evaluate(
        "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
    )
    assert outline[0] == "solid" and float(outline[1].removesuffix("px")) >= 2, outline
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.locator(f"#{panel_id}").is_visible()
    assert deep_focus(page) == "textarea#sa-question"

    # The region selector: "Alla regioner" and the regions the catalog covers.
    options = page.locator("#sa-region option")
    expected = ["Alla regioner", *regions_of(servers.api)]
    page.wait_for_function(
        "n => document.querySelector('svarsassistent-widget').shadowRoot"
        ".querySelectorAll('#sa-region option').length === n",
        arg=len(expected),
    )
    assert options.all_inner_texts() == expected

    page.evaluate(RECORDER_JS)
    with page.expect_request(lambda r: r.url.endswith("/v1/ask/stream")) as sent:
        body, _ = ask(page, QUESTION)
    request = sent.value
    assert request.headers["x-assistant-channel"] == "web"
    assert json.loads(request.post_data or "{}") == {"question": QUESTION, "region": None}

    # Streamed: the answer grew piece by piece, hidden from screen readers meanwhile, and
    # the finished answer was announced once; the status said "Svar genereras…".
    rec = page.evaluate("() => window.__rec")
    assert len(rec["pieces"]) >= 2, rec["pieces"]
    assert "".join(rec["pieces"]) == body["answer"]
    assert rec["hiddenWhileStreaming"]
    assert "Svar genereras…" in rec["statuses"]
    page.wait_for_function("() => window.__rec.announcements.length > 0")
    page.wait_for_timeout(300)
    announcements = page.evaluate("() => window.__rec.announcements")
    assert len(announcements) == 1, announcements
    assert words(body["answer"]) in words(announcements[0])
    assert page.locator('[role="status"]').inner_text() == ""
    assert page.locator('[role="log"]').count() == 1

    assert body["status"] == "answered" and body["responsible"] == "region"
    assert_answer_rendered(page, body, servers.api)
    assert page.locator("article.msg-bot .parties").inner_text().startswith("Regionen ansvarar")
    assert deep_focus(page) == "textarea#sa-question"  # ready for the next question
    shot(page, "widget-desktop.png")

    # Follow the source the answer cites to the passage view (opens in a new tab).
    cited = int(re.findall(r"\[(\d+)\]", body["answer"])[0])
    citation = next(c for c in body["citations"] if c["n"] == cited)
    card = page.locator("article.msg-bot li.source").filter(
        has=page.locator(".src-n", has_text=re.compile(f"^{cited}$"))
    )
    link = card.locator("a.src-link")
    link.focus()
    with context.expect_page() as opened:
        page.keyboard.press("Enter")
    passage = opened.value
    passage.wait_for_load_state()
    assert urlsplit(passage.url).path.startswith(f"/dokument/{citation['document_id']}/")
    assert words(passage.locator("h1").inner_text()) == words(citation["title"])
    marked = words(" ".join(passage.locator("mark").all_inner_texts()))
    assert " ".join(words(citation["quote"]).split()[:5]) in marked, marked
    passage.close()

    # Thumbs down with a comment, by keyboard; then find it in the store.
    page.bring_to_front()
    down = page.get_by_role("button", name="Dåligt svar")
    down.focus()
    page.keyboard.press("Enter")
    assert down.get_attribute("aria-pressed") == "true"
    assert deep_focus(page).startswith("textarea#sa-c")
    page.keyboard.type(FEEDBACK_COMMENT)
    with page.expect_response(lambda r: "/feedback" in r.url) as posted:
        tab_to(page, "button.btn.btn-primary")
        page.keyboard.press("Enter")
    assert posted.value.status == 201
    page.get_by_text("Tack! Ditt omdöme (dåligt svar) är sparat.").wait_for()
    store = open_store(servers.settings.store_path)
    saved = list_feedback(store, body["answer_id"])
    assert [(f.rating, f.comment, f.channel) for f in saved] == [
        ("down", FEEDBACK_COMMENT, "web")
    ]
    assert get_answer(store, body["answer_id"]).channel == "web"

    # Esc closes and gives focus back to the launcher.
    page.locator("#sa-question").focus()
    page.keyboard.press("Escape")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.locator(f"#{panel_id}").is_hidden()
    assert deep_focus(page) == "button.launcher"


def test_no_keyboard_trap(page: Page, servers: Servers) -> None:
    """Tab and Shift+Tab leave the open widget for the host page; the close button works."""
    open_host_page(page, servers)
    page.locator(".launcher").click()
    assert deep_focus(page) == "textarea#sa-question"
    # Backwards from the question, through the panel and the launcher, into the host page.
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if not page.evaluate("() => document.activeElement.tagName === 'SVARSASSISTENT-WIDGET'"):
            break
    assert deep_focus(page) == "a#last-link"
    # Forwards again into the widget and past its last control, out of it.
    page.keyboard.press("Tab")
    assert deep_focus(page) == "button.launcher"
    left = False
    for _ in range(30):
        page.keyboard.press("Tab")
        if not page.evaluate("() => document.activeElement.tagName === 'SVARSASSISTENT-WIDGET'"):
            left = True
            break
    assert left, "fokus kom inte ut ur widgeten med Tab"
    # The panel's close button closes too and returns focus to the launcher.
    page.locator("button.close").click()
    assert page.locator(".launcher").get_attribute("aria-expanded") == "false"
    assert deep_focus(page) == "button.launcher"


def test_declined_question_warnings_and_remembered_region(page: Page, servers: Servers) -> None:
    """A declined question says so and lists the nearest passages as such; warnings show;
    the region goes with the question and is remembered across visits."""
    page.goto(servers.api + "/")
    page.locator("#sa-question").wait_for()

    body, _ = ask(page, OUT_OF_SCOPE)
    assert body["status"] == "no_support" and body["citations"]
    article = page.locator("article.msg-bot").last
    assert article.locator(".declined").inner_text() == "Överenskommelserna besvarar inte frågan."
    assert article.locator(".sources-title").inner_text() == (
        "Närmaste stycken – de besvarar inte frågan"
    )
    assert_answer_rendered(page, body, servers.api)
    shot(page, "page-declined.png")

    page.wait_for_function(
        "() => document.querySelector('svarsassistent-widget').shadowRoot"
        ".querySelectorAll('#sa-region option').length > 1"
    )
    page.locator("#sa-region").select_option("Dalarna")
    with page.expect_request(lambda r: r.url.endswith("/v1/ask/stream")) as sent:
        body, _ = ask(page, DALARNA_QUESTION, keyboard=False)
    assert json.loads(sent.value.post_data or "{}")["region"] == "Dalarna"
    # The Dalarna agreement on addiction ended 2024-06-30: the answer must say so.
    assert body["warnings"], body
    warnings = page.locator("article.msg-bot").last.locator(".warnings")
    assert warnings.is_visible()
    assert "Dalarna: gick ut" in warnings.inner_text()
    assert_answer_rendered(page, body, servers.api)

    page.reload()
    page.locator("#sa-question").wait_for()
    assert page.locator("#sa-region").input_value() == "Dalarna"


def test_preset_region_attribute_and_stored_choice(page: Page, servers: Servers) -> None:
    """data-region presets the selector until the user picks a region; the pick then wins."""
    open_host_page(page, servers, query="?region=" + quote("Värmland"))
    page.locator(".launcher").click()
    page.wait_for_function(
        "() => document.querySelector('svarsassistent-widget').shadowRoot"
        ".querySelectorAll('#sa-region option').length > 2"
    )
    select = page.locator("#sa-region")
    assert select.input_value() == "Värmland"
    select.select_option("")
    open_host_page(page, servers, query="?region=" + quote("Värmland"))
    page.locator(".launcher").click()
    assert select.input_value() == ""
    assert page.locator("#sa-region option:checked").inner_text() == "Alla regioner"


def test_errors_are_friendly_and_retry_works(
    page: Page, context: BrowserContext, servers: Servers
) -> None:
    """HTTP errors, a lost connection and a broken stream give Swedish messages with a retry;
    the retry then answers; copying and a failed rating behave too."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=servers.api)
    page.goto(servers.api + "/")
    page.locator("#sa-question").wait_for()
    stream = "**/v1/ask/stream"
    cases = [
        (
            lambda route: route.fulfill(
                status=503,
                content_type="application/json",
                body='{"error": {"code": "index_unavailable", "message": "Indexet laddas."}}',
            ),
            "Tjänsten är inte redo just nu",
        ),
        (lambda route: route.abort("connectionreset"), "Det gick inte att nå tjänsten."),
        (
            lambda route: route.fulfill(
                status=422,
                content_type="application/json",
                body='{"error": {"code": "invalid_input", "message": "Frågan är för lång."}}',
            ),
            "Frågan kunde inte tas emot: Frågan är för lång.",
        ),
        (
            lambda route: route.fulfill(
                status=200,
                content_type="text/event-stream",
                body=(
                    'event: meta\ndata: {"answer_id": "x", "status": "answered", '
                    '"region": null, "responsible": null}\n\n'
                    'event: delta\ndata: {"text": "Regionen "}\n\n'
                    'event: error\ndata: {"error": {"code": "internal_error", '
                    '"message": "Ett oväntat fel inträffade."}}\n\n'
                ),
            ),
            "Svaret avbröts: Ett oväntat fel inträffade.",
        ),
        (lambda route: route.fulfill(status=500, body="Internal Server Error"),
         "Något gick fel hos tjänsten."),
    ]
    errors = page.locator(".msg-error")
    for number, (handler, message) in enumerate(cases, start=1):
        page.route(stream, handler)
        box = page.locator("#sa-question")
        box.fill(QUESTION)
        box.press("Enter")
        error = errors.first
        error.wait_for()
        assert error.get_attribute("role") == "alert"
        assert message in error.inner_text(), error.inner_text()
        assert error.get_by_role("button", name="Försök igen").is_visible()
        assert page.locator(".msg-bot").count() == 0  # no half answer left behind
        assert page.locator('[role="status"]').inner_text() == ""
        page.unroute(stream)
        if number < len(cases):
            error.evaluate("el => el.remove()")  # one message at a time, for the next case
    assert page.locator(".welcome").is_visible()  # never a blank panel
    shot(page, "page-error.png")

    # Retry for real: the error goes away, the answer comes, focus is back in the question.
    with page.expect_response(lambda r: r.url.endswith("/v1/ask/stream")) as streamed:
        errors.last.get_by_role("button", name="Försök igen").click()
    page.locator("article.msg-bot").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert errors.count() == 0
    assert deep_focus(page) == "textarea#sa-question"
    body = sse_events(streamed.value.text())[-1][1]
    assert_answer_rendered(page, body, servers.api)

    # Copy the answer with its sources.
    page.get_by_role("button", name="Kopiera svaret").click()
    page.get_by_text("Svaret är kopierat.").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("Regionen ansvarar · Värmland\n")
    assert body["answer"] in copied and "Källor:" in copied
    assert servers.api + body["citations"][0]["url"] in copied

    # A rating that cannot be stored says so; sending again works.
    feedback = "**/v1/answers/*/feedback"
    page.route(feedback, lambda route: route.fulfill(status=503, body="{}"))
    page.get_by_role("button", name="Bra svar").click()
    page.get_by_role("button", name="Skicka omdöme").click()
    alert = page.locator(".fb-error")
    alert.wait_for()
    assert alert.get_attribute("role") == "alert"
    assert "Omdömet kunde inte sparas." in alert.inner_text()
    page.unroute(feedback)
    page.get_by_role("button", name="Skicka omdöme").click()
    page.get_by_text("Tack! Ditt omdöme (bra svar) är sparat.").wait_for()
    saved = list_feedback(open_store(servers.settings.store_path), body["answer_id"])
    assert [(f.rating, f.comment) for f in saved] == [("up", None)]


def test_accessibility_scan_page_and_widget(page: Page, servers: Servers) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the chat page or the open widget."""
    page.goto(servers.api + "/")
    page.locator("#sa-question").wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "sv"
    assert (report := axe_violations(page)) == "", report

    ask(page, QUESTION)
    shot(page, "page-desktop.png")
    page.get_by_role("button", name="Bra svar").click()  # the comment form open
    page.locator("article.msg-bot summary").first.click()  # a whole passage shown
    assert (report := axe_violations(page)) == "", report

    open_host_page(page, servers)
    assert (report := axe_violations(page)) == "", report  # the closed launcher
    page.locator(".launcher").click()
    ask(page, QUESTION)
    assert (report := axe_violations(page)) == "", report

    page.set_viewport_size(NARROW)
    assert (report := axe_violations(page)) == "", report


def test_hostile_host_css_neither_leaks_in_nor_out(page: Page, servers: Servers) -> None:
    """On a page whose CSS attacks everything, the widget looks as designed and the page's
    own elements look as they did before the widget came."""
    open_host_page(page, servers, "hostile.html")
    assert page.evaluate("() => window.__hostStyles()") == page.evaluate(
        "() => window.__hostStylesBefore"
    )
    launcher = page.locator(".launcher")
    box = launcher.bounding_box()
    assert box is not None
    assert 40 <= box["height"] <= 80 and box["width"] <= 400, box
    assert box["x"] + box["width"] <= DESKTOP["width"]
    assert box["y"] + box["height"] <= DESKTOP["height"]
    styles = launcher.evaluate(
        """el => { const s = getComputedStyle(el);
                   return [s.fontFamily, s.fontSize, s.backgroundColor, s.color,
                           s.letterSpacing, s.textTransform, s.opacity]; }"""
    )
    assert "Comic" not in styles[0] and "system-ui" in styles[0], styles
    assert styles[1:] == ["16px", "rgb(10, 79, 148)", "rgb(255, 255, 255)", "normal", "none", "1"]

    launcher.click()
    panel = page.locator(".panel")
    panel_box = panel.bounding_box()
    assert panel_box is not None
    assert 380 <= panel_box["width"] <= 440 and panel_box["height"] >= 500, panel_box
    assert deep_focus(page) == "textarea#sa-question"
    body, _ = ask(page, QUESTION)
    assert_answer_rendered(page, body, servers.api)
    answer = page.locator("article.msg-bot .answer-text")
    font = answer.evaluate("el => [getComputedStyle(el).fontFamily, getComputedStyle(el).fontSize]")
    assert "Comic" not in font[0] and font[1] == "16px", font
    outline = page.locator("#sa-question").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"  # the page's `:focus { outline: none }` does not reach in
    assert page.evaluate("() => window.__hostStyles()") == page.evaluate(
        "() => window.__hostStylesBefore"
    )
    shot(page, "widget-hostile.png")


def test_strict_content_security_policy(page: Page, servers: Servers) -> None:
    """A host page that forbids inline styles still gets a styled, working widget."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    open_host_page(page, servers, "strict-csp.html")
    launcher = page.locator(".launcher")
    assert launcher.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(10, 79, 148)"
    assert launcher.evaluate("el => getComputedStyle(el).position") == "fixed"
    launcher.click()
    body, _ = ask(page, QUESTION)
    assert_answer_rendered(page, body, servers.api)
    assert not [m for m in messages if "Content Security Policy" in m], messages


def test_narrow_screen_and_zoom(browser: Browser, servers: Servers) -> None:
    """At 320 px wide and at 200 % zoom the widget fills the window and nothing scrolls
    sideways; the question box and the send button stay reachable."""
    narrow = browser.new_context(viewport=NARROW, locale="sv-SE")
    try:
        page = narrow.new_page()
        open_host_page(page, servers)
        box = page.locator(".launcher").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
        page.locator(".launcher").click()
        panel = page.locator(".panel").bounding_box()
        assert panel == {"x": 0, "y": 0, "width": 320, "height": 640}, panel
        assert page.locator("button.close").is_visible()
        body, _ = ask(page, QUESTION)
        assert_answer_rendered(page, body, servers.api)
        assert_no_horizontal_overflow(page)
        shot(page, "widget-320.png")

        chat_page = narrow.new_page()
        chat_page.goto(servers.api + "/")
        chat_page.locator("#sa-question").wait_for()
        ask(chat_page, QUESTION)
        width = chat_page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW["width"], width
        shot(chat_page, "page-320.png")
    finally:
        narrow.close()

    # 200 % zoom of a 1280×800 window: 640×400 CSS pixels drawn at twice the density.
    zoomed = browser.new_context(viewport=ZOOMED, device_scale_factor=2, locale="sv-SE")
    try:
        page = zoomed.new_page()
        open_host_page(page, servers)
        page.locator(".launcher").click()
        body, _ = ask(page, QUESTION)
        assert_no_horizontal_overflow(page)
        for selector in ("#sa-question", "button.send"):
            target = page.locator(selector).bounding_box()
            assert target is not None
            bottom, right = target["y"] + target["height"], target["x"] + target["width"]
            assert target["y"] >= 0 and bottom <= ZOOMED["height"], (selector, target)
            assert target["x"] >= 0 and right <= ZOOMED["width"], (selector, target)
        shot(page, "widget-zoom200.png")
    finally:
        zoomed.close()
