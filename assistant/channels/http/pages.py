"""HTML pages: a cited passage inside its section, a whole document, errors, a start page.

Pure functions over our own types. All text that comes from documents or requests is
escaped; the only markup added is our own (paragraphs, line breaks, `<mark>` for the quote).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from html import escape
from importlib import resources
from string import Template

from assistant.answer.sentences import find_quote
from assistant.answer.validity import Validity, validity_of
from assistant.models import SECTION_SEPARATOR, Chunk, DocumentMeta

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WARNING_STATUSES = frozenset({"utgången", "förslag", "kommande"})


@dataclass(frozen=True)
class Piece:
    """The part of a section's text one passage shows (overlaps with neighbours removed)."""

    chunk: Chunk
    text: str
    cited: bool


@cache
def _template() -> Template:
    source = resources.files("assistant").joinpath("templates/page.html")
    return Template(source.read_text(encoding="utf-8"))


def render_page(
    title: str,
    main: str,
    *,
    skip_target: str = "#innehall",
    skip_label: str = "Hoppa till innehållet",
    style: str = "",
) -> str:
    """A whole HTML page around already escaped main content (`style`: the page's own
    CSS rules, our own text)."""
    return _template().substitute(
        title=escape(title),
        main=main,
        style=style,
        skip_target=escape(skip_target),
        skip_label=escape(skip_label),
    )


def pages_label(first: int | None, last: int | None) -> str:
    """'s. 10', 's. 10–11' or 'sidan okänd'."""
    if first is None:
        return "sidan okänd"
    return f"s. {first}" if last is None or last == first else f"s. {first}–{last}"


def stitch(chunks: Sequence[Chunk], cited: Chunk | None = None) -> list[Piece]:
    """A section's passages in order, each showing only text no earlier piece showed.

    Passages overlap (the chunker repeats a little context); the cited passage is kept
    whole and its neighbours are trimmed around it, so no sentence appears twice.
    """
    ordered = sorted(chunks, key=lambda c: (c.start, c.end))
    pieces: list[Piece] = []
    shown = -1  # document offset up to which text has been shown
    for chunk in ordered:
        body = chunk.body
        if cited is not None and chunk.id == cited.id:
            pieces.append(Piece(chunk, body, True))
            shown = max(shown, chunk.end)
            continue
        if len(body) != chunk.end - chunk.start:
            # The span does not match the text, so it cannot be trimmed by offsets.
            if cited is None or not _overlaps(chunk, cited):
                pieces.append(Piece(chunk, body.strip(), False))
                shown = max(shown, chunk.end)
            continue
        start, end = max(chunk.start, shown), chunk.end
        if cited is not None and chunk.start < cited.start < end:
            end = cited.start
        if cited is not None and cited.start <= start < cited.end:
            start = cited.end
        if end <= start:
            continue
        text = body[start - chunk.start : end - chunk.start].strip()
        if text:
            pieces.append(Piece(chunk, text, False))
        shown = max(shown, end)
    return pieces


def _overlaps(a: Chunk, b: Chunk) -> bool:
    return a.start < b.end and b.start < a.end


def render_text(text: str, mark: tuple[int, int] | None = None, mark_id: str = "") -> str:
    """Paragraphs and line breaks of a text as HTML, with one span highlighted by <mark>."""
    out: list[str] = []
    start = 0
    first_mark = True
    spans = [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)]
    for gap_start, gap_end in [*spans, (len(text), len(text))]:
        end = gap_start
        if text[start:end].strip():
            html = ""
            if mark and mark[0] < end and start < mark[1]:
                a, b = max(mark[0], start), min(mark[1], end)
                ident = f' id="{escape(mark_id)}"' if mark_id and first_mark else ""
                first_mark = False
                html = (
                    escape(text[start:a])
                    + f"<mark{ident}>"
                    + escape(text[a:b])
                    + "</mark>"
                    + escape(text[b:end])
                )
            else:
                html = escape(text[start:end])
            out.append("<p>" + html.strip().replace("\n", "<br>\n") + "</p>")
        start = gap_end
    return "\n".join(out)


def _validity_html(validity: Validity) -> str:
    css = "status-warn" if validity.status in _WARNING_STATUSES else "status-ok"
    return (
        f'<span class="status {css}">{escape(validity.status)}</span> '
        f"{escape(validity.description)}"
    )


def _facts(meta: DocumentMeta, validity: Validity, page: str | None) -> str:
    rows = [("Region", meta.region or "Nationell vägledning")]
    if page is not None:
        rows.append(("Sida", page))
    kind = meta.kind + (f", {meta.identity}" if meta.identity else "")
    rows.append(("Dokument", kind))
    items = [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows]
    items.append(f"<dt>Giltighet</dt><dd>{_validity_html(validity)}</dd>")
    if meta.source_url:  # an http(s) address: the catalog accepts no other scheme
        items.append(
            f'<dt>Källa</dt><dd><a href="{escape(meta.source_url)}" rel="noopener noreferrer">'
            f"{escape(meta.source_url)}</a></dd>"
        )
    return '<dl class="facts">\n' + "\n".join(items) + "\n</dl>"


