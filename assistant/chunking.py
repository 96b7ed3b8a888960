"""Section-aware chunking (work in progress)."""

from __future__ import annotations

import hashlib

from assistant.models import Chunk, Document
from assistant.settings import Settings


def chunk_document(doc: Document, settings: Settings) -> list[Chunk]:
    """Cut one document into passages."""
    out = []
    for b in doc.blocks:
        cid = hashlib.sha1(f"{doc.id}:{b.start}:{b.text}".encode()).hexdigest()[:16]
        out.append(Chunk(id=cid, document_id=doc.id, text=b.text, trail=b.trail,
                         page_start=None, page_end=None, start=b.start, end=b.end))
    return out


def chunk_documents(docs: list[Document], settings: Settings) -> list[Chunk]:
    """Cut every document into passages, in document order."""
    return [c for d in docs for c in chunk_document(d, settings)]
