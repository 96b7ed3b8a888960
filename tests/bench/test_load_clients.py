"""The load test's clients: real requests over loopback to the real app (fake engine)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.bench.load import load_test
from assistant.bench.questions import load_questions, question_variants
from assistant.pipeline import Engine
from assistant.settings import Settings
from tests.serving import served


@pytest.fixture
def live_server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The real app with the fake engine, served by uvicorn on loopback in a thread."""
    from assistant.channels.http import create_app

    settings = replace(engine.settings, data_dir=tmp_path, rate_limit_per_minute=0)
    with served(create_app(settings, engine=replace(engine, settings=settings))) as url:
        yield url


def test_load_test_posts_real_requests_and_probes_the_loop(
    live_server: str, settings: Settings
) -> None:
    questions = question_variants(load_questions(settings))
    level = load_test(live_server, questions, 4, 10, 30.0, probe="/healthz")
    assert level["clients"] == 4 and level["requests"] == 10
    assert level["ok"] == 10 and level["failures"] == {}
    assert level["latency"]["n"] == 10 and level["throughput_per_s"] > 0
    assert level["probe"]["n"] >= 1
    bad = load_test(live_server, iter([" "] * 3), 1, 3, 30.0)
    assert bad["ok"] == 0 and bad["failures"] == {"422": 3}
