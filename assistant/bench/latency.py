"""In-process latency: the floor (the bare model embedding a question), `ask` or `search`
by stage with an empty query cache, cache hits, and the bare model's capacity."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from assistant.bench.figures import summarise
from assistant.bench.plan import STAGES
from assistant.bench.questions import WARM_UP
from assistant.index.embedding import MAX_BATCH, CachedEmbedder, Embedder, bare_embedder
from assistant.pipeline import Engine, ask, search


def with_empty_cache(engine: Engine) -> Engine:
    """The engine with a new, empty query cache of the configured size."""
    fresh = CachedEmbedder(bare_embedder(engine.embedder), engine.settings.query_cache_size)
    return replace(engine, embedder=fresh)


def measure_floor(embedder: Embedder, questions: Sequence[str]) -> list[float]:
    """Seconds the bare model takes to embed each question, one call per question."""
    model = bare_embedder(embedder)
    model.embed_queries([WARM_UP])
    durations = []
    for question in questions:
        started = time.perf_counter()
        model.embed_queries([question])
        durations.append(time.perf_counter() - started)
    return durations


def measure_queries(
    engine: Engine,
    questions: Sequence[str],
    *,
    answer: bool = True,
    cached: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Latency of `ask` (or `search` only) per stage, each question once with an empty
    query cache, interleaved with the floor; then `cached` of them again (cache hits)."""
    engine = with_empty_cache(engine)
    model = bare_embedder(engine.embedder)

    def run(question: str) -> dict[str, float]:
        found = ask(engine, question).answer if answer else search(engine, question)
        return dict(found.timings)

    run(WARM_UP)  # loads the model and the lazily built tables
    floor: list[float] = []
    stages: dict[str, list[float]] = {s: [] for s in (*STAGES, "total")}
    retrieval: list[float] = []
    rest: list[float] = []
    own: list[float] = []  # the answer's own stages: reading (rerank) and composing
    for i, question in enumerate(questions):
        # Interleaved, so that a change in machine load moves floor and ask alike.
        started = time.perf_counter()
        model.embed_queries([question])
        floor.append(time.perf_counter() - started)
        started = time.perf_counter()
        timings = run(question)
        timings.setdefault("total", time.perf_counter() - started)
        for name, value in timings.items():
            stages.setdefault(name, []).append(value)
        searched = timings["total"] - timings.get("answer", 0.0)
        retrieval.append(searched)
        if "embed" in timings:
            rest.append(searched - timings["embed"])
        if answer:
            own.append(timings.get("rerank", 0.0) + timings.get("answer", 0.0))
        if progress and (i + 1) % 25 == 0:
            progress(f"{i + 1}/{len(questions)} frågor")
    hits: list[float] = []
    for question in questions[:cached]:
        started = time.perf_counter()
        run(question)
        hits.append(time.perf_counter() - started)
    return {
        "questions": len(questions),
        "floor": summarise(floor),
        "stages": {name: summarise(values) for name, values in stages.items() if values},
        "retrieval": summarise(retrieval),
        "retrieval_without_embedding": summarise(rest),
        **({"answer_own": summarise(own)} if own else {}),
        "cached": summarise(hits),
        "cache": {"size": engine.settings.query_cache_size},
    }


def measure_capacity(
    embedder: Embedder, texts: Sequence[str], lanes: int, seconds: float = 4.0
) -> dict[str, Any]:
    """Questions a second the bare model embeds with `lanes` calls at once, each of
    `MAX_BATCH` questions: the ceiling of the service's throughput on this machine, with
    no HTTP, retrieval or answer around the model."""

    model = bare_embedder(embedder)
    batches = [list(texts[i : i + MAX_BATCH]) for i in range(0, len(texts), MAX_BATCH)]
    batches = [b for b in batches if len(b) == MAX_BATCH] or [list(texts)]
    model.embed_queries(batches[0][:1])
    deadline = time.perf_counter() + seconds

    def lane(first: int) -> int:
        done = 0
        n = first
        while time.perf_counter() < deadline:
            done += len(model.embed_queries(batches[n % len(batches)]))
            n += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(lanes) as pool:
        embedded = sum(pool.map(lane, range(lanes)))
    wall = time.perf_counter() - started
    return {
        "lanes": lanes,
        "batch": len(batches[0]),
        "questions": embedded,
        "seconds": round(wall, 3),
        "questions_per_s": round(embedded / wall, 2) if wall > 0 else None,
    }
