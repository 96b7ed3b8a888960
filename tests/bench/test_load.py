"""Load on loopback against `assistant serve` with the real index and model.

- 20 concurrent clients (async httpx, one connection each) for 60 seconds: zero errors.
  Prints throughput and p50/p95 and writes them to test-artifacts/load-test.json.
- A re-index under that load: a new agreement is added to the corpus, `assistant index`
  runs, and the admin call swaps the new index in while the clients keep asking: zero
  failed requests, and the new agreement is served afterwards.
- SIGHUP with a corrupted index file: /readyz 503 with the reason, questions still answered
  from the last good index; SIGHUP again after the repair: ready.
- Personal data in questions and comments reaches neither the server's log nor its store,
  every log line is JSON, and no question text appears in the log at all.

The machine is shared and small, so no latency is asserted: only that nothing fails. The
server serves a copy of the index (ASSISTANT_INDEX_DIR or index/); an embedding cache seeded
from that index's own vectors lets `assistant index` embed only the new agreement.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.bench.servers import serving
from assistant.index.build import CACHE_NAME, cache_key, load_index, read_manifest
from assistant.index.vectors import matrix
from assistant.settings import load_settings, project_root
from tests.corpus import add_agreement as add_corpus_agreement

pytestmark = pytest.mark.slow

CLIENTS = 20
LOAD_SECONDS = 60.0
MAX_RELOAD_LOAD_SECONDS = 420.0  # the re-index test's load stops by then whatever happens
REQUEST_TIMEOUT = 120.0
START_TIMEOUT = 240.0
KEYS = tuple(f"lasttest-nyckel-{n:04d}-abcdef" for n in range(4))
ADMIN_KEY = "lasttest-admin-nyckel-0001"
NEW_ID = "uppsala-lasttest-traffpunkter"
NEW_TEXT = """\
1. Inledning

Denna överenskommelse mellan Region Uppsala och kommunerna i Uppsala län gäller
träffpunkter för personer med psykisk funktionsnedsättning.

2. Ansvar

Kommunen ansvarar för att driva träffpunkterna och för att bemanna dem med personal.
Regionen ansvarar för att psykiatrins öppenvård informerar om träffpunkterna.
"""
FALLBACK_QUESTIONS = [
    "Vem ansvarar för abstinensvård i Värmland?",
    "Vem kallar till SIP?",
    "Ska soc eller psykiatrin ordna boende?",
    "Vem ansvarar för LARO i Västmanland?",
    "Vem betalar för HVB-placering i Dalarna?",
]
ARTIFACT = project_root() / "test-artifacts" / "load-test.json"


def load_questions(limit: int = 60) -> list[str]:
    """Questions from the eval suite (every few cases, for variety), else a fixed handful."""
    path = project_root() / "evals" / "cases.jsonl"
    if not path.is_file():
        return FALLBACK_QUESTIONS
    questions = [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines()
                 if line.strip()]
    step = max(1, len(questions) // limit)
    return questions[::step][:limit] or FALLBACK_QUESTIONS


def seed_embedding_cache(index: Path, cache_dir: Path) -> int:
    """Fill an embedding cache with an index's own vectors, so a rebuild reuses them."""
    manifest = read_manifest(index)

    class Recorded:  # the embedder that built the index, as far as the cache key goes
        name = manifest.embedder
        version = manifest.embedder_version
        dimension = manifest.dimension

    loaded = load_index(load_settings({}, index_dir=index), Recorded())  # type: ignore[arg-type]
    vectors = matrix(loaded.vectors)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(cache_dir / CACHE_NAME)) as con, con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS embeddings"
            " (key TEXT PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
        )
        con.executemany(
            "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
            [
                (cache_key(Recorded(), chunk.indexed_text), vectors[row].tobytes())  # type: ignore[arg-type]
                for row, chunk in enumerate(loaded.chunks)
            ],
        )
    return len(loaded.chunks)


def add_agreement(corpus: Path) -> None:
    """The new agreement these tests add, as `assistant ingest` would leave it."""
    add_corpus_agreement(
        corpus, NEW_ID, NEW_TEXT, title="Överenskommelse om träffpunkter (lasttest)",
        valid_from="2025-01-01",
    )


@dataclass
class Server:
    base: str
    root: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def store_path(self) -> Path:
        return self.root / "data" / "assistant.sqlite3"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} inom {timeout:.0f} s"
        time.sleep(0.25)


def status_of(url: str) -> int:
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.TransportError:
        return 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, served_index: Path) -> Iterator[Server]:
    """`assistant serve` on a copy of the index, with keys, the admin key and JSON logs."""
    root = tmp_path_factory.mktemp("load")
    shutil.copytree(served_index, root / "index")
    shutil.copytree(project_root() / "corpus", root / "corpus")
    seed_embedding_cache(root / "index", root / "cache")
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(root / "index"),
        "ASSISTANT_CORPUS_DIR": str(root / "corpus"),
        "ASSISTANT_DATA_DIR": str(root / "data"),
        "ASSISTANT_EMBEDDING_CACHE_DIR": str(root / "cache"),
        "ASSISTANT_WORKERS": "2",
        "ASSISTANT_API_KEYS": ",".join(KEYS),
        "ASSISTANT_ADMIN_KEY": ADMIN_KEY,
        # Per key: 20 clients share 4 keys; high enough never to refuse this load.
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "100000",
    }
    log_path = root / "server.log"
    with ExitStack() as stack:
        try:
            base, process = stack.enter_context(serving(
                env, log=log_path, timeout=START_TIMEOUT, stop_timeout=30.0, cwd=project_root()
            ))
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{log_path.read_text('utf-8')}")
        yield Server(base, root, env, process, log_path)


