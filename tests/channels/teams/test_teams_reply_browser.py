"""What a Teams reply looks like to staff (issue 23), in a real browser: the real answers of
the real index, turned into the bot's reply activity and drawn the way Teams draws a bot's
Markdown message (paragraphs, line breaks, bold; `[n]` as a citation pill; the citation
entity's names as the reference list under it), on a phone and on a desktop.

Teams itself cannot run here; this is an approximation of its message bubble, there so the
reply's order and length can be looked at and checked: the party on the first line, then the
answer, one line of warnings, then the sources by their short titles. Screenshots go to
`test-artifacts/teams-*.png`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from markdown_it import MarkdownIt
from playwright.sync_api import Browser, Page

from assistant.channels.teams.replies import answer_reply
from assistant.pipeline import Engine, ask, load_engine
from assistant.settings import load_settings
from tests.channels.http import test_widget_browser as widget
from tests.channels.http.test_widget_browser import DESKTOP, shot
from tests.channels.http.test_widget_staff_browser import PHONE

pytestmark = pytest.mark.slow

browser = widget.browser
QUESTIONS = {
    "responsibility": "Vem ansvarar för abstinensvård i Dalarna?",
    "divided": "vem ansvarar for hjalpmedel varmland",
    "declined": "Hur många parkeringsplatser finns vid sjukhuset?",
    "no-region": "Vem ansvarar för abstinensvård?",
    "other-actor": "vem anvisar plats pa lvm-hem",
}
BUBBLE_CSS = """
body { margin: 0; background: #f5f5f5; font: 14px/1.43 "Segoe UI", system-ui, sans-serif; }
.bubble { margin: 12px; padding: 8px 16px; background: #fff; border-radius: 6px;
          box-shadow: 0 1px 2px rgba(0,0,0,.14); color: #242424; overflow-wrap: anywhere; }
.bubble p { margin: 0 0 8px; }
.pill { display: inline-block; min-width: 1.2em; padding: 0 4px; margin: 0 1px;
        border-radius: 4px; background: #e8ebfa; color: #4f52b2; font-size: 11px;
        text-align: center; vertical-align: super; line-height: 1.4; }
.refs { list-style: none; border-top: 1px solid #e0e0e0; margin-top: 8px; padding: 6px 0 0;
        font-size: 12px; color: #616161; }
.refs li { margin: 2px 0; }
.ai { font-size: 11px; color: #616161; margin: 12px 12px 0; }
"""


@pytest.fixture(scope="module")
def real() -> Engine:
    return load_engine(load_settings())


@pytest.fixture(scope="module")
def replies(real: Engine) -> dict[str, dict[str, Any]]:
    return {
        name: answer_reply(ask(real, question).answer, "https://assistent.example.se")
        for name, question in QUESTIONS.items()
    }


@pytest.fixture
def phone_and_desktop(browser: Browser) -> Iterator[dict[str, Page]]:
    contexts = {
        "390": browser.new_context(viewport=PHONE, locale="sv-SE"),
        "1280": browser.new_context(viewport=DESKTOP, locale="sv-SE"),
    }
    yield {width: ctx.new_page() for width, ctx in contexts.items()}
    for ctx in contexts.values():
        ctx.close()


def bubble_html(reply: dict[str, Any]) -> str:
    """The reply as Teams shows a bot's Markdown message with citations."""
    body = MarkdownIt("commonmark", {"breaks": True, "html": False}).render(reply["text"])
    body = re.sub(r"\[(\d+)\]", r'<span class="pill">\1</span>', body)
    claims = reply["entities"][0]["citation"]
    refs = "".join(
        f"<li>{claim['position']}. {html.escape(claim['appearance']['name'])}</li>"
        for claim in claims
    )
    return (
        f'<html lang="sv"><head><meta charset="utf-8"><style>{BUBBLE_CSS}</style></head><body>'
        '<p class="ai">Svarsassistenten · AI-genererat</p>'
        f'<div class="bubble">{body}<ul class="refs" aria-label="Referenser">{refs}</ul></div>'
        "</body></html>"
    )


def blocks(page: Page) -> list[str]:
    """The bubble's lines as drawn: each paragraph split at its line breaks."""
    texts = page.locator(".bubble > p").evaluate_all("ps => ps.map(p => p.innerText)")
    return [line.strip() for text in texts for line in text.split("\n") if line.strip()]


def test_a_teams_reply_reads_party_answer_warning_sources(
    replies: dict[str, dict[str, Any]], phone_and_desktop: dict[str, Page]
) -> None:
    for name, reply in replies.items():
        for width, page in phone_and_desktop.items():
            page.set_content(bubble_html(reply))
            shot(page, f"teams-{name}-{width}.png", full_page=True)
        lines = blocks(phone_and_desktop["390"])
        assert lines, name
        if name == "declined":
            assert lines[0].startswith("Överenskommelserna säger inget"), lines
            assert phone_and_desktop["390"].locator(".bubble strong").count() == 0, lines
            continue
        # The party first, bold, with the region(s).
        party = phone_and_desktop["390"].locator(".bubble > p").first.locator("strong").first
        assert party.count() == 1, (name, lines)
        assert re.match(r"(Regionen ansvarar|Kommunen ansvarar|Delat:|Annan:)", lines[0]), lines
        assert "·" in lines[0], lines
        # Then the answer with its [n] pills; at most one warning line; the sources last.
        assert re.search(r"\d", lines[1]) and len(lines[1]) > 40, lines
        warning_lines = [line for line in lines if line.startswith("⚠")]
        assert len(warning_lines) <= 1, lines
        assert lines[-2].startswith("Källor: ") or lines[-1].startswith("Källor: "), lines
        assert "Länsövergripande överenskommelse" not in " ".join(lines), lines
        if name == "other-actor":
            assert lines[0].startswith("Annan: Statens institutionsstyrelse"), lines


def test_a_teams_reply_on_a_phone_shows_the_party_and_answer_in_its_first_screen(
    replies: dict[str, dict[str, Any]], phone_and_desktop: dict[str, Page]
) -> None:
    """On a 390 px phone the answer's first line is near the top of the bubble, and a short
    answer's whole reply (party, answer, warning, sources) fits on one screen."""
    page = phone_and_desktop["390"]
    for name in ("responsibility", "divided", "other-actor"):
        page.set_content(bubble_html(replies[name]))
        second = page.locator(".bubble > p").nth(1)
        top = second.evaluate(
            "el => el.getBoundingClientRect().top"
            " - el.closest('.bubble').getBoundingClientRect().top"
        )
        assert top < 60, (name, top)
        height = page.locator(".bubble").evaluate("el => el.getBoundingClientRect().height")
        assert height < PHONE["height"], (name, height)
