"""Normalisation of PDF-extracted text into a `Document` with pages, sections and lists.

The raw texts are what a PDF extractor gives: broken lines (sometimes with a blank line
between every line), page furniture mixed into the running text, footnotes in the middle of
sentences, bullets as odd glyphs, and almost no page breaks. The steps, in order:

1. lines   — split, mark blank lines as soft (line spacing) or hard (paragraph break);
2. furniture — find page footers (`9 (27)` with title and date lines), header blocks
   (`Sida 10 (11)`), bare page numbers; remove them and remember them as page events;
3. notes   — take footnotes and bare URL lines out of the running text;
4. pages   — label lines with a page only where the markers make it certain (between two
   markers; a footnote and the sentence referring to it) or where a line belongs to the
   sentence that opens or closes a page: a wrong page is worse than none;
5. blocks  — rejoin lines into headings, paragraphs and list items (with their lead-in),
   each with its heading trail;
6. render  — one normalised text with character spans for blocks and pages.

A text containing form feeds (`\\f`) comes from a real PDF: each segment is one page, exact.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import deque
from dataclasses import dataclass, field

from assistant.models import Block, BlockKind, Document, DocumentMeta, PageSpan

NORMALISER_VERSION = "3"

BULLETS = "•\uf0b7\uf0a7\u25aa\u25a1\u25cf\u2023\u2043\u25e6▪□●◦"
SUB_BULLET = re.compile(r"^o\s+(?=\S)")
BULLET = re.compile(rf"^(?:[{BULLETS}]|[-–](?=\s))\s*")
LETTERED = re.compile(r"^[a-h]\)\s+")
NUMBERED_ITEM = re.compile(r"^\d{1,2}[.)]\s+\S")
HEADING_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
FOOTER = re.compile(r"^(\d{1,3})\s*\((\d{1,3})\)$")
BARE_NUMBER = re.compile(r"^\d{1,3}$")
DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}\b.{0,60}$")
URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$")
FOOTNOTE = re.compile(r"^(\d{1,3})(\)?)(?:\s+(.*)|(https?://\S*))?$")
HEADER_LABELS = re.compile(
    r"^(Titel|Dokumentidentitet|Dokument-id|Version|Giltig.*|Sida|Datum|Diarienummer|Dnr.*|"
    r"Fastställd.*|Beslutad.*|Utgåva|Ansvarig.*|Dokumenttyp|Gäller för)\s*:?$"
)
TERMINAL = ".!?"
SENTENCE_END = re.compile(r"[.!?]['’”)]*$")
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+")
COORDINATORS = ("och ", "eller ", "samt ", "respektive ", "resp. ", "som ", "till ", "&")

# Titles rarely contain a finite verb; short sentences without a full stop do.
FINITE_VERBS = {
    "är", "ska", "skall", "har", "kan", "ges", "finns", "blir", "får", "bör", "måste",
    "gäller", "innebär", "sker", "tas", "görs", "avser", "var", "hade",
}

# Words a title never ends on: a line ending so was cut from the text that follows.
OPEN_ENDINGS = {
    "och", "eller", "samt", "av", "i", "på", "för", "till", "med", "om", "som", "att", "från",
    "vid", "mellan", "inom", "under", "enligt", "kring", "hos", "mot", "över", "efter", "den",
    "det", "de", "en", "ett",
}
QUESTION_WORDS = ("När ", "Hur ", "Vad ", "Vem ", "Vilka ", "Vilken ", "Vilket ", "Varför ")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
MARGIN_WORD = re.compile(r"(?<=[.!?])\s+[A-ZÅÄÖ][a-zåäö]{1,11}$")
SHORT_LINE = 0.8  # of the local text width
FIGURE_MARGIN = 3  # leading spaces: body text starts at the margin or one space in
TABLE_MARKS = re.compile(r"(?:^|\s)[xX✓✔](?:\s|$)")  # "Abstinensvård x  x": a table row
GLOSSARY = re.compile(r"^[A-ZÅÄÖ][\w-]{0,15}\s?=\s?\S")

HARD, SOFT = 2, 1


@dataclass
class Line:
    """One raw line while it is being classified (internal to this module)."""

    no: int
    text: str  # stripped
    indent: bool  # began with white space
    trailing: int  # trailing spaces in the raw line
    margin: int = 0  # leading spaces: a deep margin marks a label inside a figure
    blank: int = 0  # 0 text, SOFT, HARD
    role: str = "body"  # body | furniture | note
    page: int | None = None
    exact: bool = False
    note_no: int | None = None  # the number of the footnote this line begins


@dataclass
class Event:
    """A page fact found in the text: page `page` ends (footer) or begins (header) here."""

    at: int  # index into the line list
    page: int
    kind: str  # "end" | "start"
    total: int | None = None


@dataclass
class Piece:
    """A block being assembled from lines."""

    kind: BlockKind
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    number: str | None = None


# ---------------------------------------------------------------- 1. lines


def split_lines(raw: str) -> list[Line]:
    """Split raw text into lines, with exact pages when the text has form feeds."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    exact = "\f" in raw
    lines: list[Line] = []
    for page_no, segment in enumerate(raw.split("\f"), start=1):
        for text in segment.split("\n"):
            stripped = text.strip()
            line = Line(
                no=len(lines),
                text=stripped,
                indent=bool(stripped) and text[:1].isspace(),
                margin=len(text) - len(text.lstrip()) if stripped else 0,
                trailing=len(text) - len(text.rstrip()),
            )
            if exact:
                line.page, line.exact = page_no, True
            lines.append(line)
        if exact:  # a page break is always a paragraph-level break candidate
            lines.append(Line(no=len(lines), text="", indent=False, trailing=0))
            lines[-1].page, lines[-1].exact = page_no, True
    _mark_blanks(lines)
    return lines