# ── the load ──────────────────────────────────────────────────────────────────────────


@dataclass
class Result:
    kind: str
    started: float
    seconds: float
    error: str = ""


@dataclass
class Load:
    results: list[Result] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def errors(self) -> list[Result]:
        return [r for r in self.results if r.error]

    def figures(self, kind: str | None = None) -> dict[str, float]:
        ok = [r.seconds for r in self.results if not r.error and kind in (None, r.kind)]
        if len(ok) < 2:
            return {"requests": len(ok)}
        cuts = statistics.quantiles(ok, n=100, method="inclusive")
        return {
            "requests": len(ok),
            "per_second": round(len(ok) / self.wall_seconds, 2),
            "p50_ms": round(cuts[49] * 1000, 1),
            "p95_ms": round(cuts[94] * 1000, 1),
            "max_ms": round(max(ok) * 1000, 1),
        }


async def one_request(client: httpx.AsyncClient, n: int, question: str) -> tuple[str, str]:
    """Send request number `n` of a client; returns (kind, error or "")."""
    if n % 10 == 5:
        response = await client.get("/v1/documents")
        if response.status_code != 200 or not response.json()["documents"]:
            return "documents", f"{response.status_code} {response.text[:200]}"
        return "documents", ""
    if n % 10 == 9:
        response = await client.post("/v1/ask/stream", json={"question": question})
        body = response.text
        if response.status_code != 200 or "event: done" not in body or "event: error" in body:
            return "stream", f"{response.status_code} {body[-200:]}"
        return "stream", ""
    response = await client.post("/v1/ask", json={"question": question})
    if response.status_code != 200 or response.json()["status"] not in ("answered", "no_support"):
        return "ask", f"{response.status_code} {response.text[:200]}"
    return "ask", ""


async def run_client(
    base: str, number: int, questions: list[str], stop: asyncio.Event, deadline: float,
    load: Load,
) -> None:
    headers = {"X-API-Key": KEYS[number % len(KEYS)]}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT) as c:
        n = 0
        while not stop.is_set() and time.monotonic() < deadline:
            question = questions[(number * 7 + n) % len(questions)]
            started = time.monotonic()
            try:
                kind, error = await one_request(c, n, question)
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                kind, error = "transport", repr(exc)
            load.results.append(Result(kind, started, time.monotonic() - started, error))
            n += 1


async def run_load(base: str, seconds: float, stop: asyncio.Event | None = None) -> Load:
    """CLIENTS clients asking until `stop` is set or `seconds` have passed."""
    stop = stop or asyncio.Event()
    questions = load_questions()
    load = Load()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(run_client(base, i, questions, stop, deadline, load) for i in range(CLIENTS))
    )
    load.wall_seconds = time.monotonic() - started
    return load


