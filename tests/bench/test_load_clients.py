"""The load test's clients: real requests over loopback to the real app (fake engine)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.bench.load import load_test
from assistant.bench.questions import load_questions, question_variants
from assistant.bench.servers import free_port
from assistant.pipeline import Engine
from assistant.settings import Settings


@pytest.fixture
def live_server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The real app with the fake engine, served by uvicorn on loopback in a thread."""
    import uvicorn

    from assistant.channels.http import create_app

    settings = replace(engine.settings, data_dir=tmp_path, rate_limit_per_minute=0)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, engine=replace(engine, settings=settings)),
        host="127.0.0.1", port=port, log_config=None, log_level=None,  # logging left alone
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "servern startade inte"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


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