def _mark_blanks(lines: list[Line]) -> None:
    """Blank lines are soft when the extractor put one after every line, else hard."""
    texts = [i for i, ln in enumerate(lines) if ln.text]
    pairs = itertools.pairwise(texts)
    spaced = sum(1 for a, b in pairs if b - a == 2 and not lines[a + 1].trailing)
    double_spaced = len(texts) > 10 and spaced > 0.5 * len(texts)
    run: list[Line] = []
    for line in [*lines, Line(no=-1, text="x", indent=False, trailing=0)]:
        if line.text:
            if run:
                hard = (
                    not double_spaced
                    or len(run) >= 2
                    or any(r.trailing > 0 for r in run)
                )
                for r in run:
                    r.blank = HARD if hard else SOFT
            run = []
        else:
            run.append(line)


# ---------------------------------------------------------------- 2. furniture


def _next_text(lines: list[Line], i: int, step: int = 1) -> int | None:
    """Index of the next (or previous) non-blank line from i, exclusive."""
    j = i + step
    while 0 <= j < len(lines):
        if lines[j].text:
            return j
        j += step
    return None


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
            before = _next_text(lines, i, -1)
            if before is not None and lines[before].text == "Sida":
                _mark_header_block(lines, before, title_words)
                line.role = "furniture"
                events.append(Event(at=i, page=page, kind="start", total=total))
                continue
            line.role = "furniture"
            events.append(Event(at=i, page=page, kind="end", total=total))
            _mark_footer_title(lines, i, title_words)
            after = _next_text(lines, i)
            if after is not None and DATE_LINE.match(lines[after].text):
                lines[after].role = "furniture"
    return events


def _mark_footer_title(lines: list[Line], i: int, title_words: set[str]) -> None:
    """The document title printed above a footer is furniture, not running text."""
    j = _next_text(lines, i, -1)
    taken = 0
    while j is not None and taken < 5 and _is_title_line(lines[j], title_words):
        lines[j].role = "furniture"
        taken += 1
        j = _next_text(lines, j, -1)


def _mark_header_block(lines: list[Line], sida: int, title_words: set[str]) -> None:
    """A label/value header block (Titel, Dokumentidentitet, …, Sida) that opens a page."""
    lines[sida].role = "furniture"
    j = _next_text(lines, sida, -1)
    while j is not None:
        line = lines[j]
        prev = _next_text(lines, j, -1)
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
        before = _next_text(lines, i, -1)
        after = _next_text(lines, i)
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


# ---------------------------------------------------------------- 3. notes


