"""Hybrid retrieval: dense (e5) and lexical (BM25) candidates, fused, filtered, de-duplicated.

Filters come first so that every result can be shown for the question's region: a region
named in the question (or given explicitly) restricts the search to that region's
agreements plus national guidance; a named place without an agreement returns nothing,
with the place reported for the answer layer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date

from assistant.errors import InputError
from assistant.index import lexical, vectors
from assistant.index.build import LoadedIndex
from assistant.index.embedding import Embedder
from assistant.models import Hit, RegionQuery
from assistant.search.query import Query, clean_question, make_query
from assistant.search.regions import canonical_region, detect_region
from assistant.search.spelling import speller_for
from assistant.settings import Settings


@dataclass(frozen=True)
class Filters:
    """What the caller restricts the search to."""

    region: str | None = None  # a län name; None = detect from the question
    document_ids: tuple[str, ...] = ()
    target_group: str | None = None
    valid_on: date | None = None  # only agreements valid on this day


@dataclass(frozen=True)
class Retrieval:
    """The passages found for a question, and the question as analysed (`query`)."""

    query: Query
    hits: tuple[Hit, ...]
    searched_documents: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def question(self) -> str:
        """The cleaned question, place names and all."""
        return self.query.text

    @property
    def place(self) -> RegionQuery:
        """What the question (or the caller) said about place."""
        return self.query.place


# "enligt SKR", "SKR:s stöd", "vad säger SKR": the question asks what the national guidance
# says (not "SKR:s handlingsplan", a plan the agreements themselves mention).
_SKR = r"(?:SKR|Sveriges Kommuner och Regioner)"
NATIONAL_ASKED = re.compile(
    rf"\benligt {_SKR}|\b{_SKR}:?s (?:stöd|vägledning|checklista|rekommendation\w*)\b|"
    rf"\b(?:säger|anser|rekommenderar|skriver) {_SKR}|\b{_SKR} (?:säger|anser|rekommenderar)|"
    r"\bnationell\w* (?:vägledning|stöd)\b",
    re.IGNORECASE,
)


def select_documents(
    index: LoadedIndex, filters: Filters, place: RegionQuery, *, national: bool = False
) -> tuple[str, ...]:
    """The documents a question may be answered from, after region and other filters.

    `national`: the question asks for the national guidance; when there is some (and no
    region or document was chosen), only it is searched.
    """
    unknown = [d for d in filters.document_ids if d not in index.documents]
    if unknown:
        raise InputError(f"Okänt dokument-id: {', '.join(unknown)}.")
    guidance = [m.id for m in index.documents.values() if m.region is None]
    if national and guidance and not (place.region or place.uncovered or filters.document_ids):
        filters = replace(filters, document_ids=tuple(guidance))
    chosen = []
    for meta in index.documents.values():
        if filters.document_ids and meta.id not in filters.document_ids:
            continue
        if place.uncovered or (place.region and meta.region not in (None, place.region)):
            continue
        if filters.target_group and filters.target_group not in meta.target_groups:
            continue
        if filters.valid_on and not meta.in_force_on(filters.valid_on):
            continue
        chosen.append(meta.id)
    return tuple(chosen)


def locate(question: str, filters: Filters, covered: set[str]) -> RegionQuery:
    """The place a question is about: a place the question names, else the region of the
    request. A named place that contradicts the request's region (a setting remembered from
    earlier) wins, and says which region it was named instead of."""
    named = detect_region(question, covered)
    if filters.region:
        region = canonical_region(filters.region)
        if (named.region or named.uncovered) not in (None, region):
            return replace(named, instead_of=region)
        if region not in covered:
            return RegionQuery(region=None, uncovered=region, mentioned=(filters.region,))
        # The question's own words for the region ("i varmland", "Karlstad") filter too.
        own = named.mentioned if named.region == region else ()
        return RegionQuery(region=region, mentioned=(*own, filters.region))
    return named


def fuse(
    dense: list[tuple[int, float]],
    lexical_hits: list[tuple[int, float]],
    settings: Settings,
) -> list[tuple[int, float, float, float]]:
    """(row, dense, lexical, fused) best first, by reciprocal rank or weighted scores."""
    d_scores = dict(dense)
    l_scores = dict(lexical_hits)
    rows = set(d_scores) | set(l_scores)
    w = settings.dense_weight
    if settings.fusion == "rrf":
        d_rank = {r: i for i, (r, _) in enumerate(dense)}
        l_rank = {r: i for i, (r, _) in enumerate(lexical_hits)}
        k = settings.rrf_k
        fused = {
            r: w * (1 / (k + d_rank[r]) if r in d_rank else 0.0)
            + (1 - w) * (1 / (k + l_rank[r]) if r in l_rank else 0.0)
            for r in rows
        }
        scale = 1 / (1 / k)  # so that rank 1 in both lists scores 1.0
        fused = {r: s * scale for r, s in fused.items()}
    else:
        # Min-max within each list: e5 cosines crowd into a narrow band, BM25 is unbounded.
        d_norm = _min_max(d_scores)
        l_norm = _min_max(l_scores)
        fused = {r: w * d_norm.get(r, 0.0) + (1 - w) * l_norm.get(r, 0.0) for r in rows}
    order = sorted(rows, key=lambda r: (-fused[r], r))
    return [(r, d_scores.get(r, 0.0), l_scores.get(r, 0.0), fused[r]) for r in order]


def _min_max(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:  # a sole candidate (or all alike) is the best of its list, not the worst
        return dict.fromkeys(scores, 1.0)
    return {r: (v - low) / (high - low) for r, v in scores.items()}


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def read_question(index: LoadedIndex, question: str, filters: Filters) -> Query:
    """The question as the search reads it: cleaned, its typos corrected, its place found
    (a place it names wins over the request's region)."""
    asked = clean_question(question)
    speller = speller_for(index.chunks, (chunk.text for chunk in index.chunks))
    text, corrected = speller.correct(asked)
    covered = {m.region for m in index.documents.values() if m.region}
    return make_query(text, locate(text, filters, covered), asked, corrected)


def retrieve(
    index: LoadedIndex,
    embedder: Embedder,
    question: str,
    settings: Settings,
    *,
    filters: Filters | None = None,
    top_k: int | None = None,
) -> Retrieval:
    """The best passages for a question, filtered by place and catalog, overlaps removed."""
    filters = filters or Filters()
    top_k = top_k or settings.top_k
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    query = read_question(index, question, filters)
    documents = select_documents(
        index, filters, query.place, national=bool(NATIONAL_ASKED.search(query.text))
    )
    timings["filter"] = time.perf_counter() - clock
    if not documents:
        return Retrieval(query, (), (), timings)

    allowed: Collection[int] | None = None
    if len(documents) < len(index.documents):
        allowed = {r for d in documents for r in index.document_rows.get(d, ())}
    candidates = max(settings.candidates, top_k * 4)

    clock = time.perf_counter()
    query_vector = embedder.embed_queries([query.searched])
    timings["embed"] = time.perf_counter() - clock

    clock = time.perf_counter()
    dense = vectors.search(index.vectors, query_vector, candidates, allowed)[0]
    timings["dense"] = time.perf_counter() - clock

    clock = time.perf_counter()
    lexical_hits = lexical.search(index.lexical, query.lexical, candidates, allowed)
    timings["lexical"] = time.perf_counter() - clock

    clock = time.perf_counter()
    hits: list[Hit] = []
    for row, d, lx, f in fuse(dense, lexical_hits, settings):
        chunk = index.chunks[row]
        if any(
            h.chunk.document_id == chunk.document_id
            and _overlaps(h.chunk.start, h.chunk.end, chunk.start, chunk.end)
            for h in hits
        ):
            continue  # overlapping passages never show the same text twice
        hits.append(Hit(chunk=chunk, dense=d, lexical=lx, fused=f, rank=len(hits) + 1))
        if len(hits) == top_k:
            break
    timings["fusion"] = time.perf_counter() - clock
    return Retrieval(query, tuple(hits), documents, timings)
