"""Step 6b, render: one normalised text with character spans for blocks and pages."""

from __future__ import annotations

import re

from assistant.ingest.normalise.blocks import Piece
from assistant.ingest.normalise.joins import join_lines
from assistant.ingest.normalise.lines import BULLET, LETTERED, SUB_BULLET, Line
from assistant.models import Block, Document, DocumentMeta, PageSpan

NUMBERED_ITEM = re.compile(r"^\d{1,2}[.)]\s+\S")
MARGIN_WORD = re.compile(r"(?<=[.!?])\s+[A-ZÅÄÖ][a-zåäö]{1,11}$")


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
    after_opening = False  # the last block is the document's own title
    lead_in: str | None = None
    last_para: str | None = None

    def trail() -> tuple[str, ...]:
        unnumbered = (titles["appendix"], titles["parent"], titles["title"])
        return tuple(t for _, t in numbered) + tuple(t for t in unnumbered if t)

    for piece in pieces:
        text, starts = join_lines(piece.lines, vocabulary)
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
            if piece.opening:
                titles.update(appendix=None, parent=None, title=text)
            elif piece.number:
                numbered[:] = [(lv, t) for lv, t in numbered if lv < level]
                numbered.append((level, text))
                titles.update(appendix=None, parent=None, title=None)
            elif text.lower().startswith("bilaga"):
                numbered.clear()
                titles.update(appendix=text, parent=None, title=None)
            elif last_kind == "heading" and titles["title"] and not after_opening:
                # A title directly under a title is its child; under the document's own
                # title it is the first section, not a child of the whole document.
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
            after_opening = piece.opening
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