def find_notes(lines: list[Line]) -> set[int]:
    """Mark footnotes (numbered in sequence) and bare URL lines; return the footnote numbers."""
    expected = 1
    numbers: set[int] = set()
    in_note = False
    for i, line in enumerate(lines):
        if not line.text:
            continue
        if line.role == "furniture":
            in_note = False
            continue
        text = line.text
        match = FOOTNOTE.match(text)
        number = int(match.group(1)) if match else -1
        body = (match.group(3) or match.group(4) or "") if match else ""
        if match and expected <= number <= expected + 3 and _looks_like_footnote(
            body, bool(match.group(2)), in_note, lines, i
        ):
            line.role = "note"
            line.note_no = number
            numbers.add(number)
            expected = number + 1
            in_note = True
            continue
        if URL_LINE.match(text):
            line.role = "note"
            in_note = True
            continue
        if in_note and not line.indent and not _starts_block(text):
            line.role = "note"  # a footnote wrapped onto the next line
            continue
        in_note = False
    return numbers


def _looks_like_footnote(body: str, paren: bool, in_note: bool, lines: list[Line], i: int) -> bool:
    """A numbered line is a footnote, not running text, a heading or a list item."""
    if paren or not body or body.startswith(("http", "www.")):
        return True
    if body.startswith(("kap", "§", "st.", "p.", "år", "%", "kommun", "procent")):
        return False
    if re.match(r"^\d+\.", lines[i].text):
        return False  # "2. Utgångspunkter" is a heading or a numbered list item
    if body[0].islower() and not in_note:
        prev = _next_text(lines, i, -1)
        # A sentence cannot continue here when the line above ended one.
        return prev is not None and (
            lines[prev].role == "note" or bool(re.search(r"[.!?)][\d\s]*$", lines[prev].text))
        )
    return True


def _starts_block(text: str) -> bool:
    return bool(BULLET.match(text) or (HEADING_NUMBER.match(text) and text[0].isdigit()))


# ---------------------------------------------------------------- 4. pages

UNBOUNDED = 10**6
ADJACENT_LINES = 12  # a page's first or last sentence is never longer than this
# A footnote reference: digits glued to a word or a bracket ("region4", "(VIP)27"), after a
# word's punctuation ("stolarna.6", "sjukvård. 8"), or after a word at the very end of a line
# ("Hälso- och sjukvårdslagen 9"). Never part of a section number ("1.5.1"), a law reference
# ("5 kap.1 §", "2016/17:59") or running text ("Av 8 a § HSL", "delmål 19 Öka").
REFERENCES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?:(?<=[^\W\d_])|(?<=[)”’]))(\d{1,3})(?!\w)",
        r"(?:(?<=[^\W\d_][.,:;!?])|(?<=[)”’][.,:;!?]))\s{0,3}(\d{1,3})"
        r"(?=[.,;:)]*(?:\s+[A-ZÅÄÖ]|\s*$))",
        r"(?<=[^\W\d_])\s(\d{1,3})\s*$",
    )
)


@dataclass
class Bounds:
    """The pages the markers allow for each text line (internal to this module)."""

    low: list[int]
    high: list[int]
    same: list[tuple[int, int, int]] = field(default_factory=list)  # page(b) == page(a) + d
    starts: set[int] = field(default_factory=set)  # text lines that certainly open a page

    def copy(self) -> Bounds:
        return Bounds(list(self.low), list(self.high), list(self.same), set(self.starts))

    def known(self, k: int) -> int | None:
        return self.low[k] if self.low[k] == self.high[k] else None


def assign_pages(lines: list[Line], events: list[Event]) -> None:
    """Give a line a page only where the markers make it certain, or it is next to one.

    Certain: a footer closes its page and a header opens one, so between two markers the
    numbers pin every line. A block of numbered footnotes also closes a page (notes sit at
    the foot of the page that refers to them): a note and its reference share a page, and
    the text after the block opens the next one. Next to a marker: the sentence that opens
    a page (with a heading above it) and the one that closes it — a page break never falls
    inside them. Nothing else gets a page: a missing page is acceptable, a wrong one is not.
    """
    if not events or all(ln.exact for ln in lines):
        return
    text = [i for i, ln in enumerate(lines) if ln.text and ln.role != "furniture"]
    if not text:
        return
    bounds = _marker_bounds(lines, text, events)
    checked = bounds.copy()
    _add_footnotes(lines, text, events, bounds)
    if not _propagate(bounds):
        bounds = checked  # notes that contradict the markers were misread: use markers only
        _propagate(bounds)
    settled: tuple[list[int], list[int]] | None = None
    while settled != (bounds.low, bounds.high):  # a pinned sentence may pin a footnote block
        settled = (list(bounds.low), list(bounds.high))
        for first in sorted(bounds.starts):
            _pin_sentence(lines, text, bounds, first, forward=True)
            _pin_sentence(lines, text, bounds, first - 1, forward=False)
        _propagate(bounds)
    for k, i in enumerate(text):
        lines[i].page = bounds.known(k)


