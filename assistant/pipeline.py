"""The one ask path: question → retrieval → answer. Every interface calls `ask`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from assistant.answer.compose import compose, idf_table, rerank
from assistant.index.build import LoadedIndex, load_index
from assistant.index.embedding import Embedder, get_embedder
from assistant.models import Answer
from assistant.search.retrieval import Filters, Retrieval, retrieve
from assistant.settings import Settings


@dataclass(frozen=True, eq=False)
class Engine:
    """What answering needs, loaded once: the index, the embedder and term weights."""

    settings: Settings
    index: LoadedIndex
    embedder: Embedder
    idf: Mapping[str, float]


def load_engine(
    settings: Settings, index: LoadedIndex | None = None, embedder: Embedder | None = None
) -> Engine:
    """Load the index and prepare the embedder (the model itself loads on first use).

    `index` and `embedder` default to the ones the settings name (tests pass their own).
    """
    embedder = embedder or get_embedder(settings)
    index = index or load_index(settings, embedder)
    idf = idf_table(chunk.indexed_text for chunk in index.chunks)
    return Engine(settings=settings, index=index, embedder=embedder, idf=idf)


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
    reranked = rerank(found, engine.idf, top_k)
    timings = dict(found.timings)
    timings["rerank"] = time.perf_counter() - clock
    return replace(reranked, timings=timings)


RERANK_POOL = 20  # passages retrieved for reranking, whatever fewer the answer shows


def ask(
    engine: Engine,
    question: str,
    *,
    region: str | None = None,
    document_ids: list[str] | None = None,
    top_k: int | None = None,
    today: date | None = None,
) -> Answer:
    """Answer a Swedish question from the agreements, with citations and warnings."""
    started = time.perf_counter()
    found = search(engine, question, region=region, document_ids=document_ids, top_k=top_k)
    clock = time.perf_counter()
    answer = compose(
        found,
        engine.index.documents,
        engine.idf,
        today=today or date.today(),
        min_support=engine.settings.min_support,
        chunk_statements=engine.index.chunk_statements,
    )
    if engine.settings.llm_url and answer.status == "answered":
        from assistant.answer.generation import generate

        answer = generate(engine.settings, found, answer)
    timings = dict(found.timings)
    timings["answer"] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    return replace(answer, timings=timings)
