"""HTTP throughput: POST /v1/ask on a real server at each client count, with the floor
measured just before each level, the server's memory and CPU, and the model's capacity."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from assistant.bench.figures import memory_of, summarise, with_cpu
from assistant.bench.latency import measure_capacity, measure_floor
from assistant.bench.load import load_test
from assistant.bench.plan import LEVEL_FLOOR_QUESTIONS, PROBE_PATH, Plan
from assistant.bench.questions import question_variants, spread
from assistant.bench.servers import running_server
from assistant.index.embedding import Embedder, one_core
from assistant.settings import Settings


def measure_http(
    settings: Settings,
    questions: Sequence[str],
    plan: Plan,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Latency and throughput of POST /v1/ask at each client count, the server's RSS and CPU,
    and (given the embedder) the floor measured just before, with the server idle, on the
    questions of that level, and the bare model's capacity on the last level's questions."""
    pool = question_variants(questions)
    levels: list[dict[str, Any]] = []
    floor: list[float] = []
    one_core_floor: list[float] = []  # the model on one core: what "cores ÷ floor" assumes
    single = one_core(embedder) if embedder is not None else None
    capacity: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        started = time.perf_counter()
        with running_server(settings, Path(tmp)) as (url, process):
            ready = time.perf_counter() - started
            idle = memory_of(process.pid)
            load_test(url, pool, 1, 3, 60.0)  # the first requests set up connections, pages
            texts: list[str] = []
            for clients, requests in sorted(plan.http_requests.items()):
                if progress:
                    progress(f"{clients} samtidiga klienter")
                texts = list(islice(pool, requests))
                # The floor again just before each level: on a shared machine the model's
                # speed drifts by a fifth within minutes, and the targets are ratios to it.
                # On the level's own questions: the later ones carry a greeting or a thanks
                # (some 20 % more words), which the model takes longer over.
                here: list[float] = []
                alone_on_one: list[float] = []
                if embedder is not None:
                    sample = spread(texts, LEVEL_FLOOR_QUESTIONS)
                    here = measure_floor(embedder, sample)
                    floor += here
                    if single is not None:
                        alone_on_one = measure_floor(single, sample)
                        one_core_floor += alone_on_one
                level = with_cpu(process.pid, partial(
                    load_test, url, iter(texts), clients, requests, plan.http_seconds,
                    probe=PROBE_PATH,
                ))
                level["floor"] = summarise(here) if here else None
                level["floor_one_core"] = summarise(alone_on_one) if alone_on_one else None
                levels.append(level)
            if embedder is not None and texts:
                if progress:
                    progress("modellens kapacitet")
                capacity = measure_capacity(embedder, texts, settings.workers)
            repeated = iter(questions[: plan.cached])
            cached = load_test(url, repeated, 1, plan.cached, plan.http_seconds)
            loaded = memory_of(process.pid)
    return {
        "server_ready_s": round(ready, 2),
        "workers": settings.workers,
        "floor": summarise(floor) if floor else None,
        "floor_one_core": summarise(one_core_floor) if one_core_floor else None,
        "model_capacity": capacity,
        "levels": levels,
        "cached": cached,
        "server_memory": {"idle": idle, "after_load": loaded},
    }
