"""Two replicas of the app, each a real uvicorn server on loopback, sharing one PostgreSQL
store (the throwaway server): an answer given by one takes feedback through the other, so
the load balancer needs no session affinity; and with the database gone, both still answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

import assistant.store.postgres as postgres_module
from assistant.channels.http import create_app
from assistant.pipeline import Engine
from assistant.settings import Settings
from assistant.store import close_store, get_answer, list_feedback, open_store
from tests.channels.http.support import QUESTION
from tests.postgres import Cluster
from tests.serving import served


@pytest.fixture
def replicas(
    built: tuple[Settings, Engine], postgres_url: str, tmp_path: Path
) -> Iterator[tuple[httpx.Client, httpx.Client, Settings]]:
    """HTTP clients of two running replicas (own data folders, one store URL), and their
    settings."""
    settings = built[0].with_overrides(store_url=postgres_url, data_dir=tmp_path / "data")
    with ExitStack() as running:
        clients = []
        for n in range(2):
            app = create_app(settings, engine=built[1], static_dir=tmp_path / f"static-{n}")
            base = running.enter_context(served(app, log_level="warning"))
            clients.append(running.enter_context(httpx.Client(base_url=base, timeout=30)))
        yield clients[0], clients[1], settings


def test_feedback_reaches_an_answer_given_by_the_other_replica(
    replicas: tuple[httpx.Client, httpx.Client, Settings], postgres_url: str
) -> None:
    first, second, settings = replicas
    web = {"X-Assistant-Channel": "web"}
    asked = first.post("/v1/ask", json={"question": QUESTION}, headers=web)
    assert asked.status_code == 200 and asked.json()["status"] == "answered"
    answer_id = asked.json()["answer_id"]
    given = second.post(
        f"/v1/answers/{answer_id}/feedback", json={"rating": "down", "comment": "Fel region"}
    )
    assert given.status_code == 201, given.text
    back = second.post("/v1/ask", json={"question": "Vem kallar till SIP?"}).json()["answer_id"]
    assert first.post(f"/v1/answers/{back}/feedback", json={"rating": "up"}).status_code == 201
    assert first.get("/readyz").json()["store"] == second.get("/readyz").json()["store"] == "ok"

    store = open_store(postgres_url)  # what either replica (or `assistant purge`) reads
    assert get_answer(store, answer_id).channel == "web"
    assert [(f.rating, f.comment) for f in list_feedback(store, answer_id)] == [
        ("down", "Fel region")
    ]
    assert [f.rating for f in list_feedback(store, back)] == ["up"]
    close_store(store)
    assert not settings.store_path.exists()  # no SQLite file beside the shared store


def test_with_the_database_gone_both_replicas_answer_and_report_it(
    replicas: tuple[httpx.Client, httpx.Client, Settings],
    stoppable_postgres: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres_module, "RETRY_SECONDS", 0.2)
    first, second, _ = replicas
    answer_id = first.post("/v1/ask", json={"question": QUESTION}).json()["answer_id"]
    stoppable_postgres.stop()
    for client in (first, second):
        body = client.post("/v1/ask", json={"question": QUESTION})
        assert body.status_code == 200 and body.json()["status"] == "answered"
        refused = client.post(f"/v1/answers/{answer_id}/feedback", json={"rating": "up"})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "store_unavailable"
        assert client.get("/readyz").json()["store"] == "unavailable"
    stoppable_postgres.start()
    time.sleep(0.3)  # RETRY_SECONDS: then the next call connects again
    for client in (first, second):
        given = client.post(f"/v1/answers/{answer_id}/feedback", json={"rating": "up"})
        assert given.status_code == 201, given.text
        assert client.get("/readyz").json()["store"] == "ok"
