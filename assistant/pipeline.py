"""The one ask path: question → retrieval → answer. Every interface calls `ask`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from assistant.answer.compose import compose, with_place_note
from assistant.answer.matching import QuestionTerms, question_terms
from assistant.answer.scoring import (
    PassageUnits,
    Reading,
    best_coverage,
    idf_table,
    passage_units,
    read_passages,
)
from assistant.answer.weights import WEIGHTS, Weights
from assistant.errors import CorpusError
from assistant.index.build import LoadedIndex, load_index
from assistant.index.embedding import Embedder, get_embedder
from assistant.matrix.export import conflict_note
from assistant.matrix.finding import View, checked_filters, view
from assistant.matrix.loading import matrix_for
from assistant.models import Answer
from assistant.search.rerank import rerank
from assistant.search.retrieval import Filters, Retrieval, retrieve
from assistant.search.spelling import speller_for
from assistant.settings import Settings

logger = logging.getLogger("assistant.pipeline")


@dataclass(frozen=True, eq=False)
class Engine:
    """What answering needs, loaded once: the index, the embedder, term weights, the
    answer layer's tuned numbers and every passage's sentences as a question finds them."""

    settings: Settings
    index: LoadedIndex
    embedder: Embedder
    idf: Mapping[str, float]
    weights: Weights
    units: Mapping[str, PassageUnits]  # by chunk id


@dataclass(frozen=True)
class Outcome:
    """All one ask found: the passages shown (reranked), the answer, and the support score
    the decline rule compared with `min_support` (None: nothing to answer from)."""

    retrieval: Retrieval
    answer: Answer
    support: float | None


def load_engine(
    settings: Settings,
    index: LoadedIndex | None = None,
    embedder: Embedder | None = None,
    weights: Weights = WEIGHTS,
) -> Engine:
    """Load the index and prepare the embedder (the model itself loads on first use).

    `index` and `embedder` default to the ones the settings name (tests pass their own).
    """
    embedder = embedder or get_embedder(settings)
    index = index or load_index(settings, embedder)
    idf = idf_table(chunk.indexed_text for chunk in index.chunks)
    units = passage_units(index.chunks, idf, weights)
    speller_for(index.chunks, (chunk.text for chunk in index.chunks))  # not on a first ask
    return Engine(settings, index, embedder, idf, weights, units)


@dataclass(frozen=True)
class _Read:
    """A reranked retrieval with the question's terms and its sentences read once."""

    retrieval: Retrieval
    terms: QuestionTerms
    read: Mapping[str, tuple[Reading, ...]]


def _search(
    engine: Engine,
    question: str,
    *,
    region: str | None,
    document_ids: list[str] | None,
    target_group: str | None,
    valid_on: date | None,
    top_k: int | None,
) -> _Read:
    filters = Filters(
        region=region,
        document_ids=tuple(document_ids or ()),
        target_group=target_group,
        valid_on=valid_on,
    )
    top_k = top_k or engine.settings.top_k
    found = retrieve(
        engine.index,
        engine.embedder,
        question,
        engine.settings,
        filters=filters,
        top_k=max(top_k, RERANK_POOL),
    )
    clock = time.perf_counter()
    # Place names have done their work as a filter; they say nothing about the answer.
    asked = found.query.stripped
    terms = question_terms(asked, engine.idf, engine.weights)
    read = read_passages(
        asked, found.hits, engine.idf, about=found.question, weights=engine.weights,
        terms=terms, units=engine.units,
    )
    reranked = rerank(found, best_coverage(read), top_k, engine.weights.rerank)
    timings = dict(found.timings)
    timings["rerank"] = time.perf_counter() - clock
    return _Read(replace(reranked, timings=timings), terms, read)


def search(
    engine: Engine,
    question: str,
    *,
    region: str | None = None,
    document_ids: list[str] | None = None,
    target_group: str | None = None,
    valid_on: date | None = None,
    top_k: int | None = None,
) -> Retrieval:
    """The passages for a question with the given filters, best first.

    Retrieval brings a wider pool (RERANK_POOL), which is reranked by the sentences in it.
    """
    return _search(
        engine, question, region=region, document_ids=document_ids,
        target_group=target_group, valid_on=valid_on, top_k=top_k,
    ).retrieval


RERANK_POOL = 20  # passages retrieved for reranking, whatever fewer the answer shows


def ask(
    engine: Engine,
    question: str,
    *,
    region: str | None = None,
    document_ids: list[str] | None = None,
    top_k: int | None = None,
    today: date | None = None,
) -> Outcome:
    """Answer a Swedish question from the agreements, with citations and warnings."""
    started = time.perf_counter()
    searched = _search(
        engine, question, region=region, document_ids=document_ids,
        target_group=None, valid_on=None, top_k=top_k,
    )
    found = searched.retrieval
    clock = time.perf_counter()
    answer, support = compose(
        found,
        engine.index.documents,
        engine.idf,
        today=today or date.today(),
        min_support=engine.settings.min_support,
        chunk_statements=engine.index.chunk_statements,
        weights=engine.weights,
        read=searched.read,
        terms=searched.terms,
    )
    answer = with_place_note(answer, found.place)
    answer = _with_conflicts(engine, answer, today or date.today())
    if engine.settings.llm_url and answer.status == "answered":
        from assistant.answer.generation import generate

        answer = generate(engine.settings, found, answer)
    timings = dict(found.timings)
    timings["answer"] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    return Outcome(found, replace(answer, timings=timings), support)


def _with_conflicts(engine: Engine, answer: Answer, today: date) -> Answer:
    """An answer resting on a statement another valid agreement of its region contradicts
    (the ansvarsmatris's conflicts) warns, naming both sources."""
    if not answer.responsibilities or not engine.index.statements:
        return answer
    try:
        matrix = matrix_for(
            engine.settings, engine.index, engine.embedder, today, engine.weights
        ).matrix
    except CorpusError as exc:  # a broken matters list must not stop answers
        logger.warning("Konflikter kan inte sökas: %s", exc.message)
        return answer
    notes = [
        conflict_note(conflict, engine.index.documents)
        for r in answer.responsibilities
        for conflict in matrix.conflicts_by_statement.get(r.statement_id, ())
    ]
    notes = [n for n in dict.fromkeys(notes) if n not in answer.warnings]
    return replace(answer, warnings=(*answer.warnings, *notes)) if notes else answer


def ansvar(
    engine: Engine,
    *,
    region: str | None = None,
    document_id: str | None = None,
    q: str | None = None,
    today: date | None = None,
) -> View:
    """The ansvarsmatris for a region and/or document, its matters ranked for `q`
    (an unknown region or document is an `InputError`)."""
    region, document_id = checked_filters(engine.index.documents, region, document_id)
    q = (q or "").strip() or None
    loaded = matrix_for(
        engine.settings, engine.index, engine.embedder, today or date.today(), engine.weights
    )
    return view(
        loaded, engine.index, engine.embedder, engine.idf,
        region=region, document_id=document_id, q=q, weights=engine.weights,
    )
