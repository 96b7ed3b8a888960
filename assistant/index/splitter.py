"""The recursive character splitter that cuts a section into passage-sized pieces.

A text longer than `size` characters is cut at the coarsest separator it holds (a blank
line, then a line break, then ". ", "; ", ", ", a space, and finally between any two
characters); the cuts are merged back into pieces of at most `size` characters, each
piece beginning with up to `overlap` characters of the one before. A separator stays at
the end of the text it closes, and each piece is stripped of surrounding whitespace.

This is the algorithm of langchain-text-splitters' `RecursiveCharacterTextSplitter`
(keep_separator="end", strip_whitespace, add_start_index), which cut the index's
passages before: written out here it gives the same pieces, and serving no longer
installs langchain-core and langsmith (about 60 MB) for it.
"""

from __future__ import annotations


def split_spans(
    text: str, size: int, overlap: int, separators: list[str]
) -> list[tuple[int, int]]:
    """Character spans of the pieces of `text`, in order."""
    spans: list[tuple[int, int]] = []
    start = previous = 0
    for piece in _split(text, separators, size, overlap):
        # A piece starts at or after where the last one's overlap could begin.
        start = text.find(piece, max(0, start + previous - overlap))
        spans.append((start, start + len(piece)))
        previous = len(piece)
    return spans


def _split(text: str, separators: list[str], size: int, overlap: int) -> list[str]:
    """Pieces of `text`, cut at the first separator it holds, long cuts cut finer."""
    separator, finer = separators[-1], []
    for i, candidate in enumerate(separators):
        if not candidate or candidate in text:
            separator, finer = candidate, (separators[i + 1 :] if candidate else [])
            break
    pieces: list[str] = []
    short: list[str] = []
    for cut in _cuts(text, separator):
        if len(cut) < size:
            short.append(cut)
            continue
        if short:
            pieces.extend(_merge(short, size, overlap))
            short = []
        pieces.extend(_split(cut, finer, size, overlap) if finer else [cut])
    if short:
        pieces.extend(_merge(short, size, overlap))
    return pieces


def _cuts(text: str, separator: str) -> list[str]:
    """`text` cut after each `separator` (kept at the end of its cut); no empty cuts."""
    if not separator:
        return list(text)
    parts = text.split(separator)
    cuts = [part + separator for part in parts[:-1]] + parts[-1:]
    return [cut for cut in cuts if cut]


def _merge(cuts: list[str], size: int, overlap: int) -> list[str]:
    """Neighbouring cuts joined into pieces of at most `size`, overlapping by ≤ `overlap`."""
    pieces: list[str] = []
    current: list[str] = []
    total = 0
    for cut in cuts:
        if total + len(cut) > size and current:
            piece = "".join(current).strip()
            if piece:
                pieces.append(piece)
            # Keep the tail that fits in the overlap and leaves room for this cut.
            while total > overlap or (total + len(cut) > size and total > 0):
                total -= len(current[0])
                current = current[1:]
        current.append(cut)
        total += len(cut)
    piece = "".join(current).strip()
    if piece:
        pieces.append(piece)
    return pieces