def _marker_bounds(lines: list[Line], text: list[int], events: list[Event]) -> Bounds:
    """Pages allowed by footers and headers: before, after, and the lines touching them."""
    total = max((e.total or 0) for e in events) or UNBOUNDED
    bounds = Bounds([1] * len(text), [total] * len(text))
    for e in events:
        opened = e.page + 1 if e.kind == "end" else e.page
        before = bisect.bisect_left(text, _block_start(lines, e.at)) - 1
        after = bisect.bisect_right(text, e.at)
        if before >= 0:
            _pin(bounds, before, opened - 1)
        if after < len(text):
            _pin(bounds, after, opened)
            bounds.starts.add(after)
    return bounds


def _pin(bounds: Bounds, k: int, page: int) -> None:
    bounds.low[k] = max(bounds.low[k], page)
    bounds.high[k] = min(bounds.high[k], page)


def _block_start(lines: list[Line], at: int) -> int:
    """First line of the furniture block (title, header labels) around the marker at `at`."""
    i = at
    while i > 0 and (lines[i - 1].role == "furniture" or not lines[i - 1].text):
        i -= 1
    return i


def _add_footnotes(lines: list[Line], text: list[int], events: list[Event], bounds: Bounds) -> None:
    """Blocks of numbered notes end pages; a note and the line that refers to it share one."""
    markers = [bisect.bisect_right(text, e.at) for e in events]
    searched = 0  # references to a block's notes lie after the previous block
    k = 0
    while k < len(text):
        if lines[text[k]].role != "note":
            k += 1
            continue
        first = k
        while k < len(text) and lines[text[k]].role == "note":
            k += 1
        numbers = [no for j in range(first, k) if (no := lines[text[j]].note_no) is not None]
        if not numbers:
            continue  # bare link lines can stand anywhere; numbered notes stand at a page foot
        bounds.same.extend((first, j, 0) for j in range(first + 1, k))
        if k < len(text) and lines[text[k]].role == "body":
            bounds.same.append((k - 1, k, 1))
            bounds.starts.add(k)
        start = max([searched, *(m for m in markers if m <= first)])
        refs = [(ref, no) for no in numbers if (ref := _reference(lines, text, start, first, no))]
        # References come in the order of their notes: one out of order is a false match.
        refs = [(r, no) for r, no in refs if all((r - r2) * (no - n2) >= 0 for r2, n2 in refs)]
        if refs:
            bounds.same.append((min(r for r, _ in refs), first, 0))
        searched = k


def _reference(
    lines: list[Line], text: list[int], start: int, stop: int, number: int
) -> int | None:
    """The last body line in text[start:stop] that refers to note `number` (None: none)."""
    for k in range(stop - 1, start - 1, -1):
        line = lines[text[k]]
        if line.role == "body" and number in _references(line.text):
            return k
    return None


def _references(text: str) -> set[int]:
    """The footnote numbers a line refers to."""
    return {int(m.group(1)) for pattern in REFERENCES for m in pattern.finditer(text)}


def _propagate(bounds: Bounds) -> bool:
    """Narrow every line's range until nothing changes; False on a contradiction."""
    low, high = bounds.low, bounds.high
    changed = True
    while changed:
        changed = False
        for k in range(1, len(low)):  # pages never decrease through the text
            if low[k] < low[k - 1]:
                low[k], changed = low[k - 1], True
        for k in range(len(high) - 2, -1, -1):
            if high[k] > high[k + 1]:
                high[k], changed = high[k + 1], True
        for a, b, d in bounds.same:
            for x, y, step in ((a, b, d), (b, a, -d)):
                lo, hi = max(low[y], low[x] + step), min(high[y], high[x] + step)
                if (lo, hi) != (low[y], high[y]):
                    low[y], high[y], changed = lo, hi, True
        if any(lo > hi for lo, hi in zip(low, high, strict=True)):
            return False
    return True


