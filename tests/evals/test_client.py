"""The eval client against real servers on loopback: the service itself with a tiny rate
limit, and a small HTTP server that refuses first. Retry-After is honoured, counted, kept
out of the latencies, and a 429 never becomes a wrong answer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from assistant.channels.http import create_app
from assistant.errors import InputError
from assistant.evals import asking, runs
from assistant.evals import cases as eval_cases
from assistant.evals.client import MAX_RETRY_WAIT, Waits, request_json, retry_after
from assistant.index.build import build_index
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings
from tests.channels.http.support import corpus_settings
from tests.fakes import FakeEmbedder
from tests.serving import served

EVALUATOR = "utvarderarens-nyckel-utan-grans"
CASES = [
    {"id": "v-1", "question": "Vem ansvarar för abstinensvård och avgiftning i Värmland?",
     "kind": "responsibility", "answerable": True, "region": "Värmland",
     "responsible": "region", "answer": "Regionen.",
     "evidence": [{"document": "varmland-test",
                   "quote": "Regionen ansvarar för abstinensvård och avgiftning."}]},
    {"id": "v-2", "question": "Vem ansvarar för boendestöd i Värmland?",
     "kind": "responsibility", "answerable": True, "region": "Värmland",
     "responsible": "kommun", "answer": "Kommunen.",
     "evidence": [{"document": "varmland-test",
                   "quote": "Kommunen ansvarar för boendestöd och sysselsättning."}]},
    {"id": "v-3", "question": "Vem kallar till SIP i Skåne?", "kind": "unanswerable",
     "answerable": False, "region": "Skåne", "responsible": None, "answer": "",
     "evidence": []},
]


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_retry_after_in_seconds_as_a_date_capped_and_only_where_it_means_wait() -> None:
    assert retry_after(response(429, **{"Retry-After": "3"})) == 3.0
    assert retry_after(response(429, **{"Retry-After": "0.5"})) == 0.5
    assert retry_after(response(429, **{"Retry-After": "86400"})) == MAX_RETRY_WAIT
    assert retry_after(response(429)) == 1.0  # no header: a short wait, then again
    assert retry_after(response(429, **{"Retry-After": "snart"})) == 1.0
    now = time.time()
    dated = response(503, **{"Retry-After": formatdate(now + 20, usegmt=True)})
    assert 18.0 <= (retry_after(dated, now) or 0.0) <= 21.0
    assert retry_after(response(503, **{"Retry-After": "2"})) == 2.0  # overloaded
    assert retry_after(response(503)) is None  # no index: an outage, not a queue
    assert retry_after(response(200, **{"Retry-After": "2"})) is None
    assert retry_after(response(500, **{"Retry-After": "2"})) is None


# ── the service itself, with a limit an eval runs into ─────────────────────────────────


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Engine]:
    settings = corpus_settings(tmp_path_factory.mktemp("eval-client"))
    fake = FakeEmbedder()
    build_index(settings, fake, progress=False)
    return settings, load_engine(settings, embedder=fake)


@pytest.fixture
def serve(built: tuple[Settings, Engine], tmp_path: Path) -> Iterator[Any]:
    """Start the real app on loopback with some settings changed; yields the starter."""
    from contextlib import ExitStack

    with ExitStack() as running:

        def start(**changes: Any) -> str:
            settings = built[0].with_overrides(data_dir=tmp_path / "data", **changes)
            app = create_app(settings, engine=built[1], static_dir=tmp_path / "static")
            return running.enter_context(served(app, log_level="warning", lifespan="off"))

        yield start


def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), "utf-8")
    return path


def drain(base: str, limit: int) -> None:
    """Spend this address's whole bucket (it refills meanwhile): until a call is a 429."""
    with httpx.Client() as client:
        for _ in range(2 * limit + 10):
            if client.get(base + "/v1/documents").status_code == 429:
                return
    raise AssertionError(f"ingen 429 efter {2 * limit + 10} anrop")


