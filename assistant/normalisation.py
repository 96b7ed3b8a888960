"""Normalisation of PDF-extracted text into a Document (work in progress)."""

from __future__ import annotations

from assistant.models import Block, Document, DocumentMeta, PageSpan


def normalise(meta: DocumentMeta, raw: str) -> Document:
    """Turn raw extracted text into a Document with pages and sections."""
    paragraphs = [p.strip() for p in raw.replace("\r\n", "\n").split("\n\n") if p.strip()]
    text = "\n\n".join(paragraphs)
    blocks = []
    pos = 0
    for p in paragraphs:
        blocks.append(Block(kind="paragraph", text=p, trail=(), start=pos, end=pos + len(p)))
        pos += len(p) + 2
    return Document(meta=meta, text=text, blocks=tuple(blocks), pages=(PageSpan(None, 0, len(text)),))