def _pin_sentence(
    lines: list[Line], text: list[int], bounds: Bounds, k: int, *, forward: bool
) -> None:
    """Give the sentence that opens (forward) or closes a page the page of its edge line k."""
    page = bounds.known(k) if 0 <= k < len(text) else None
    if page is None:
        return
    step = 1 if forward else -1
    body = 0
    for j in range(k, k + step * ADJACENT_LINES, step):
        if not 0 <= j < len(text) or not bounds.low[j] <= page <= bounds.high[j]:
            return
        line = lines[text[j]]
        if line.role == "body":
            body += 1
        elif forward or body:
            return  # notes close a page; notes above its last sentence are the page before's
        _pin(bounds, j, page)
        if forward and line.role == "body" and SENTENCE_END.search(line.text):
            return
        prev = lines[text[j - 1]] if j > 0 else None
        if not forward and body and (
            prev is None or prev.role != "body" or _ends(prev) or prev.trailing >= 2
        ):
            return


# ---------------------------------------------------------------- 5. blocks


def _follows(number: tuple[int, ...], last: tuple[int, ...] | None) -> bool:
    """Is `number` a plausible next section number after `last` (a sibling, child, uncle)?

    A repeat of the current number or an ancestor is allowed too: real documents number
    two sections alike (Dalarna's missbruk text has two 3.3 sections).
    """
    if last is None:
        return number[0] <= 2
    allowed = {(*last, 1)}
    for depth in range(len(last)):
        prefix = last[:depth]
        allowed.add(last[: depth + 1])
        for step in (1, 2):
            sibling = (*prefix, last[depth] + step)
            allowed.update({sibling, (*sibling, 1)})
    return number in allowed


def _numbered_heading(
    line: Line, next_line: Line | None, last: tuple[int, ...] | None
) -> tuple[int, ...] | None:
    """The section number when the line is a numbered heading in sequence, else None."""
    match = HEADING_NUMBER.match(line.text)
    if not match or len(line.text) > 110 or re.match(r"^\d{4}", line.text):
        return None
    number = tuple(int(p) for p in match.group(1).split("."))
    title = match.group(2)
    if not title[:1].isupper() or title.endswith((".", ",", ";")) or not _follows(number, last):
        return None
    # "1. Att individer … får" + "samordnat stöd … behov." is a numbered sentence.
    sentence = (
        next_line is not None
        and next_line.text[:1].islower()
        and next_line.blank == 0
        and SENTENCE_END.search(next_line.text)
    )
    return None if sentence else number


def _first_word(line: Line) -> str:
    return line.text.split(" ", 1)[0]


def _short(prev: Line, line: Line, width: int) -> bool:
    """Did `prev` end early: would the next line's first word have fitted after it?

    A PDF line only breaks before a word that does not fit, so a paragraph that goes on
    fills its lines; a short line ends a paragraph, a title or a table cell.
    """
    if prev.text.endswith((",", "-")):
        return False  # a sentence cannot end on a comma or a broken word
    return len(prev.text) + 1 + len(_first_word(line)) < SHORT_LINE * width


def _is_title(line: Line, next_line: Line | None, width: int, prev: Line | None = None) -> bool:
    """A short unnumbered title line ("Hjälpmedel", "Samordnad individuell plan, SIP")."""
    text = line.text
    if any(ln is not None and ln.margin >= FIGURE_MARGIN for ln in (prev, line, next_line)):
        return False  # a label in or next to a figure ("    Riskbruk"), not a title
    if len(text) > 90 or BULLET.match(text) or text.endswith((",", ";", ":")) or "=" in text:
        return False  # "HSL=Hälso- och sjukvårdslag" is a glossary line
    if next_line is not None and next_line.text[:1].islower() and next_line.blank == 0:
        return False
    words = text.split()
    if SENTENCE_END.search(text) or not (1 <= len(words) <= 9) or not text[:1].isupper():
        return False
    if words[-1].lower() in OPEN_ENDINGS:
        return False  # "Samverkan med": the rest is on the next line
    if words[0].endswith(":"):
        return False  # "Källa: Jämställ.nu och RFSL" is a label line
    if TABLE_MARKS.search(text):
        return False
    if next_line is not None and len(text) + 1 + len(_first_word(next_line)) >= width:
        return False  # a full line that wrapped, not a title
    if next_line is not None and len(next_line.text) < 20 and next_line.text.endswith((".", ",")):
        return False  # a table's column head ("Primärvård" over "VC, inkl.")
    if not text.startswith(QUESTION_WORDS) and any(w.lower() in FINITE_VERBS for w in words[1:]):
        return False  # a sentence that lost its full stop, not a title
    digits = sum(ch.isdigit() for ch in YEAR.sub("", text))
    return digits <= 4 and "|" not in text


