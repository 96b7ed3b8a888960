"""In-process latency with the fake embedder: every stage, no cache hit where none belongs,
and the bare model's capacity."""

from __future__ import annotations

from assistant.bench.latency import measure_capacity, measure_queries
from assistant.bench.questions import load_questions
from assistant.index.embedding import MAX_BATCH, CachedEmbedder, bare_embedder
from assistant.pipeline import Engine
from assistant.settings import Settings
from tests.fakes import FakeEmbedder


def test_ask_latency_has_every_stage_and_never_hits_the_cache_until_asked_again(
    engine: Engine, settings: Settings
) -> None:
    model = bare_embedder(engine.embedder)
    assert isinstance(model, FakeEmbedder)
    questions = load_questions(settings)[:12]
    calls = model.query_calls
    run = measure_queries(engine, questions, cached=5)
    stages = run["stages"]
    assert {"filter", "embed", "dense", "lexical", "fusion", "answer", "total"} <= set(stages)
    assert run["floor"]["n"] == stages["total"]["n"] == 12
    assert run["cached"]["n"] == 5
    # Warm-up (1) + every question once for the floor and once per ask that embeds;
    # the five repeated questions add no model call: they come from the cache.
    assert model.query_calls - calls == 1 + 12 + stages["embed"]["n"]
    assert run["retrieval_without_embedding"]["n"] == stages["embed"]["n"]
    assert stages["total"]["p50_ms"] >= stages["answer"]["p50_ms"]


def test_retrieval_latency_leaves_out_the_answer(engine: Engine, settings: Settings) -> None:
    run = measure_queries(engine, load_questions(settings)[:5], answer=False)
    assert "answer" not in run["stages"]
    assert run["retrieval"]["n"] == 5


def test_model_capacity_counts_questions_embedded_by_the_bare_model() -> None:
    fake = FakeEmbedder()
    texts = [f"fråga {n}" for n in range(40)]
    capacity = measure_capacity(CachedEmbedder(fake, 8), texts, lanes=2, seconds=0.2)
    assert (capacity["lanes"], capacity["batch"]) == (2, MAX_BATCH)
    assert capacity["questions"] == len(fake.queries_embedded) - 1  # less the warm-up
    assert capacity["questions"] % MAX_BATCH == 0
    assert capacity["questions_per_s"] > 0
