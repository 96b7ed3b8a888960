"""Section-aware chunking: passages never cross a heading, and keep who is responsible.

Each section (blocks sharing one heading trail) is cut with the recursive splitter
(`index.splitter`).
A passage that starts inside a list carries the list's lead-in ("Regionen ansvarar för:")
in front of its text, so no passage loses the party that the list is about. Footnotes
and link lines of a section become passages of their own, out of the running text.
A piece too short to stand alone (a heading whose paragraph is long) joins its neighbour
in the same section. A passage's first and last page are each given only where the
normalised text knows them (`page_at`), never guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import groupby

from assistant.index.splitter import split_spans
from assistant.ingest.normalise import NORMALISER_VERSION, page_at
from assistant.models import LEAD_IN_GAP, Block, Chunk, Document
from assistant.settings import Settings

# Part of the index fingerprint: bump when passages would come out differently.
CHUNKER_VERSION = f"3+n{NORMALISER_VERSION}"
MIN_PASSAGE = 100  # characters: a shorter piece of a section joins its neighbour
SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]


def _sections(doc: Document) -> Iterator[tuple[tuple[str, ...], bool, list[Block]]]:
    """Runs of blocks with the same trail, footnotes apart from running text.

    A title directly followed by a subtitle has no text of its own and lives on in the
    trail. Where the trail cannot hold it (three unnumbered titles in a row), it opens
    the next section's text instead; a title that is no ancestor of what follows stays a
    passage of its own. No heading is lost.
    """
    waiting: list[Block] = []  # headings without text of their own
    for (trail, is_note), run in groupby(doc.blocks, key=lambda b: (b.trail, b.kind == "footnote")):
        blocks = list(run)
        if not is_note and all(b.kind == "heading" for b in blocks):
            waiting.extend(blocks)
            continue
        missing = [b for b in waiting if b.text not in trail]
        if missing and len(missing) < len(waiting) and not is_note:
            blocks = waiting[waiting.index(missing[0]) :] + blocks  # the section's ancestors
        elif missing:
            yield waiting[-1].trail, False, missing  # headings of nothing that follows
        waiting = []
        yield trail, is_note, blocks
    if waiting:
        yield waiting[-1].trail, False, waiting


def _pieces(text: str, settings: Settings) -> list[tuple[int, int]]:
    """Spans of the splitter's pieces; a tiny one (a heading alone) joins its neighbour."""
    spans: list[tuple[int, int]] = []
    for start, end in split_spans(text, settings.chunk_size, settings.chunk_overlap, SEPARATORS):
        if spans and spans[-1][1] - spans[-1][0] < MIN_PASSAGE:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < MIN_PASSAGE:
        start, end = spans.pop()
        spans[-1] = (spans[-1][0], max(spans[-1][1], end))
    return spans


def _lead_in_for(blocks: list[Block], start: int, text: str) -> str | None:
    """The lead-in of the list a passage starts in, unless the passage already has it."""
    for block in blocks:
        if block.start <= start < block.end or start < block.start:
            if block.kind == "item" and block.lead_in and block.lead_in not in text:
                return block.lead_in
            return None
    return None


def chunk_document(doc: Document, settings: Settings) -> list[Chunk]:
    """Cut one document into passages with stable ids, trails, pages and spans."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for trail, _is_note, blocks in _sections(doc):
        base = blocks[0].start
        section_text = doc.text[base : blocks[-1].end]
        for offset, stop in _pieces(section_text, settings):
            start, end = base + offset, base + stop
            body = doc.text[start:end]
            lead_in = _lead_in_for(blocks, start, body)
            text = f"{lead_in}{LEAD_IN_GAP}{body}" if lead_in else body
            first, last = page_at(doc, start, end)
            key = hashlib.sha256(f"{doc.id}\x1f{'›'.join(trail)}\x1f{text}".encode()).hexdigest()
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:  # the same words twice in one section: keep ids distinct
                key = hashlib.sha256(f"{key}:{seen[key]}".encode()).hexdigest()
            chunks.append(
                Chunk(
                    id=f"{doc.id[:24]}-{key[:12]}",
                    document_id=doc.id,
                    text=text,
                    trail=trail,
                    page_start=first,
                    page_end=last,
                    start=start,
                    end=end,
                    lead_in=lead_in,
                )
            )
    return chunks


def chunk_documents(docs: list[Document], settings: Settings) -> list[Chunk]:
    """Cut every document into passages, in document order."""
    return [chunk for doc in docs for chunk in chunk_document(doc, settings)]