def _is_item_start(line: Line, prev_body: Line | None, list_next: int, lost: bool) -> int:
    """List level (1 or 2) when the line opens a list item, else 0.

    `list_next` is the number the current numbered list would continue with (0: none);
    `lost` is set inside a list whose bullet glyphs were lost in extraction.
    """
    text = line.text
    if BULLET.match(text) or LETTERED.match(text):
        return 1
    if SUB_BULLET.match(text):
        return 2
    numbered = re.match(r"^(\d{1,2})[.)]\s+\S", text)
    if numbered and (
        int(numbered.group(1)) == list_next
        or (prev_body is not None and prev_body.text.endswith(":"))
    ):
        return 1
    # A lost glyph leaves only its indent: an indented line in lower case after a lead-in.
    after_lead_in = lost or (prev_body is not None and prev_body.text.endswith(":"))
    if after_lead_in and line.indent and text[:1].islower():
        return 1
    return 0


def _ends(line: Line) -> bool:
    return bool(SENTENCE_END.search(line.text)) or line.text.endswith(":")


def _ended(prev: Line, line: Line, width: int) -> bool:
    """Does the paragraph visibly end at `prev` (full stop, paragraph mark, short line)?"""
    # Extractors keep Word's paragraph mark as two trailing spaces; a wrap leaves one.
    return _ends(prev) or prev.trailing >= 2 or _short(prev, line, width)


def _continues(prev: Line, line: Line) -> bool:
    """A line that can only be the rest of the sentence before it."""
    first = line.text[:1]
    return (first.islower() and not SENTENCE_END.search(prev.text)) or first in ",;"


def _joins(prev: Line, line: Line, width: int) -> bool:
    """Does a line that starts in upper case continue the paragraph that `prev` ends?"""
    if line.blank == HARD or prev.trailing >= 2 or prev.text.endswith(":"):
        return False
    if GLOSSARY.match(line.text):
        return False  # each "HSL=Hälso- och sjukvårdslag" line is an entry of its own
    if not _ends(prev):
        return not _short(prev, line, width)  # "… Region" + "Dalarna …" on a full line
    return len(prev.text) >= 0.8 * width  # a sentence ended at the right margin


def build_pieces(lines: list[Line]) -> list[Piece]:
    """Group body and note lines into headings, paragraphs, items and footnotes."""
    body = [ln for ln in lines if ln.text and ln.role == "body"]
    widths = sorted(len(ln.text) for ln in body) or [80]
    page_width = widths[int(len(widths) * 0.9)]  # full lines; short table cells are many
    recent: deque[int] = deque(maxlen=6)  # the local text width: narrow columns, tables
    following: list[Line | None] = [None] * len(lines)  # the next body line after each line
    for i in range(len(lines) - 2, -1, -1):
        after = lines[i + 1]
        following[i] = after if after.text and after.role == "body" else following[i + 1]
    pieces: list[Piece] = []
    notes: list[Piece] = []  # footnotes wait until the sentence they interrupt is complete
    current: Piece | None = None
    prev: Line | None = None
    pending_hard = False
    lost_glyph_list = False
    last_number: tuple[int, ...] | None = None
    section: Piece | None = None  # the last numbered heading
    list_next = 0

    def start(piece: Piece) -> Piece:
        pieces.extend(notes)
        notes.clear()
        pieces.append(piece)
        return piece

    for idx, line in enumerate(lines):
        if not line.text:
            pending_hard = pending_hard or line.blank == HARD
            continue
        if line.role == "furniture":
            continue
        if line.role == "note":
            if line.note_no is not None or URL_LINE.match(line.text) or not notes:
                if notes and URL_LINE.match(line.text) and notes[-1].lines[-1].text.isdigit():
                    notes[-1].lines.append(line)  # "23" + its link on the next line
                else:
                    notes.append(Piece("footnote", [line]))
            else:
                notes[-1].lines.append(line)
            continue
        line.blank = HARD if pending_hard else 0
        pending_hard = False
        width = max([*recent, len(line.text)]) if len(recent) >= 3 else page_width
        recent.append(len(line.text))
        nxt = following[idx]
        level = _is_item_start(line, prev, list_next, lost_glyph_list)
        may_head = (
            prev is None
            or _ended(prev, line, width)
            or line.blank == HARD
            or line.indent
            or (current is not None and current.kind == "heading")
        )
        if level:
            if not BULLET.match(line.text) and not SUB_BULLET.match(line.text) and line.indent:
                lost_glyph_list = lost_glyph_list or line.text[:1].islower()
            numbered = re.match(r"^(\d{1,2})[.)]\s", line.text)
            list_next = int(numbered.group(1)) + 1 if numbered else list_next
            current = start(Piece("item", [line], level=level))
        elif current is not None and prev is not None and _continues(prev, line):
            current.lines.append(line)
        elif (number := _numbered_heading(line, nxt, last_number)) is not None and (
            may_head or number != last_number
        ):
            last_number = number
            lost_glyph_list = False
            list_next = 0
            label = ".".join(map(str, number))
            current = section = start(Piece("heading", [line], level=len(number), number=label))
        # A title is short against the page, even among the narrow cells of a table; and a
        # section whose heading ends in a colon holds a list of entries, not subsections.
        elif (
            may_head
            and not (section is not None and section.lines[-1].text.endswith(":"))
            and _is_title(line, nxt, max(width, page_width), prev)
        ):
            lost_glyph_list = False
            current = start(Piece("heading", [line]))
        elif re.match(r"^1[.)]\s+\S", line.text):
            list_next = 2  # a numbered list that opens without a lead-in
            current = start(Piece("item", [line], level=1))
        elif (
            current is not None
            and current.kind != "heading"
            and prev is not None
            and _joins(prev, line, width)
        ):
            current.lines.append(line)
        else:
            lost_glyph_list = False
            current = start(Piece("paragraph", [line]))
        prev = line
    pieces.extend(notes)
    return pieces


