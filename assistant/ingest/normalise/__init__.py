"""Normalisation of PDF-extracted text into a `Document` with pages, sections and lists.

The raw texts are what a PDF extractor gives: broken lines (sometimes with a blank line
between every line), page furniture mixed into the running text, footnotes in the middle of
sentences, bullets as odd glyphs, and almost no page breaks. The steps, in order, one
module each:

1. `lines`     — split, mark blank lines as soft (line spacing) or hard (paragraph break);
2. `furniture` — find page footers (`9 (27)` with title and date lines), header blocks
   (`Sida 10 (11)`), bare page numbers; remove them and remember them as page events;
3. `notes`     — take footnotes and bare URL lines out of the running text;
4. `pages`     — label lines with a page only where the markers make it certain (between
   two markers; a footnote and the sentence referring to it) or where a line belongs to
   the sentence that opens or closes a page: a wrong page is worse than none;
5. `headings`, `blocks` — rejoin lines into headings, paragraphs and list items (with
   their lead-in), each with its heading trail;
6. `joins`, `render` — rejoin broken lines (undoing line-end hyphenation) and lay out one
   normalised text with character spans for blocks and pages.

A text containing form feeds (`\\f`) comes from a real PDF: each segment is one page, exact.
Steps 1–5 work on mutable `Line`s internal to the package; only `render` builds the
frozen `Document`. Each step imports only the steps before it.
"""

from __future__ import annotations

from assistant.ingest.normalise.blocks import build_pieces
from assistant.ingest.normalise.furniture import find_bare_page_numbers, find_furniture
from assistant.ingest.normalise.joins import vocabulary_of
from assistant.ingest.normalise.lines import Line, split_lines
from assistant.ingest.normalise.notes import find_notes
from assistant.ingest.normalise.pages import assign_pages
from assistant.ingest.normalise.render import render
from assistant.models import Document, DocumentMeta

__all__ = [
    "NORMALISER_VERSION",
    "assign_pages",
    "build_pieces",
    "find_bare_page_numbers",
    "find_furniture",
    "find_notes",
    "line_roles",
    "normalise",
    "page_at",
    "render",
    "split_lines",
]

NORMALISER_VERSION = "4"  # 4: the opening title; a title after a list item


def _classify(meta: DocumentMeta, raw: str) -> list[Line]:
    """Steps 1–4: lines with their role (body, note, furniture) and page where known."""
    lines = split_lines(raw)
    events = find_furniture(lines, meta)
    footnote_numbers = find_notes(lines)
    find_bare_page_numbers(lines, events, footnote_numbers)
    assign_pages(lines, events)
    return lines


def line_roles(meta: DocumentMeta, raw: str) -> list[tuple[str, str, int | None]]:
    """Each raw line's role (body, note, furniture), stripped text and page: for inspection."""
    return [(ln.role, ln.text, ln.page) for ln in _classify(meta, raw)]


def normalise(meta: DocumentMeta, raw: str) -> Document:
    """Turn raw extracted text into a Document with pages, sections and list structure."""
    lines = _classify(meta, raw)
    return render(meta, build_pieces(lines, meta.title), vocabulary_of(raw))


def page_at(doc: Document, start: int, end: int) -> tuple[int | None, int | None]:
    """First and last page of a span, each None where the text does not reveal it."""
    spans = [s for s in doc.pages if s.start < max(end, start + 1) and s.end > start]
    if not spans:
        return None, None
    return spans[0].page, spans[-1].page