def report(title: str, load: Load, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Print the figures and add them to the artifact file."""
    figures: dict[str, Any] = {
        "clients": CLIENTS,
        "wall_seconds": round(load.wall_seconds, 1),
        "errors": len(load.errors),
        "all": load.figures(),
        "ask": load.figures("ask"),
        "stream": load.figures("stream"),
        "documents": load.figures("documents"),
        **(extra or {}),
    }
    print(f"\n{title}: {json.dumps(figures, ensure_ascii=False)}")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(ARTIFACT.read_text("utf-8")) if ARTIFACT.is_file() else {}
    saved[title] = figures
    ARTIFACT.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return figures


def test_twenty_clients_for_a_minute_without_errors(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    load = asyncio.run(run_load(server.base, LOAD_SECONDS))
    with capsys.disabled():
        report("last", load)
    assert not load.errors, [r.error for r in load.errors[:5]]
    assert load.wall_seconds >= LOAD_SECONDS - 1
    assert len(load.results) >= CLIENTS  # every client got at least one answer
    assert {r.kind for r in load.results} == {"ask", "stream", "documents"}


def test_reindex_and_reload_under_load_fail_no_request(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = {"X-Admin-Key": ADMIN_KEY}
    before = httpx.get(f"{server.base}/readyz", timeout=10).json()
    add_agreement(server.corpus_dir)

    async def scenario() -> tuple[Load, dict[str, Any], float, float]:
        stop = asyncio.Event()
        load_task = asyncio.create_task(run_load(server.base, MAX_RELOAD_LOAD_SECONDS, stop))
        try:
            await asyncio.sleep(5)  # the clients are busy before anything changes
            built = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "assistant", "index"],
                cwd=project_root(), env=server.env, capture_output=True, text=True, timeout=600,
            )
            assert built.returncode == 0, built.stdout + built.stderr
            embedded = re.search(r"(\d+) nya inbäddningar", built.stdout)
            # Only the new agreement's passages went through the model.
            assert embedded and 1 <= int(embedded.group(1)) <= 5, built.stdout
            swap_started = time.monotonic()
            reloaded = await asyncio.to_thread(
                httpx.post, f"{server.base}/v1/admin/reload", headers=admin, timeout=300
            )
            swap_ended = time.monotonic()
            assert reloaded.status_code == 200, reloaded.text
            await asyncio.sleep(5)  # and keep asking the new index
        finally:
            stop.set()
        return await load_task, reloaded.json(), swap_started, swap_ended

    load, reloaded, swap_started, swap_ended = asyncio.run(scenario())
    during = [r for r in load.results if r.started < swap_ended and
              r.started + r.seconds > swap_started]
    with capsys.disabled():
        report("last under omindexering", load, {
            "reload_seconds": reloaded["seconds"],
            "requests_overlapping_the_swap": len(during),
        })
    assert not load.errors, [r.error for r in load.errors[:5]]
    assert during, "no request was in flight while the index was swapped"
    assert reloaded["documents"] == before["documents"] + 1
    assert reloaded["previous_built_at"] == before["index_built_at"]
    documents = httpx.get(f"{server.base}/v1/documents", headers={"X-API-Key": KEYS[0]},
                          timeout=30).json()["documents"]
    assert NEW_ID in {d["document_id"] for d in documents}
    answer = httpx.post(
        f"{server.base}/v1/ask", headers={"X-API-Key": KEYS[0]}, timeout=60,
        json={"question": "Vem ansvarar för att driva träffpunkterna i Uppsala län?"},
    ).json()
    assert NEW_ID in {c["document_id"] for c in answer["citations"]}
    assert httpx.get(f"{server.base}/readyz", timeout=10).json()["status"] == "ready"


def test_sighup_with_a_corrupted_index_keeps_serving_and_reports_why(server: Server) -> None:
    vectors = server.index_dir / "vectors.faiss"
    good = vectors.read_bytes()
    ask = {"X-API-Key": KEYS[1]}
    try:
        vectors.write_bytes(good[: len(good) // 2])
        server.process.send_signal(signal.SIGHUP)
        wait_until(lambda: status_of(f"{server.base}/readyz") == 503, 120,
                   "/readyz blev inte 503 efter SIGHUP med ett skadat index")
        body = httpx.get(f"{server.base}/readyz", timeout=10).json()
        assert body["error"]["code"] == "index_unavailable"
        assert "vectors.faiss är ändrad eller skadad" in body["error"]["message"]
        assert "senast fungerande" in body["error"]["message"]
        answered = httpx.post(f"{server.base}/v1/ask", headers=ask, timeout=60,
                              json={"question": "Vem kallar till SIP?"})
        assert answered.status_code == 200
    finally:
        vectors.write_bytes(good)
    server.process.send_signal(signal.SIGHUP)
    wait_until(lambda: status_of(f"{server.base}/readyz") == 200, 120,
               "/readyz blev inte 200 efter SIGHUP med ett lagat index")
    metrics = httpx.get(f"{server.base}/metrics", timeout=10).text
    assert 'assistant_index_reloads_total{outcome="failed"} 1.0' in metrics
    assert "assistant_index_ready 1.0" in metrics


PERSONAL = ["19811218-9876", "811218-9876", "701063-2391", "anna.svensson@karlstad.se",
            "070-123 45 67", "+46 70 123 45 67"]


def test_personal_data_stays_out_of_the_server_log_and_store(server: Server) -> None:
    headers = {"X-API-Key": KEYS[2]}
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
        for value in PERSONAL:
            question = f"Min klient {value} behöver boende, vem ansvarar?"
            answer_id = client.post("/v1/ask", json={"question": question}).json()["answer_id"]
            comment = f"Kontakta {value}"
            posted = client.post(f"/v1/answers/{answer_id}/feedback",
                                 json={"rating": "down", "comment": comment})
            assert posted.status_code == 201
    time.sleep(1)  # the server's last lines reach the file
    log = server.log_path.read_text("utf-8")
    stored = b"".join(p.read_bytes() for p in server.store_path.parent.glob("assistant.sqlite3*"))
    for value in PERSONAL:
        assert value not in log
        assert value.encode() not in stored
    assert "Min klient" not in log


def test_every_log_line_is_json_and_no_question_is_logged(server: Server) -> None:
    lines = server.log_lines()
    entries = [json.loads(line) for line in lines]  # a plain-text line fails here
    access = [e for e in entries if e["logger"] == "assistant.access"]
    assert access and all(e.get("request_id") for e in access)
    assert {"method", "route", "status", "duration_ms"} <= set(access[0])
    assert any(e["logger"].startswith("uvicorn") for e in entries)
    text = "\n".join(lines)
    for question in load_questions():
        assert question not in text
