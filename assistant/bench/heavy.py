"""Heavy questions beside normal ones (issue 16): normal questions' latency alone, beside
clients sending 1000-character random text, beside long case descriptions, alone again."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from assistant.bench.figures import lookup, with_cpu
from assistant.bench.load import beside_heavy, load_test
from assistant.bench.plan import HEAVY_CHARS, HEAVY_CLIENTS, NORMAL_CLIENTS, Plan
from assistant.bench.questions import case_descriptions, question_variants, random_questions
from assistant.bench.servers import running_server
from assistant.settings import Settings


def measure_heavy(
    settings: Settings,
    questions: Sequence[str],
    plan: Plan,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Normal questions' latency alone, then while HEAVY_CLIENTS send 1000-character random
    questions, then while they send 1000-character case descriptions; p95 ratios to alone."""
    say = progress or (lambda _message: None)
    normal = question_variants(questions)
    phases: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp, \
            running_server(settings, Path(tmp)) as (url, process):
        load_test(url, normal, 1, 3, 60.0)  # connections, pages and the model warmed up
        for name, heavy in (
            ("alone", None),
            ("random", random_questions()),
            ("cases", case_descriptions()),
            ("alone_again", None),
        ):
            say(f"tung last: {name}")
            phases[name] = with_cpu(process.pid, partial(
                asyncio.run, beside_heavy(url, normal, heavy, plan.heavy_requests,
                                           plan.heavy_seconds),
            ))
    base = [lookup(phases, n, "normal", "latency", "p95_ms") for n in ("alone", "alone_again")]
    known = [b for b in base if b]
    alone_p95 = min(known) if known else None

    def ratio(name: str) -> float | None:
        p95 = lookup(phases, name, "normal", "latency", "p95_ms")
        return round(p95 / alone_p95, 2) if p95 and alone_p95 else None

    return {
        "normal_clients": NORMAL_CLIENTS,
        "heavy_clients": HEAVY_CLIENTS,
        "heavy_chars": HEAVY_CHARS,
        "phases": phases,
        "alone_p95_ms": alone_p95,
        "ratio_random": ratio("random"),
        "ratio_cases": ratio("cases"),
    }