def _notice(meta: DocumentMeta, validity: Validity) -> str:
    if validity.status not in _WARNING_STATUSES and not validity.expired:
        return ""
    name = "Vägledningen" if meta.kind == "vägledning" else "Överenskommelsen"
    return (
        '<div class="notice" role="note"><p><strong>Observera:</strong> '
        f"{escape(name)} är {escape(validity.status)}. {escape(validity.description)}</p></div>"
    )


def _section_title(trail: tuple[str, ...]) -> str:
    return SECTION_SEPARATOR.join(trail) if trail else "Avsnitt utan rubrik"


def render_passage_page(
    meta: DocumentMeta,
    cited: Chunk,
    section: Sequence[Chunk],
    quote: str | None,
    today: date,
) -> str:
    """The cited passage inside its section, the quote marked, with title, page, validity."""
    validity = validity_of(meta, today)
    page = pages_label(cited.page_start, cited.page_end)
    parts = [
        f'<p class="note"><a href="/dokument/{escape(meta.id)}#p-{escape(cited.id)}">'
        "Visa hela dokumentet</a></p>",
        f"<h1>{escape(meta.title)}</h1>",
        _facts(meta, validity, page),
        _notice(meta, validity),
        '<section aria-labelledby="avsnitt-rubrik">',
        f'<h2 id="avsnitt-rubrik">{escape(_section_title(cited.trail))}</h2>',
    ]
    for piece in stitch(section, cited):
        if not piece.cited:
            parts.append(
                f'<div class="passage context" id="p-{escape(piece.chunk.id)}">'
                f"{render_text(piece.text)}</div>"
            )
            continue
        mark = find_quote(piece.text, quote) if quote else None
        missing = (
            '<p class="note">Den citerade meningen kunde inte markeras i texten.</p>'
            if quote and mark is None
            else ""
        )
        parts.append(
            '<article class="cited" id="stycke" tabindex="-1" aria-labelledby="stycke-rubrik">'
            '<h3 id="stycke-rubrik">Citerat stycke</h3>'
            f'<p class="where">{escape(page)}'
            + (" – citatet är markerat" if mark else "")
            + "</p>"
            f"{render_text(piece.text, mark, 'citat')}{missing}</article>"
        )
    parts.append("</section>")
    return render_page(
        f"{_section_title(cited.trail)} – {meta.title}",
        "\n".join(p for p in parts if p),
        skip_target="#stycke",
        skip_label="Hoppa till det citerade stycket",
    )


def render_document_page(meta: DocumentMeta, chunks: Sequence[Chunk], today: date) -> str:
    """A whole document, section by section; each passage has the anchor `#p-<chunk id>`."""
    validity = validity_of(meta, today)
    parts = [
        f"<h1>{escape(meta.title)}</h1>",
        _facts(meta, validity, None),
        _notice(meta, validity),
    ]
    sections: dict[tuple[str, ...], list[Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.start, c.end)):
        sections.setdefault(chunk.trail, []).append(chunk)
    for number, (trail, members) in enumerate(sections.items(), start=1):
        parts.append(
            f'<section class="part" aria-labelledby="avsnitt-{number}">'
            f'<h2 id="avsnitt-{number}">{escape(_section_title(trail))}</h2>'
        )
        last_page = ""
        for piece in stitch(members):
            page = pages_label(piece.chunk.page_start, piece.chunk.page_end)
            note = f'<p class="note">{escape(page)}</p>' if page != last_page else ""
            last_page = page
            parts.append(
                f'<div class="passage" id="p-{escape(piece.chunk.id)}">{note}'
                f"{render_text(piece.text)}</div>"
            )
        parts.append("</section>")
    return render_page(meta.title, "\n".join(p for p in parts if p))


def render_error_page(status: int, message: str) -> str:
    """A small page for an error met in a browser (e.g. an outdated citation link)."""
    heading = "Sidan finns inte" if status == 404 else "Sidan kunde inte visas"
    main = (
        f"<h1>{escape(heading)}</h1>\n<p>{escape(message)}</p>\n"
        f'<p class="note">Felkod {status}. <a href="/">Till startsidan</a></p>'
    )
    return render_page(heading, main)


def render_home_page() -> str:
    """The start page when no chat page is installed."""
    main = (
        "<h1>Svarsassistenten för samverkansöverenskommelser</h1>\n"
        "<p>Tjänsten svarar på frågor om ansvarsfördelningen mellan kommuner och regioner "
        "utifrån samverkansöverenskommelserna, och visar alltid vilka avsnitt svaret bygger "
        "på.</p>\n<ul>\n"
        '<li><a href="/docs">API-dokumentation</a> (POST /v1/ask)</li>\n'
        '<li><a href="/v1/documents">Överenskommelserna och deras giltighet</a> (JSON)</li>\n'
        "</ul>"
    )
    return render_page("Svarsassistenten", main)