# ---------------------------------------------------------------- 6. render


def _join_lines(lines: list[Line], vocabulary: str) -> tuple[str, list[int]]:
    """Rejoin broken lines, undoing line-end hyphenation but keeping `hälso- och`.

    Returns the text and where each line starts in it, so that pages stay exact.
    """
    out = ""
    starts: list[int] = []
    for line in lines:
        text = re.sub(r"\s{2,}", " ", line.text)
        if out.endswith("-") and not out.endswith(" -"):
            head = out.rsplit(" ", 1)[-1]
            first = text.split(" ", 1)[0]
            if text.startswith(COORDINATORS) or text[:1] in ",&":
                out += " "  # Swedish coordinating hyphen: "hälso- och sjukvård"
            elif head[:-1].isupper() or head[:-1].isdigit() or not text[:1].islower():
                pass  # a real compound hyphen: "SIP-processen", "LVM-vård"
            elif _broken_word(head[:-1], first, vocabulary):
                out = out[:-1]  # a word broken at the line end: "be-" + "roendevården"
        elif out:
            out += " "
        starts.append(len(out))
        out += text
    return out, starts


def _broken_word(head: str, tail: str, vocabulary: str) -> bool:
    """Was one word split at a line end (drop the hyphen), not a compound written with one?

    It was when the whole word occurs in the text, alone or inside a longer word
    ("planeringspro-" + "cess" in "vårdplaneringsprocessen"). Links keep their hyphens.
    """
    if "/" in head + tail or "." in head:
        return False
    word = (head + tail.rstrip(".,:;)")).lower()
    return word.isalpha() and word in vocabulary


def _clean_item(text: str) -> tuple[str, int]:
    """Drop the bullet glyph (numbered and lettered items keep their marker); chars removed."""
    for pattern in (BULLET, SUB_BULLET):
        match = pattern.match(text)
        if match:
            return text[match.end() :], match.end()
    return text, 0


def _drop_margin_word(text: str) -> str:
    """A lone capitalised word after the full stop that ends a block is a margin note.

    PDFs of revised agreements mark changed passages in the margin ("Nytt"); extraction
    puts the mark after the last sentence of the block. A sentence of one word cannot
    start there, since the next line opens a new block.
    """
    match = MARGIN_WORD.search(text)
    return text[: match.start()] if match else text