def test_a_run_into_the_limit_waits_retries_and_scores_as_an_unlimited_run(
    serve: Any, built: tuple[Settings, Engine], tmp_path: Path
) -> None:
    path = cases_file(tmp_path)
    cases = eval_cases.read_cases(path)
    free = runs.evaluate_remotely(
        serve(rate_limit_per_minute=0), built[0], cases, path, top_k=5, label="fri"
    )
    assert free.settings["retry_waits"] == 0
    assert not any("vänta" in note for note in free.notes)

    limited_url = serve(rate_limit_per_minute=120)  # the default: 2 a second, Retry-After 1
    drain(limited_url, 120)
    started = time.perf_counter()
    limited = runs.evaluate_remotely(limited_url, built[0], cases, path, top_k=5, label="gräns")
    waits = limited.settings["retry_waits"]
    assert waits >= 1
    assert time.perf_counter() - started >= waits * 1.0  # it really waited
    note = next(n for n in limited.notes if "vänta" in n)
    assert f"vänta {waits} gånger ({waits} efter 429)" in note
    # Every case was answered and scored as without the limit: no 429 counts as an answer.
    for mine, theirs in zip(free.results, limited.results, strict=True):
        assert (mine.rank, mine.reply.status, mine.reply.responsible) == (
            theirs.rank, theirs.reply.status, theirs.reply.responsible
        ), mine.case.id
    assert [r.case.id for r in limited.region_results] == [r.case.id for r in free.region_results]
    # The waits are not latency: no reply took the second it waited.
    assert max(r.reply.seconds for r in limited.results) < 1.0
    assert limited.summary.overall.cases == free.summary.overall.cases


def test_an_evaluators_exempt_key_never_waits(serve: Any, tmp_path: Path) -> None:
    base = serve(rate_limit_per_minute=2, rate_limit_exempt_keys=(EVALUATOR,))
    drain(base, 2)  # everyone else on this address is limited now
    waits = Waits()
    ask = asking.http_asker(base, api_key=EVALUATOR, waits=waits)
    replies = [ask(CASES[n % 2]["question"], "Värmland") for n in range(12)]
    assert all(r.status == "answered" for r in replies)
    assert waits.count == 0
    assert asking.server_documents(base, api_key=EVALUATOR, waits=waits) == {
        "varmland-test", "dalarna-test", "vastmanland-test", "skr-test",
    }


# ── a server that refuses first ────────────────────────────────────────────────────────


class Refusing(BaseHTTPRequestHandler):
    """Answers with the queued (status, Retry-After) refusals first, then 200."""

    refusals: ClassVar[list[tuple[int, str | None]]] = []
    seen: ClassVar[list[float]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        type(self).seen.append(time.monotonic())
        status, wait = type(self).refusals.pop(0) if type(self).refusals else (200, None)
        data = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if wait is not None:
            self.send_header("Retry-After", wait)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def refusing() -> Iterator[str]:
    Refusing.refusals, Refusing.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/documents"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_429_and_503_with_retry_after_are_waited_for_and_counted(refusing: str) -> None:
    Refusing.refusals = [(429, "1"), (503, "0"), (429, None)]
    waits = Waits()
    assert request_json(refusing, None, None, 5.0, waits) == (200, {"ok": True})
    assert waits.count == 3 and waits.statuses == {429: 2, 503: 1}
    assert waits.seconds == pytest.approx(2.0)
    gaps = [b - a for a, b in zip(Refusing.seen, Refusing.seen[1:], strict=False)]
    assert gaps[0] >= 0.95 and gaps[2] >= 0.95  # Retry-After: 1, and 1 s without one


def test_a_503_without_retry_after_is_not_retried(refusing: str) -> None:
    Refusing.refusals = [(503, None)]
    waits = Waits()
    assert request_json(refusing, None, None, 5.0, waits) == (503, {"ok": False})
    assert waits.count == 0 and len(Refusing.seen) == 1


def test_the_retry_budget_ends_a_server_that_keeps_refusing(refusing: str) -> None:
    Refusing.refusals = [(429, "1")] * 10
    waits = Waits(budget=2.5)
    with pytest.raises(InputError) as caught:
        request_json(refusing, None, None, 5.0, waits)
    assert waits.count == 2 and len(Refusing.seen) == 3
    assert "svarar fortfarande 429 efter 2 väntetider" in caught.value.message
    assert "ASSISTANT_RATE_LIMIT_EXEMPT_KEYS" in caught.value.message
