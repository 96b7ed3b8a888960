"""Step 4, pages: a page for a line only where the markers make it certain.

Between two markers (footers, headers, blocks of footnotes) the numbers pin every line, and
the sentence that opens or closes a page shares the marker's page; every other line keeps
no page, since a wrong page is worse than none.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from assistant.ingest.normalise.furniture import Event
from assistant.ingest.normalise.lines import SENTENCE_END, Line, ends

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
            prev is None or prev.role != "body" or ends(prev) or prev.trailing >= 2
        ):
            return