def _lead_in(text: str) -> str:
    """The last sentence of a paragraph that introduces a list."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", text)
    return parts[-1]


def render(meta: DocumentMeta, pieces: list[Piece], vocabulary: str) -> Document:
    """Lay the pieces out as one text with block spans, trails and page spans."""
    chunks: list[str] = []
    blocks: list[Block] = []
    spans: list[PageSpan] = []
    pos = 0
    numbered: list[tuple[int, str]] = []  # (level, heading text)
    # Unnumbered titles: an appendix ("Bilaga"), a parent (a title directly followed by
    # another title) and the current title. Their real hierarchy is lost in the PDF.
    titles: dict[str, str | None] = {"appendix": None, "parent": None, "title": None}
    last_kind = ""
    lead_in: str | None = None
    last_para: str | None = None

    def trail() -> tuple[str, ...]:
        unnumbered = (titles["appendix"], titles["parent"], titles["title"])
        return tuple(t for _, t in numbered) + tuple(t for t in unnumbered if t)

    for piece in pieces:
        text, starts = _join_lines(piece.lines, vocabulary)
        removed = 0
        if piece.kind == "item":
            text, removed = _clean_item(text)
        if piece.kind in ("item", "paragraph"):
            text = _drop_margin_word(text)
        if not text or (piece.kind == "footnote" and text.isdigit()):
            continue  # a note number whose text the extraction lost says nothing
        kind = piece.kind
        level = piece.level
        if kind == "heading":
            if piece.number:
                numbered[:] = [(lv, t) for lv, t in numbered if lv < level]
                numbered.append((level, text))
                titles.update(appendix=None, parent=None, title=None)
            elif text.lower().startswith("bilaga"):
                numbered.clear()
                titles.update(appendix=text, parent=None, title=None)
            elif last_kind == "heading" and titles["title"]:
                titles.update(parent=titles["title"], title=text)
            else:
                titles["title"] = text
            trail_now = trail()
            level = len(trail_now)
            lead_in = text
        elif kind == "item":
            if last_kind not in ("item", "footnote") and last_para and last_para.endswith(":"):
                lead_in = _lead_in(last_para)
            trail_now = trail()
        else:
            trail_now = trail()
        marker = ""
        if kind == "item" and not (NUMBERED_ITEM.match(text) or LETTERED.match(text)):
            marker = "• " if level == 1 else "  – "
        shown = marker + text
        sep = "" if not chunks else ("\n" if kind == "item" and last_kind == "item" else "\n\n")
        pos += len(sep)
        start = pos
        chunks.append(sep + shown)
        pos += len(shown)
        blocks.append(
            Block(
                kind=kind,
                text=shown,
                trail=trail_now,
                start=start,
                end=pos,
                lead_in=lead_in if kind == "item" else None,
                level=level,
            )
        )
        offsets = [0] + [len(marker) + max(0, s - removed) for s in starts[1:]]
        spans.extend(_line_pages(piece.lines, offsets, start, pos))
        if kind == "paragraph":
            last_para = text
            lead_in = None
        if kind != "footnote":
            last_kind = kind
    text = "".join(chunks)
    known = [s.page for s in spans if s.page is not None]
    return Document(
        meta=meta,
        text=text,
        blocks=tuple(blocks),
        pages=tuple(_merge_spans(spans, len(text))),
        page_count=max(known) if known else None,
    )


def _line_pages(lines: list[Line], offsets: list[int], start: int, end: int) -> list[PageSpan]:
    """Page spans of one rendered block: each line's exact stretch of the block's text."""
    bounds = [min(start + o, end) for o in offsets] + [end]
    return [
        PageSpan(line.page, a, b)
        for line, a, b in zip(lines, bounds, bounds[1:], strict=False)
        if b > a
    ]


def _merge_spans(spans: list[PageSpan], length: int) -> list[PageSpan]:
    merged: list[PageSpan] = []
    for span in spans:
        if merged and merged[-1].page == span.page:
            merged[-1] = PageSpan(span.page, merged[-1].start, span.end)
        elif merged:
            # Separators between blocks belong to the earlier span.
            merged[-1] = PageSpan(merged[-1].page, merged[-1].start, span.start)
            merged.append(span)
        else:
            merged.append(PageSpan(span.page, 0, span.end))
    if merged:
        merged[-1] = PageSpan(merged[-1].page, merged[-1].start, length)
    return [s for s in merged if s.end > s.start]


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
    # Words of the text, leaving out the halves of words broken at a line end.
    words = {w.lower() for w in WORD.findall(re.sub(r"\S+-[ \t]*\n\s*\S+", " ", raw))}
    vocabulary = "\n".join(sorted(words))
    return render(meta, build_pieces(lines), vocabulary)


def page_at(doc: Document, start: int, end: int) -> tuple[int | None, int | None]:
    """First and last page of a span, each None where the text does not reveal it."""
    spans = [s for s in doc.pages if s.start < max(end, start + 1) and s.end > start]
    if not spans:
        return None, None
    return spans[0].page, spans[-1].page
