"""Step 2, furniture: page footers, header blocks and bare page numbers, as page events.

Furniture is marked on the lines (role "furniture") and left out of the running text; each
footer or header becomes an `Event` that the pages step reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.normalise.lines import SENTENCE_END, WORD, Line, next_text
from assistant.models import DocumentMeta

FOOTER = re.compile(r"^(\d{1,3})\s*\((\d{1,3})\)$")
BARE_NUMBER = re.compile(r"^\d{1,3}$")
DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}\b.{0,60}$")
HEADER_LABELS = re.compile(
    r"^(Titel|Dokumentidentitet|Dokument-id|Version|Giltig.*|Sida|Datum|Diarienummer|Dnr.*|"
    r"Fastställd.*|Beslutad.*|Utgåva|Ansvarig.*|Dokumenttyp|Gäller för)\s*:?$"
)


@dataclass
class Event:
    """A page fact found in the text: page `page` ends (footer) or begins (header) here."""

    at: int  # index into the line list
    page: int
    kind: str  # "end" | "start"
    total: int | None = None


def _title_words(meta: DocumentMeta) -> set[str]:
    return {w.lower() for w in WORD.findall(meta.title)}


def _is_title_line(line: Line, title_words: set[str]) -> bool:
    words = [w.lower() for w in WORD.findall(line.text)]
    return bool(words) and len(line.text) < 120 and all(w in title_words for w in words)


def find_furniture(lines: list[Line], meta: DocumentMeta) -> list[Event]:
    """Mark page footers, header blocks and page numbers as furniture; return page events."""
    events: list[Event] = []
    title_words = _title_words(meta)
    for i, line in enumerate(lines):
        if not line.text or line.role != "body":
            continue
        footer = FOOTER.match(line.text)
        if footer and int(footer.group(1)) <= int(footer.group(2)):
            page, total = int(footer.group(1)), int(footer.group(2))
            before = next_text(lines, i, -1)
            if before is not None and lines[before].text == "Sida":
                _mark_header_block(lines, before, title_words)
                line.role = "furniture"
                events.append(Event(at=i, page=page, kind="start", total=total))
                continue
            line.role = "furniture"
            events.append(Event(at=i, page=page, kind="end", total=total))
            _mark_footer_title(lines, i, title_words)
            after = next_text(lines, i)
            if after is not None and DATE_LINE.match(lines[after].text):
                lines[after].role = "furniture"
    return events


def _mark_footer_title(lines: list[Line], i: int, title_words: set[str]) -> None:
    """The document title printed above a footer is furniture, not running text."""
    j = next_text(lines, i, -1)
    taken = 0
    while j is not None and taken < 5 and _is_title_line(lines[j], title_words):
        lines[j].role = "furniture"
        taken += 1
        j = next_text(lines, j, -1)


def _mark_header_block(lines: list[Line], sida: int, title_words: set[str]) -> None:
    """A label/value header block (Titel, Dokumentidentitet, …, Sida) that opens a page."""
    lines[sida].role = "furniture"
    j = next_text(lines, sida, -1)
    while j is not None:
        line = lines[j]
        prev = next_text(lines, j, -1)
        is_value = prev is not None and bool(HEADER_LABELS.match(lines[prev].text))
        if HEADER_LABELS.match(line.text) or is_value or _is_title_line(line, title_words):
            line.role = "furniture"
            j = prev
            continue
        # The organisation line that opens the block ("Värmlands kommuner  Region Värmland").
        if len(line.text) < 80 and not SENTENCE_END.search(line.text):
            line.role = "furniture"
        break


def _blank_before(lines: list[Line], j: int) -> bool:
    return j == 0 or lines[j - 1].text == ""


def find_bare_page_numbers(lines: list[Line], events: list[Event], footnote_nos: set[int]) -> None:
    """A number alone on a line, between a finished sentence and a new block, is a footer.

    Word prints a page number in the footer just so: alone on its line, padded by blank
    lines. Such a number cannot be running text: a list number has text after it on its
    line, a footnote's number is in the footnote sequence, a table cell has neighbouring
    cells, and the sentence before it is finished while the line after it starts anew.
    Västmanland's "7" is the case in point: between "… i länet." and the heading "Mål och
    indikatorer", about 70 text lines (two pages at its spacing) after the text's first
    line "Inledning", which fits a cover, a contents page and front matter before it. A
    number that would make the page numbers fall through the text is not accepted.
    """
    known = [e.page for e in events]
    for i, line in enumerate(lines):
        if line.role != "body" or not BARE_NUMBER.match(line.text):
            continue
        number = int(line.text)
        if number in footnote_nos or number == 0:
            continue
        if not _blank_before(lines, i) or (i + 1 < len(lines) and lines[i + 1].text):
            continue  # printed tight against text: part of a table or a list
        before = next_text(lines, i, -1)
        after = next_text(lines, i)
        if before is not None and not SENTENCE_END.search(lines[before].text):
            continue  # the sentence before it goes on, or a colon announces the number
        if after is not None and not lines[after].text[:1].isupper():
            continue
        if known and not _fits(number, i, events):
            continue
        line.role = "furniture"
        events.append(Event(at=i, page=number, kind="end"))
    events.sort(key=lambda e: e.at)


def _fits(number: int, at: int, events: list[Event]) -> bool:
    """Page numbers must grow through the document."""
    before = [e.page for e in events if e.at < at]
    after = [e.page for e in events if e.at > at]
    return all(p < number for p in before) and all(p > number for p in after)
