"""The whole run behind `assistant bench`: the chosen sections measured into one JSON-ready
mapping, with the targets evaluated. A benchmark prints figures; it is never a test with a
time limit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.bench.ansvar import measure_ansvar, ratios_to_ask
from assistant.bench.build import measure_build
from assistant.bench.figures import machine
from assistant.bench.heavy import measure_heavy
from assistant.bench.latency import measure_queries
from assistant.bench.plan import FULL, QUICK, SECTIONS
from assistant.bench.questions import load_questions
from assistant.bench.scale import measure_scale
from assistant.bench.targets import evaluate_targets
from assistant.bench.throughput import measure_http
from assistant.index.embedding import Embedder
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings


def run_benchmark(
    settings: Settings,
    sections: Sequence[str] = SECTIONS,
    *,
    quick: bool = False,
    engine: Engine | None = None,
    build_embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure the chosen sections; the figures as one JSON-ready mapping."""
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections: {', '.join(sorted(unknown))}")
    plan = QUICK if quick else FULL
    say = progress or (lambda _message: None)
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
        "settings": {
            "embedder": settings.embedder,
            "index_dir": str(settings.index_dir),
            "workers": settings.workers,
            "query_cache_size": settings.query_cache_size,
            "candidates": settings.candidates,
            "top_k": settings.top_k,
        },
    }
    questions = load_questions(settings)
    needs_engine = {"retrieval", "ask", "http", "scale", "ansvar"} & set(sections)
    if needs_engine and engine is None:
        engine = load_engine(settings)
    if engine is not None:
        results["index"] = {
            "passages": engine.index.manifest.chunk_count,
            "documents": len(engine.index.documents),
            "vector_kind": engine.index.vectors.kind,
            "embedder": engine.index.manifest.embedder,
        }
    unique = questions[: plan.questions]
    if "ask" in sections and engine is not None:
        say("ask i processen")
        results["ask"] = measure_queries(engine, unique, cached=plan.cached, progress=say)
    if "retrieval" in sections and engine is not None:
        say("hämtning i processen")
        results["retrieval"] = measure_queries(
            engine, unique, answer=False, cached=plan.cached, progress=say
        )
    if "http" in sections and engine is not None:
        say("HTTP")
        results["http"] = measure_http(
            settings, questions, plan, embedder=engine.embedder, progress=say
        )
    if "build" in sections:
        say("indexbygge")
        results["build"] = measure_build(settings, plan, embedder=build_embedder, progress=say)
    if "scale" in sections and engine is not None:
        say("skala")
        results["scale"] = measure_scale(engine, questions, plan, progress=say)
    if "heavy" in sections:
        say("tunga frågor bredvid vanliga")
        results["heavy"] = measure_heavy(settings, questions, plan, progress=say)
    if "ansvar" in sections and engine is not None:
        say("ansvarsmatris")
        results["ansvar"] = measure_ansvar(engine, plan, progress=say)
        results["ansvar"]["ratio_to_ask"] = ratios_to_ask(results)
    results["targets"] = [t.__dict__ for t in evaluate_targets(results)]
    return results
