"""Extraction: every reading of one agreement assembled into `Statement`s in text order —
each with its form, id, passage, section and page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

from assistant.index.statements.clause import _Actor
from assistant.index.statements.drafts import _Draft
from assistant.index.statements.lists import _item_statements, _lead_of
from assistant.index.statements.prose import _divided, _paragraph_statements
from assistant.index.statements.sentences import _clean
from assistant.index.statements.tables import _actor_rows, _blocks_of, _table_rows, _x_matrices
from assistant.ingest.normalise import page_at
from assistant.models import SECTION_SEPARATOR, Chunk, Document, Statement, StatementForm


def _form(draft: _Draft) -> StatementForm:
    if draft.form in ("table", "list", "divided"):
        return draft.form
    if draft.polarity == "not":
        return "negation"
    if draft.actor.party == "gemensamt" and _joint_phrase(draft.actor):
        return "joint"
    return "prose"


def _joint_phrase(actor: _Actor) -> bool:
    """Both parties named, or a word for them all ("huvudmännen", "varje verksamhet"),
    not one joint body ("Beredningsgruppen", whose name comes from one agreement)."""
    if len({m.party for m in actor.mentions}) > 1:
        return True
    return any(m.actor.source.startswith("allmän") for m in actor.mentions)


def _chunk_for(chunks: Sequence[Chunk], at: int) -> str | None:
    for chunk in chunks:
        if chunk.start <= at < chunk.end:
            return chunk.id
    return None


def _finish(doc: Document, chunks: Sequence[Chunk], draft: _Draft) -> Statement:
    spans = tuple(dict.fromkeys(draft.spans))
    quotes = tuple(doc.text[a:b] for a, b in spans)
    own = _own_span(draft)
    first_page, _last = page_at(doc, own[0], own[1])
    actor = draft.actor.text.strip(" ,")
    key = hashlib.sha256(
        f"{doc.id}\x1f{spans}\x1f{actor}\x1f{draft.actor.party}".encode()
    ).hexdigest()[:12]
    return Statement(
        id=f"{doc.id[:24]}-st-{key}",
        document_id=doc.id,
        chunk_id=_chunk_for(chunks, own[0]),
        actor=actor,
        party=draft.actor.party,
        duty=draft.duty,
        conditions=draft.conditions,
        polarity=draft.polarity,
        quotes=quotes,
        spans=spans,
        section=SECTION_SEPARATOR.join(draft.block.trail),
        page=first_page,
        form=_form(draft),
    )


def _own_span(draft: _Draft) -> tuple[int, int]:
    """The span the statement itself stands in: a list item's (not its lead-in's), a
    divided sentence's own (not its partner's)."""
    if draft.form == "list":
        return draft.spans[-1]
    if draft.form == "divided" and len(draft.spans) > 1:
        own = [s for s in draft.spans if draft.block.start <= s[0] < draft.block.end]
        return own[-1] if own else draft.spans[0]
    return draft.spans[0]


def extract_statements(
    document: Document, chunks: Sequence[Chunk] = (), raw: str | None = None
) -> list[Statement]:
    """Who does what in one agreement, in text order. `chunks` are its passages (each
    statement names the one it lies in); `raw`, the text as extracted, lets a table be read
    with its empty cells."""
    blocks = document.blocks
    tables = _x_matrices(document, raw)
    rows = _actor_rows(document, [(i, b) for i, b in enumerate(blocks) if b.kind == "paragraph"])
    taken = {id(d.block) for d in tables} | {id(d.block) for d in rows}
    table_blocks = {i for t in _table_rows(document) for r in t for i in _blocks_of(document, r)}
    drafts: list[_Draft] = []
    for index, block in enumerate(blocks):
        if id(block) in taken or index in table_blocks:
            continue
        if block.kind == "paragraph":
            opens_list = index + 1 < len(blocks) and blocks[index + 1].kind == "item"
            drafts.extend(_paragraph_statements(document, index, block, opens_list))
        elif block.kind == "item":
            lead = _lead_of(document, block, index)
            if block.level >= 2 and lead is not None and lead.actor is not None:
                parent = next(
                    (
                        b
                        for b in reversed(blocks[:index])
                        if b.kind == "item" and b.level < block.level
                    ),
                    None,
                )
                if parent is not None:  # a sub-item: its lead-in is the list's and its parent's
                    lead = replace(lead, text=f"{lead.text} {_clean(parent.text)}")
            drafts.extend(_item_statements(document, index, block, lead))
    drafts.extend(tables)
    drafts.extend(rows)
    drafts.sort(key=lambda d: _own_span(d)[0])
    _divided(drafts)
    return [_finish(document, chunks, d) for d in drafts]


def extract_corpus(
    documents: Iterable[Document],
    chunks: Sequence[Chunk] = (),
    raws: dict[str, str] | None = None,
) -> list[Statement]:
    """The statements of every document, each with its own document's passages and raw text."""
    by_document: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_document.setdefault(chunk.document_id, []).append(chunk)
    out: list[Statement] = []
    for doc in documents:
        out.extend(extract_statements(doc, by_document.get(doc.id, []), (raws or {}).get(doc.id)))
    return out
