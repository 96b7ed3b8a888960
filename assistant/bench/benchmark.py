"""Benchmarks behind `assistant bench`: latency by stage, HTTP throughput, memory, build time
and scale. A benchmark prints figures; it is never a test with a time limit.

Every latency target is a ratio to the *floor*, the bare query-embedding time of the model
measured in the same run, so that a loaded or slower machine moves both sides together.
Questions are the eval questions, each asked once with an empty query cache (a repeated
question would be answered from the cache and flatter the figures); cache hits are
measured separately by asking the same questions again.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from assistant.bench.synthetic import synthesise
from assistant.index import chunking, lexical, vectors
from assistant.index.build import (
    INDEX_FORMAT,
    LoadedIndex,
    Manifest,
    build_index,
    embed_passages,
    read_manifest,
)
from assistant.index.embedding import (
    MAX_BATCH,
    CachedEmbedder,
    Embedder,
    bare_embedder,
    one_core,
)
from assistant.ingest import catalog as corpus
from assistant.pipeline import Engine, ask, load_engine, search
from assistant.search.query import expand_query
from assistant.search.retrieval import Filters, locate, retrieve, select_documents
from assistant.settings import Settings

SECTIONS = ("retrieval", "ask", "http", "build", "scale", "heavy")
STAGES = ("filter", "embed", "dense", "lexical", "fusion", "answer")
WARM_UP = "Uppvärmning inför mätningen: vem gör vad enligt överenskommelsen?"
# Question openings and endings staff really use; they make each load-test request unique
# (so that none is answered from the query cache) without changing what is asked.
OPENINGS = ("", "Hej! ", "Fråga: ", "Kan du svara på detta? ", "Jag undrar: ", "Snälla, ")
ENDINGS = ("", " Tack!", " Tack på förhand.", " (brådskande)")
LEVEL_FLOOR_QUESTIONS = 20  # for the floor measured just before each HTTP level
PROBE_PATH = "/healthz"
PROBE_INTERVAL = 0.1  # seconds between probes of the event loop during a load test
SAMPLE_CHARS = 600  # of a response body: enough to check its shape, cheap for the client

# Targets (issue 9 and issue 3): ratios to the floor measured in the same run.
ASK_RATIO = 1.3
HTTP_RATIO = 1.5
THROUGHPUT_SHARE = 0.7
SERVER_RSS_MB = 500.0
RETRIEVAL_P50_MS = 25.0
RETRIEVAL_REST_P50_MS = 3.0
SCALE_P95_MS = 100.0
# Issue 16: normal questions' p95 while HEAVY_CLIENTS send the longest questions allowed, at
# most this many times their p95 without them.
HEAVY_RATIO = 2.0
HEAVY_CLIENTS = 4
NORMAL_CLIENTS = 2
HEAVY_CHARS = 1000  # the longest question the API accepts


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or a quick smoke run."""

    questions: int  # unique questions for in-process latency
    cached: int  # of those, asked again for cache-hit latency
    http_requests: Mapping[int, int]  # concurrent clients -> requests at that level
    http_seconds: float  # time cap per level
    build_documents: int | None  # None: the whole corpus; n: its n smallest documents
    scale_rows: tuple[int, ...]
    scale_queries: int
    scale_kinds: tuple[vectors.VectorKind, ...] = ("flat", "hnsw", "ivf")
    heavy_requests: int = 120  # normal questions per phase of the heavy-load run
    heavy_seconds: float = 120.0  # time cap per phase


FULL = Plan(
    questions=10_000,  # i.e. every eval question
    cached=100,
    http_requests=MappingProxyType({1: 60, 4: 120, 16: 320}),
    http_seconds=90.0,
    build_documents=None,
    scale_rows=(10_000, 100_000),
    scale_queries=200,
)
QUICK = Plan(
    questions=20,
    cached=10,
    http_requests=MappingProxyType({1: 8, 4: 16, 16: 32}),
    http_seconds=30.0,
    build_documents=2,
    scale_rows=(2_000,),
    scale_queries=20,
    heavy_requests=30,
    heavy_seconds=60.0,
)


# ── figures ────────────────────────────────────────────────────────────────────────────


def summarise(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50/p95/p99 and mean of durations, in milliseconds."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


def memory_of(pid: int | None = None) -> dict[str, float | None]:
    """Current and peak resident memory of a process, in MB (None where /proc is missing)."""
    path = Path(f"/proc/{pid or 'self'}/status")
    found: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            key = "rss_mb" if name == "VmRSS" else "peak_rss_mb"
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                total = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": model or "okänd",
        "cores": cores(),
        "memory_gb": total,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
    }


# ── questions ──────────────────────────────────────────────────────────────────────────


def load_questions(settings: Settings) -> list[str]:
    """The eval questions, each once, in file order."""
    path = settings.evals_dir / "cases.jsonl"
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                question = str(json.loads(line).get("question", "")).strip()
                if question and question != WARM_UP:
                    seen[question] = None
    return list(seen)


def question_variants(questions: Sequence[str]) -> Iterator[str]:
    """Every question with each opening and ending, all distinct: first as written, then
    with the first opening, and so on."""
    seen: set[str] = set()
    for opening in OPENINGS:
        for ending in ENDINGS:
            for question in questions:
                body = question[:1].lower() + question[1:] if opening else question
                text = f"{opening}{body}{ending}"
                if text not in seen:
                    seen.add(text)
                    yield text


def with_empty_cache(engine: Engine) -> Engine:
    """The engine with a new, empty query cache of the configured size."""
    fresh = CachedEmbedder(bare_embedder(engine.embedder), engine.settings.query_cache_size)
    return replace(engine, embedder=fresh)


# ── in-process latency: floor, retrieval, ask ──────────────────────────────────────────


def measure_floor(embedder: Embedder, questions: Sequence[str]) -> list[float]:
    """Seconds the bare model takes to embed each question, one call per question."""
    model = bare_embedder(embedder)
    model.embed_queries([WARM_UP])
    durations = []
    for question in questions:
        started = time.perf_counter()
        model.embed_queries([question])
        durations.append(time.perf_counter() - started)
    return durations


def measure_queries(
    engine: Engine,
    questions: Sequence[str],
    *,
    answer: bool = True,
    cached: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Latency of `ask` (or `search` only) per stage, each question once with an empty
    query cache, interleaved with the floor; then `cached` of them again (cache hits)."""
    engine = with_empty_cache(engine)
    model = bare_embedder(engine.embedder)

    def run(question: str) -> dict[str, float]:
        found = ask(engine, question).answer if answer else search(engine, question)
        return dict(found.timings)

    run(WARM_UP)  # loads the model and the lazily built tables
    floor: list[float] = []
    stages: dict[str, list[float]] = {s: [] for s in (*STAGES, "total")}
    retrieval: list[float] = []
    rest: list[float] = []
    for i, question in enumerate(questions):
        # Interleaved, so that a change in machine load moves floor and ask alike.
        started = time.perf_counter()
        model.embed_queries([question])
        floor.append(time.perf_counter() - started)
        started = time.perf_counter()
        timings = run(question)
        timings.setdefault("total", time.perf_counter() - started)
        for name, value in timings.items():
            stages.setdefault(name, []).append(value)
        searched = timings["total"] - timings.get("answer", 0.0)
        retrieval.append(searched)
        if "embed" in timings:
            rest.append(searched - timings["embed"])
        if progress and (i + 1) % 25 == 0:
            progress(f"{i + 1}/{len(questions)} frågor")
    hits: list[float] = []
    for question in questions[:cached]:
        started = time.perf_counter()
        run(question)
        hits.append(time.perf_counter() - started)
    return {
        "questions": len(questions),
        "floor": summarise(floor),
        "stages": {name: summarise(values) for name, values in stages.items() if values},
        "retrieval": summarise(retrieval),
        "retrieval_without_embedding": summarise(rest),
        "cached": summarise(hits),
        "cache": {"size": engine.settings.query_cache_size},
    }


# ── HTTP: a real server on loopback ────────────────────────────────────────────────────


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    settings: Settings, data_dir: Path, *, timeout: float = 300.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`assistant serve` on a free loopback port, ready to answer; stopped afterwards."""
    import httpx

    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "ASSISTANT_DATA_DIR": str(data_dir),  # answers stored by the bench stay out of data/
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(settings.cache_dir),
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000000",  # one client address sends it all
            "ASSISTANT_WORKERS": str(settings.workers),
            "ASSISTANT_QUERY_CACHE_SIZE": str(settings.query_cache_size),
            "ASSISTANT_API_KEYS": "",
        }
    )
    command = [
        sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
    ]
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"servern avslutades (kod {process.returncode}); se {log.name}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"servern blev inte redo på {timeout:.0f} s; se {log.name}")
            time.sleep(0.25)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def _load(
    url: str,
    questions: Iterator[str],
    clients: int,
    requests: int,
    seconds: float,
    probe: str | None,
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    probes: list[float] = []
    failures: Counter[str] = Counter()
    sent = 0
    deadline = time.perf_counter() + seconds
    done = asyncio.Event()

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < requests and time.perf_counter() < deadline:
            sent += 1
            question = next(questions)
            started = time.perf_counter()
            try:
                reply = await client.post("/v1/ask", json={"question": question})
            except httpx.HTTPError as exc:
                failures[type(exc).__name__] += 1
                continue
            took = time.perf_counter() - started
            if reply.status_code == 200 and reply.content[:SAMPLE_CHARS].find(b'"status"') >= 0:
                latencies.append(took)
            else:
                failures[str(reply.status_code)] += 1

    async def probe_loop(path: str) -> None:
        # A route that does no work answers at once unless the event loop is blocked.
        async with httpx.AsyncClient(base_url=url, timeout=120.0) as own:
            while not done.is_set():
                started = time.perf_counter()
                await own.get(path)
                probes.append(time.perf_counter() - started)
                with suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), PROBE_INTERVAL)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as client:
        watcher = asyncio.create_task(probe_loop(probe)) if probe else None
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        wall = time.perf_counter() - started
        done.set()
        if watcher:
            await watcher
    return {
        "clients": clients,
        "requests": sent,
        "ok": len(latencies),
        "failures": dict(failures),
        "seconds": round(wall, 3),
        "throughput_per_s": round(len(latencies) / wall, 3) if wall > 0 else None,
        "latency": summarise(latencies),
        "probe": {"path": probe, **summarise(probes)} if probe else None,
    }


def load_test(
    url: str,
    questions: Iterator[str],
    clients: int,
    requests: int,
    seconds: float,
    *,
    probe: str | None = None,
) -> dict[str, Any]:
    """`clients` concurrent clients posting questions to /v1/ask until `requests` have been
    sent or `seconds` have passed; latency and throughput of the successful answers. With
    `probe`, another client GETs that path meanwhile (its latency shows a blocked loop)."""
    return asyncio.run(_load(url, questions, clients, requests, seconds, probe))


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU time a process has used so far (None where /proc is missing)."""
    try:
        stat = Path(f"/proc/{pid or 'self'}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces; the fields after it are space-separated.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _with_cpu(pid: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A load level with the CPU time the server and this client used during it."""
    server, client = cpu_seconds(pid), cpu_seconds()
    level = measure()
    server_after, client_after = cpu_seconds(pid), cpu_seconds()
    if None in (server, client, server_after, client_after):
        return level
    used = float(server_after or 0) - float(server or 0)
    level["server_cpu_s"] = round(used, 2)
    level["client_cpu_s"] = round(float(client_after or 0) - float(client or 0), 2)
    level["server_cores_busy"] = round(used / level["seconds"], 2) if level["seconds"] else None
    level["server_cpu_ms_per_answer"] = round(1000 * used / level["ok"], 1) if level["ok"] else None
    return level


def spread(items: Sequence[str], n: int) -> list[str]:
    """`n` of `items`, evenly spread over them (repeating some when there are fewer)."""
    return [items[(i * len(items)) // n] for i in range(n)] if items else []


def measure_capacity(
    embedder: Embedder, texts: Sequence[str], lanes: int, seconds: float = 4.0
) -> dict[str, Any]:
    """Questions a second the bare model embeds with `lanes` calls at once, each of
    `MAX_BATCH` questions: the ceiling of the service's throughput on this machine, with
    no HTTP, retrieval or answer around the model."""

    model = bare_embedder(embedder)
    batches = [list(texts[i : i + MAX_BATCH]) for i in range(0, len(texts), MAX_BATCH)]
    batches = [b for b in batches if len(b) == MAX_BATCH] or [list(texts)]
    model.embed_queries(batches[0][:1])
    deadline = time.perf_counter() + seconds

    def lane(first: int) -> int:
        done = 0
        n = first
        while time.perf_counter() < deadline:
            done += len(model.embed_queries(batches[n % len(batches)]))
            n += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(lanes) as pool:
        embedded = sum(pool.map(lane, range(lanes)))
    wall = time.perf_counter() - started
    return {
        "lanes": lanes,
        "batch": len(batches[0]),
        "questions": embedded,
        "seconds": round(wall, 3),
        "questions_per_s": round(embedded / wall, 2) if wall > 0 else None,
    }


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
                level = _with_cpu(process.pid, partial(
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


# ── heavy questions beside normal ones (issue 16) ──────────────────────────────────────

# Sentences of the case descriptions frontline staff paste in whole, from which the long
# real Swedish questions of the heavy-load run are put together (each one different).
CASE_SENTENCES = (
    "Jag arbetar som socialsekreterare och har en klient, en man i femtioårsåldern, som sedan "
    "många år har ett omfattande alkoholberoende och nu också en depression.",
    "Han bor ensam i en hyreslägenhet och har tappat kontakten med sin familj.",
    "Under det senaste halvåret har han flera gånger sökt akut till psykiatrin men skrivits ut "
    "efter några timmar.",
    "Hyresvärden har hört av sig om störningar och obetald hyra, och det finns risk för vräkning.",
    "Han säger själv att han vill sluta dricka men att han inte klarar det på egen hand.",
    "Vårdcentralen har skrivit ut antidepressiva läkemedel men han tar dem oregelbundet.",
    "Vi har diskuterat boendestöd och en samordnad individuell plan, men det är oklart vem som "
    "ska ta initiativet.",
    "Min klient är en kvinna i trettioårsåldern med bipolär sjukdom som nyligen blivit "
    "utskriven från slutenvården.",
    "Hon har två barn i förskoleåldern och får i dag inget stöd i hemmet.",
    "Hon använder bensodiazepiner som inte är förskrivna och har tidigare vårdats enligt LVM.",
    "Öppenvårdspsykiatrin vill att kommunen ordnar sysselsättning, men biståndshandläggaren "
    "menar att hennes behov först måste utredas av regionen.",
    "Det finns en orosanmälan gällande barnen och socialtjänstens barn- och familjeenhet är "
    "inkopplad.",
    "En ung man på arton år har ADHD och ett växande cannabisbruk och har slutat gå i skolan.",
    "Föräldrarna är oroliga och har kontaktat både BUP och socialtjänsten utan att få besked.",
    "Han fyller snart nitton och det är oklart om barn- och ungdomspsykiatrin eller "
    "vuxenpsykiatrin ska ta över.",
    "En äldre kvinna med demens och alkoholmissbruk bor i eget boende med hemtjänst.",
    "Hemtjänstpersonalen ser att hon dricker dagligen och ibland ramlar i lägenheten.",
    "Läkaren på vårdcentralen har föreslagit abstinensbehandling, men hon vill inte lämna sitt "
    "hem.",
    "Vi är osäkra på om en placering på HVB-hem är aktuell och vem som i så fall ska betala.",
    "Personen har skrivits ut från rättspsykiatrisk vård och ska flytta till ett boende med "
    "särskild service.",
    "Kommunen har inte fått någon kallelse till en samordnad vårdplanering inför utskrivningen.",
    "Vem ansvarar för abstinensvård och avgiftning när både missbruk och psykisk ohälsa finns?",
    "Vem ska kalla till SIP, och ska kommunen eller regionen ordna boende?",
    "Vem betalar för behandlingen, och hur ska ansvaret delas mellan kommun och region?",
    "Vilken huvudman ansvarar för läkemedelsassisterad behandling och för uppföljningen?",
    "Hur ska vi gå vidare om den enskilde inte vill delta i planeringen?",
)
# Random text of the allowed maximum: letters (Swedish ones too) and spaces.
RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö" + " " * 6


def random_questions(seed: int = 16, chars: int = HEAVY_CHARS) -> Iterator[str]:
    """Endless distinct questions of `chars` random letters and spaces (the probe's load)."""
    import random

    rng = random.Random(seed)
    while True:
        text = "".join(rng.choice(RANDOM_ALPHABET) for _ in range(chars)).strip()
        yield "x" + text[1:] if not text[:1].isalpha() else text


def case_descriptions(seed: int = 16, chars: int = HEAVY_CHARS) -> Iterator[str]:
    """Endless distinct long real Swedish questions: case sentences in a random order, up
    to `chars` characters, ending with a question."""
    import random

    rng = random.Random(seed)
    asks = [s for s in CASE_SENTENCES if s.endswith("?")]
    told = [s for s in CASE_SENTENCES if not s.endswith("?")]
    seen: set[str] = set()
    while True:
        question = rng.choice(asks)
        parts: list[str] = []
        for sentence in rng.sample(told, len(told)):
            if len(" ".join([*parts, sentence, question])) > chars:
                continue
            parts.append(sentence)
        text = " ".join([*parts, question])
        if text not in seen:
            seen.add(text)
            yield text


async def _beside_heavy(
    url: str,
    normal: Iterator[str],
    heavy: Iterator[str] | None,
    requests: int,
    seconds: float,
) -> dict[str, Any]:
    """NORMAL_CLIENTS clients ask `requests` normal questions while (given `heavy`)
    HEAVY_CLIENTS others post heavy ones back to back, ignoring any Retry-After."""
    import httpx

    normal_times: list[float] = []
    heavy_times: list[float] = []
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    sent = 0
    deadline = time.perf_counter() + seconds
    done = asyncio.Event()

    async def ask(client: httpx.AsyncClient, question: str) -> tuple[int | str, float]:
        started = time.perf_counter()
        try:
            reply = await client.post("/v1/ask", json={"question": question})
        except httpx.HTTPError as exc:
            return type(exc).__name__, time.perf_counter() - started
        return reply.status_code, time.perf_counter() - started

    async def normal_loop(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < requests and time.perf_counter() < deadline:
            sent += 1
            status, took = await ask(client, next(normal))
            if status == 200:
                normal_times.append(took)
            else:
                failures[str(status)] += 1

    async def heavy_loop(client: httpx.AsyncClient) -> None:
        assert heavy is not None
        while not done.is_set():
            status, took = await ask(client, next(heavy))
            statuses[str(status)] += 1
            if status == 200:
                heavy_times.append(took)

    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as normal_client, \
            httpx.AsyncClient(base_url=url, timeout=timeout) as heavy_client:
        loaders = [
            asyncio.create_task(heavy_loop(heavy_client))
            for _ in range(HEAVY_CLIENTS if heavy is not None else 0)
        ]
        if loaders:
            await asyncio.sleep(1.0)  # the heavy load is under way before measuring
        started = time.perf_counter()
        await asyncio.gather(*(normal_loop(normal_client) for _ in range(NORMAL_CLIENTS)))
        wall = time.perf_counter() - started
        done.set()
        await asyncio.gather(*loaders)
    return {
        "seconds": round(wall, 3),
        "ok": len(normal_times) + len(heavy_times),
        "normal": {
            "clients": NORMAL_CLIENTS,
            "requests": sent,
            "ok": len(normal_times),
            "failures": dict(failures),
            "seconds": round(wall, 3),
            "latency": summarise(normal_times),
        },
        "heavy": {
            "clients": HEAVY_CLIENTS,
            "statuses": dict(statuses),
            "latency": summarise(heavy_times),
        } if heavy is not None else None,
    }


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
            phases[name] = _with_cpu(process.pid, partial(
                asyncio.run, _beside_heavy(url, normal, heavy, plan.heavy_requests,
                                           plan.heavy_seconds),
            ))
    base = [_get(phases, n, "normal", "latency", "p95_ms") for n in ("alone", "alone_again")]
    known = [b for b in base if b]
    alone_p95 = min(known) if known else None

    def ratio(name: str) -> float | None:
        p95 = _get(phases, name, "normal", "latency", "p95_ms")
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


# ── index build: cold, unchanged, one agreement added ──────────────────────────────────


class _Replay:
    """Passes stored vectors off as a model's own, to fill an embedding cache cheaply."""

    def __init__(self, like: Embedder, known: Mapping[str, np.ndarray]) -> None:
        self.name = like.name
        self.version = like.version
        self.dimension = like.dimension
        self._known = known

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Not used: only passages are replayed."""
        raise NotImplementedError

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """The stored vectors of these passages."""
        return np.stack([self._known[t] for t in texts]).astype(np.float32)


def _copy_corpus(source: Path, target: Path, ids: Sequence[str]) -> None:
    """A corpus folder holding only the given documents of `source`."""
    catalog = corpus.load_catalog(source)
    target.mkdir(parents=True, exist_ok=True)
    kept = {i: catalog[i] for i in catalog if i in ids}
    for meta in kept.values():
        shutil.copyfile(source / meta.source, target / meta.source)
    corpus.save_catalog(target, kept)


def _build_once(
    settings: Settings, embedder: Embedder | None
) -> dict[str, Any]:
    """Build the index of `settings.corpus_dir`: in a child process with the configured
    model (so its peak RSS is its own), or here with the given embedder."""
    if embedder is not None:
        gc.collect()
        started = time.perf_counter()
        report = build_index(settings, embedder, progress=False)
        wall = time.perf_counter() - started
        return {
            "seconds": round(wall, 3),
            "passages": report.manifest.chunk_count,
            "embedded": report.embedded,
            "peak_rss_mb": None,
            "vector_kind": report.manifest.vector_kind,
        }
    env = dict(os.environ)
    env["ASSISTANT_EMBEDDING_CACHE_DIR"] = str(settings.cache_dir)
    env["ASSISTANT_DATA_DIR"] = str(settings.data_dir)
    command = [
        sys.executable, "-m", "assistant", "index", "--force",
        "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"`assistant index` misslyckades ({process.returncode}): {output}")
    manifest = read_manifest(settings.index_dir)
    embedded = None
    for word, before in zip(output.split()[1:], output.split(), strict=False):
        if word == "nya" and before.isdigit():
            embedded = int(before)
    return {
        "seconds": round(wall, 3),
        "build_seconds": manifest.build_seconds,
        "passages": manifest.chunk_count,
        "embedded": embedded,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kB
        "vector_kind": manifest.vector_kind,
    }


def measure_build(
    settings: Settings,
    plan: Plan,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build time (and peak RSS) of the index: cold from an empty embedding cache, again
    with nothing changed, and after one agreement is added to an indexed corpus."""
    from assistant.index.embedding import get_embedder

    catalog = corpus.load_catalog(settings.corpus_dir)
    by_size = sorted(
        catalog, key=lambda i: (settings.corpus_dir / catalog[i].source).stat().st_size
    )
    chosen = by_size if plan.build_documents is None else by_size[: plan.build_documents]
    if len(chosen) < 2:
        raise ValueError("the build benchmark needs at least two documents")
    added = chosen[0]  # the smallest: what an administrator most often adds is one agreement
    with tempfile.TemporaryDirectory(prefix="assistant-bench-build-") as tmp:
        root = Path(tmp)
        whole, before = root / "corpus", root / "corpus-before"
        _copy_corpus(settings.corpus_dir, whole, chosen)
        _copy_corpus(settings.corpus_dir, before, [i for i in chosen if i != added])

        def at(corpus_dir: Path, index_dir: str, cache: str) -> Settings:
            return settings.with_overrides(
                corpus_dir=corpus_dir,
                index_dir=root / index_dir,
                data_dir=root / "data",
                embedding_cache_dir=root / cache,
            )

        if progress:
            progress(f"kall byggnad ({len(chosen)} dokument)")
        cold = _build_once(at(whole, "index-a", "cache-a"), embedder)
        if progress:
            progress("ombyggnad utan ändringar")
        unchanged = _build_once(at(whole, "index-a", "cache-a"), embedder)

        # The state before the agreement arrived: an index whose cache lacks exactly its
        # passages. Replaying the vectors from the first cache saves embedding them again.
        model = embedder or get_embedder(settings)
        old = at(before, "index-b", "cache-b")
        texts = [c.indexed_text for c in chunking.chunk_documents(
            corpus.load_documents(before), settings
        )]
        matrix, _ = embed_passages(texts, model, root / "cache-a", progress=False)
        replay = _Replay(model, dict(zip(texts, matrix, strict=True)))
        embed_passages(texts, replay, old.cache_dir, progress=False)
        _build_once(old, replay if embedder is not None else None)
        if progress:
            progress(f"ett dokument till ({added})")
        grown = _build_once(at(whole, "index-b", "cache-b"), embedder)
    return {
        "documents": len(chosen),
        "added_document": added,
        "cold": cold,
        "unchanged": unchanged,
        "one_added": grown,
    }


# ── scale: synthetic corpora of 10k and 100k passages ──────────────────────────────────


def _loaded(
    like: Manifest,
    documents: Mapping[str, Any],
    chunks: Sequence[Any],
    matrix: np.ndarray,
    kind: vectors.KindChoice,
    dense: vectors.VectorIndex | None = None,
    sparse: lexical.LexicalIndex | None = None,
) -> LoadedIndex:
    dense = dense or vectors.build(matrix, kind)
    sparse = sparse or lexical.build([c.indexed_text for c in chunks])
    by_document: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        by_document.setdefault(chunk.document_id, []).append(row)
    manifest = replace(
        like,
        format=INDEX_FORMAT,
        vector_kind=dense.kind,
        chunk_count=len(chunks),
        corpus_fingerprint="synthetic",
        documents={},
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files={},
    )
    return LoadedIndex(
        manifest=manifest,
        chunks=tuple(chunks),
        vectors=dense,
        lexical=sparse,
        documents=MappingProxyType(dict(documents)),
        rows=MappingProxyType({c.id: i for i, c in enumerate(chunks)}),
        document_rows=MappingProxyType({d: tuple(r) for d, r in by_document.items()}),
    )


def _growth(before: float | None, after: float | None) -> float | None:
    return round(after - before, 1) if after is not None and before is not None else None


def _search_each(
    dense: vectors.VectorIndex,
    query_vectors: np.ndarray,
    k: int,
    allowed: Sequence[set[int] | None] | None,
) -> tuple[list[list[tuple[int, float]]], list[float]]:
    """Each query on its own (as the service asks them): results and seconds."""
    found: list[list[tuple[int, float]]] = []
    took: list[float] = []
    for i in range(len(query_vectors)):
        rows = allowed[i] if allowed is not None else None
        started = time.perf_counter()
        hits = vectors.search(dense, query_vectors[i : i + 1], k, rows)
        took.append(time.perf_counter() - started)
        found.append(hits[0] if hits else [])
    return found, took


def _directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _recall(
    found: Sequence[Sequence[tuple[int, float]]],
    exact: Sequence[Sequence[tuple[int, float]]],
    k: int,
) -> float:
    shares = []
    for got, truth in zip(found, exact, strict=True):
        best = {r for r, _ in truth[:k]}
        if best:
            shares.append(len(best & {r for r, _ in got[:k]}) / len(best))
    return round(float(np.mean(shares)), 4) if shares else 1.0


def _allowed_rows(index: LoadedIndex, question: str) -> set[int] | None:
    """The rows retrieval would search for this question (None: all of them)."""
    covered = {m.region for m in index.documents.values() if m.region}
    place = locate(question, Filters(), covered)
    documents = select_documents(index, Filters(), place)
    if len(documents) == len(index.documents):
        return None
    return {r for d in documents for r in index.document_rows.get(d, ())}


def measure_scale_size(
    base: LoadedIndex,
    engine: Engine,
    questions: Sequence[str],
    query_vectors: np.ndarray,
    rows: int,
    kinds: Sequence[vectors.VectorKind],
) -> dict[str, Any]:
    """One synthetic size: build time, size, latency and recall of each vector index kind,
    BM25 the same, and whole retrieval (without the query embedding) with the default."""
    gc.collect()
    rss_before = memory_of()["rss_mb"]
    started = time.perf_counter()
    made = synthesise(base.documents, base.chunks, vectors.matrix(base.vectors), rows)
    made_s = time.perf_counter() - started
    texts = [c.indexed_text for c in made.chunks]
    started = time.perf_counter()
    sparse = lexical.build(texts)
    sparse_s = time.perf_counter() - started
    candidates = engine.settings.candidates
    result: dict[str, Any] = {
        "rows": len(made.chunks),
        "documents": len(made.documents),
        "synthesis_s": round(made_s, 2),
    }
    gc.collect()
    before = memory_of()["rss_mb"]
    started = time.perf_counter()
    flat = vectors.build(made.vectors, "flat")
    flat_s = time.perf_counter() - started
    flat_growth = _growth(before, memory_of()["rss_mb"])
    exact = _loaded(base.manifest, made.documents, made.chunks, made.vectors, "flat",
                    dense=flat, sparse=sparse)
    # Filters as retrieval applies them (most questions name a region).
    allowed = [_allowed_rows(exact, q) for q in questions]
    filtered = [i for i, a in enumerate(allowed) if a is not None]
    result["filtered_share"] = round(len(filtered) / max(len(questions), 1), 3)
    result["filtered_rows_mean"] = (
        round(float(np.mean([len(allowed[i] or ()) for i in filtered])), 1) if filtered else None
    )

    with tempfile.TemporaryDirectory(prefix="assistant-bench-scale-") as tmp:
        lexical.save(sparse, Path(tmp) / "lexical")
        sparse_bytes = _directory_bytes(Path(tmp) / "lexical")
    plain: list[float] = []
    both: list[float] = []
    for text, subset in zip((expand_query(q) for q in questions), allowed, strict=True):
        started = time.perf_counter()
        lexical.search(sparse, text, candidates)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        lexical.search(sparse, text, candidates, subset)
        both.append(time.perf_counter() - started)
    result["bm25"] = {
        "build_s": round(sparse_s, 2),
        "size_mb": round(sparse_bytes / 2**20, 1),
        "query": summarise(plain),
        "query_as_asked": summarise(both),
    }

    default = vectors.choose_kind(len(made.chunks))
    kept = flat if default == "flat" else None
    exact_plain: list[list[tuple[int, float]]] = []
    exact_asked: list[list[tuple[int, float]]] = []
    result["vectors"] = {}
    order: list[vectors.VectorKind] = ["flat", *[k for k in kinds if k != "flat"]]
    for kind in order:
        dense, build_s, growth = flat, flat_s, flat_growth
        if kind != "flat":
            gc.collect()
            before = memory_of()["rss_mb"]
            started = time.perf_counter()
            dense = vectors.build(made.vectors, kind)
            build_s = time.perf_counter() - started
            growth = _growth(before, memory_of()["rss_mb"])
        plain_found, plain_t = _search_each(dense, query_vectors, candidates, None)
        asked_found, asked_t = _search_each(dense, query_vectors, candidates, allowed)
        if kind == "flat":
            exact_plain, exact_asked = plain_found, asked_found
        entry: dict[str, Any] = {
            "build_s": round(build_s, 2),
            "size_mb": round(vectors.size_bytes(dense) / 2**20, 1),
            "rss_growth_mb": growth,
            "query": summarise(plain_t),
            "query_as_asked": summarise(asked_t),
        }
        if exact_plain:
            entry["recall_at_10"] = _recall(plain_found, exact_plain, 10)
            entry["recall_at_10_as_asked"] = _recall(asked_found, exact_asked, 10)
        result["vectors"][kind] = entry
        if kind == default:
            kept = dense
        del dense

    if kept is None:  # the default kind was not among those measured
        kept = vectors.build(made.vectors, default)
    index = replace(exact, vectors=kept, manifest=replace(exact.manifest, vector_kind=default))
    del exact, flat
    for question in questions:  # fills the query cache: embedding is not what grows
        retrieve(index, engine.embedder, question, engine.settings)
    stages: dict[str, list[float]] = {}
    rest: list[float] = []
    for question in questions:
        timings = retrieve(index, engine.embedder, question, engine.settings).timings
        for name, value in timings.items():
            stages.setdefault(name, []).append(value)
        rest.append(sum(v for n, v in timings.items() if n != "embed"))
    result["retrieval"] = {
        "vector_kind": default,
        "without_embedding": summarise(rest),
        "stages": {n: summarise(v) for n, v in stages.items() if n != "embed"},
    }
    result["process_rss_mb"] = memory_of()["rss_mb"]
    result["process_rss_growth_mb"] = _growth(rss_before, result["process_rss_mb"])
    return result


def measure_scale(
    engine: Engine,
    questions: Sequence[str],
    plan: Plan,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Each synthetic size of the plan; query vectors are the real model's for the questions."""
    asked = list(questions[: plan.scale_queries])
    cached = CachedEmbedder(bare_embedder(engine.embedder), max(len(asked) * 4, 64))
    engine = replace(engine, embedder=cached)
    query_vectors = cached.embed_queries(asked)
    sizes = []
    for rows in plan.scale_rows:
        if progress:
            progress(f"{rows} passager")
        sizes.append(
            measure_scale_size(engine.index, engine, asked, query_vectors, rows, plan.scale_kinds)
        )
        gc.collect()
    return {
        "queries": len(asked),
        "candidates": engine.settings.candidates,
        "note": (
            "Syntetisk korpus: verkliga passager kopierade till andra län med ändrade ortnamn, "
            "tal, synonymer och ordföljd; vektorerna är de verkliga passagernas vektorer med "
            f"gaussiskt brus (σ = {_noise()}) och omnormerade, inte nya inbäddningar. "
            "BM25 byggs på de syntetiska texterna."
        ),
        "defaults": {
            "flat_max_rows": vectors.FLAT_MAX_ROWS,
            "exact_subset_rows": vectors.EXACT_SUBSET_ROWS,
            "hnsw": {"m": vectors.HNSW_NEIGHBOURS, "ef_construction": vectors.HNSW_EF_CONSTRUCTION,
                     "ef_search": vectors.HNSW_EF_SEARCH},
            "ivf": {"lists_per_sqrt_n": vectors.IVF_LISTS_PER_SQRT, "probes": vectors.IVF_PROBES},
        },
        "sizes": sizes,
    }


def _noise() -> float:
    from assistant.bench.synthetic import VECTOR_NOISE

    return VECTOR_NOISE


# ── targets, table, chart ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Target:
    """A target of the issue, the figure measured for it and whether it holds."""

    name: str
    measured: float | None
    limit: float | None
    unit: str
    holds: bool | None  # None: not measured in this run
    kind: str = "max"  # "max": measured ≤ limit; "min": measured ≥ limit


def _get(data: Mapping[str, Any], *path: str | int) -> Any:
    value: Any = data
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _level(results: Mapping[str, Any], clients: int) -> Mapping[str, Any] | None:
    for level in _get(results, "http", "levels") or ():
        if level.get("clients") == clients:
            return level
    return None


def _check(name: str, measured: Any, limit: Any, unit: str, kind: str = "max") -> Target:
    if measured is None or limit is None:
        return Target(name, measured, limit, unit, None, kind)
    holds = measured <= limit if kind == "max" else measured >= limit
    return Target(name, round(float(measured), 3), round(float(limit), 3), unit, holds, kind)


def floor_p50(results: Mapping[str, Any]) -> float | None:
    """The floor's median in ms: from the ask run, else the retrieval run, else the HTTP one."""
    for path in (("ask", "floor"), ("retrieval", "floor"), ("http", "floor")):
        value = _get(results, *path, "p50_ms")
        if value is not None:
            return float(value)
    return None


def throughput_goal(results: Mapping[str, Any], floor_ms: float | None) -> float | None:
    """The throughput target for a floor: THROUGHPUT_SHARE × cores ÷ floor, a second."""
    if not floor_ms:
        return None
    return THROUGHPUT_SHARE * (_get(results, "machine", "cores") or cores()) / (floor_ms / 1000)


def evaluate_targets(results: Mapping[str, Any]) -> list[Target]:
    """Every target of issues 9 and 3 against this run's figures (the HTTP ones against the
    floor measured just before their level, when there is one)."""
    floor = floor_p50(results)
    one = _level(results, 1) or {}
    sixteen = _level(results, 16) or {}
    http_floor = _get(results, "http", "floor", "p50_ms") or floor
    one_floor = _get(one, "floor", "p50_ms") or http_floor
    sixteen_floor = _get(sixteen, "floor", "p50_ms") or http_floor
    server = _get(results, "http", "server_memory", "after_load", "peak_rss_mb")
    retrieval = _get(results, "retrieval") or _get(results, "ask") or {}
    largest = (_get(results, "scale", "sizes") or [{}])[-1]
    return [
        _check("ask i processen, p50", _get(results, "ask", "stages", "total", "p50_ms"),
               floor * ASK_RATIO if floor else None, "ms"),
        _check("HTTP /v1/ask, 1 klient, p50", _get(one, "latency", "p50_ms"),
               one_floor * HTTP_RATIO if one_floor else None, "ms"),
        _check("genomströmning, 16 klienter", sixteen.get("throughput_per_s"),
               throughput_goal(results, sixteen_floor),
               "frågor/s", "min"),
        _check("serverns RSS (topp)", server, SERVER_RSS_MB, "MB"),
        _check("hämtning p50", _get(retrieval, "retrieval", "p50_ms"), RETRIEVAL_P50_MS, "ms"),
        _check("hämtning utom frågeinbäddning, p50",
               _get(retrieval, "retrieval_without_embedding", "p50_ms"),
               RETRIEVAL_REST_P50_MS, "ms"),
        _check(f"hämtning utom inbäddning vid {largest.get('rows', '?')} passager, p95",
               _get(largest, "retrieval", "without_embedding", "p95_ms"), SCALE_P95_MS, "ms"),
        _check(f"vanliga frågor p95 bredvid {HEAVY_CLIENTS} med {HEAVY_CHARS} slumptecken "
               "÷ utan", _get(results, "heavy", "ratio_random"), HEAVY_RATIO, "×"),
        _check(f"vanliga frågor p95 bredvid {HEAVY_CLIENTS} med långa fallbeskrivningar "
               "÷ utan", _get(results, "heavy", "ratio_cases"), HEAVY_RATIO, "×"),
    ]


def _ms(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _rows_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    rows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def render_table(results: Mapping[str, Any]) -> str:
    """The figures as plain-text tables."""
    lines: list[str] = []
    m = results.get("machine", {})
    lines.append(f"Maskin: {m.get('cpu')}, {m.get('cores')} kärnor, {m.get('memory_gb')} GB, "
                 f"Python {m.get('python')}; last vid start {m.get('load_average_at_start')}")
    floor = floor_p50(results)
    if floor is not None:
        lines.append(f"Golv (modellens frågeinbäddning, p50): {floor:.1f} ms")
    for section in ("ask", "retrieval"):
        run = results.get(section)
        if not run:
            continue
        title = "ask i processen" if section == "ask" else "hämtning i processen"
        lines += ["", f"{title} ({run['questions']} unika frågor, tom frågecache), ms"]
        rows = [[name, _ms(s["p50_ms"]), _ms(s["p95_ms"]), _ms(s["p99_ms"]), str(s["n"])]
                for name, s in run["stages"].items()]
        rows.append(["golv (ren inbäddning)", *[_ms(run["floor"][k]) for k in
                                                 ("p50_ms", "p95_ms", "p99_ms")],
                     str(run["floor"]["n"])])
        rows.append(["hämtning utom inbäddning",
                     *[_ms(run["retrieval_without_embedding"][k]) for k in
                       ("p50_ms", "p95_ms", "p99_ms")],
                     str(run["retrieval_without_embedding"]["n"])])
        rows.append(["upprepad fråga (cacheträff)",
                     *[_ms(run["cached"][k]) for k in ("p50_ms", "p95_ms", "p99_ms")],
                     str(run["cached"]["n"])])
        lines += _rows_table(["steg", "p50", "p95", "p99", "n"], rows)
    http = results.get("http")
    if http:
        lines += ["", f"HTTP POST /v1/ask på 127.0.0.1 (workers = {http['workers']}), ms"]
        if http.get("floor"):
            floor_http = http["floor"]
            lines.append(f"Golv uppmätt före varje nivå, servern i vila: p50 "
                         f"{_ms(floor_http['p50_ms'])} ms, p95 {_ms(floor_http['p95_ms'])} ms")
        alone = http.get("floor_one_core")
        if alone:
            goal = throughput_goal(results, alone["p50_ms"])
            lines.append(f"Golv på en kärna: p50 {_ms(alone['p50_ms'])} ms "
                         f"({THROUGHPUT_SHARE:.0%} av kärnor ÷ det: {goal:.1f} frågor/s)")
        capacity = http.get("model_capacity")
        if capacity:
            lines.append(f"Modellens kapacitet (ren modell, {capacity['lanes']} samtidiga anrop "
                         f"à {capacity['batch']} frågor): {capacity['questions_per_s']} frågor/s")
        rows = []
        for level in [*http["levels"], {**http["cached"], "clients": "1, upprepad"}]:
            lat = level["latency"]
            probe = level.get("probe") or {}
            rows.append([str(level["clients"]), _ms((level.get("floor") or {}).get("p50_ms")),
                         _ms(lat["p50_ms"]), _ms(lat["p95_ms"]),
                         _ms(lat["p99_ms"]), f"{level['throughput_per_s'] or 0:.2f}",
                         f"{level['ok']}/{level['requests']}",
                         _ms(level.get("server_cpu_ms_per_answer")),
                         _ms(level.get("server_cores_busy")), _ms(probe.get("p95_ms"))])
        lines += _rows_table(["klienter", "golv p50", "p50", "p95", "p99", "frågor/s", "ok",
                              "CPU-ms/svar", "kärnor", "healthz p95"], rows)
        mem = http["server_memory"]
        lines.append(f"Serverns RSS: {mem['idle']['rss_mb']} MB i vila, "
                     f"{mem['after_load']['rss_mb']} MB efter lasten, "
                     f"topp {mem['after_load']['peak_rss_mb']} MB")
    build = results.get("build")
    if build:
        lines += ["", f"Indexbygge ({build['documents']} dokument)"]
        rows = []
        for name, label in (("cold", "kallt (tom cache)"), ("unchanged", "oförändrat"),
                            ("one_added", f"+1 dokument ({build['added_document']})")):
            b = build[name]
            rows.append([label, f"{b['seconds']:.1f}", str(b["passages"]),
                         str(b["embedded"] if b["embedded"] is not None else "–"),
                         str(b["peak_rss_mb"] or "–")])
        lines += _rows_table(["bygge", "s", "passager", "inbäddade", "topp-RSS MB"], rows)
    scale = results.get("scale")
    if scale:
        lines += ["", f"Skala (syntetisk korpus, {scale['queries']} frågor, "
                      f"{scale['candidates']} kandidater), ms"]
        rows = []
        for size in scale["sizes"]:
            for kind, v in size["vectors"].items():
                rows.append([f"{size['rows']} {kind}", f"{v['build_s']:.1f}",
                             f"{v['size_mb']:.0f}", _ms(v["query"]["p50_ms"]),
                             _ms(v["query"]["p95_ms"]), _ms(v["query_as_asked"]["p95_ms"]),
                             str(v.get("recall_at_10", "–"))])
            b = size["bm25"]
            rows.append([f"{size['rows']} bm25", f"{b['build_s']:.1f}", f"{b['size_mb']:.0f}",
                         _ms(b["query"]["p50_ms"]), _ms(b["query"]["p95_ms"]),
                         _ms(b["query_as_asked"]["p95_ms"]), "–"])
            r = size["retrieval"]
            w = r["without_embedding"]
            rows.append([f"{size['rows']} hämtning ({r['vector_kind']})", "–",
                         "–", _ms(w["p50_ms"]), _ms(w["p95_ms"]), "–", "–"])
        lines += _rows_table(["index", "bygge s", "MB", "p50", "p95", "p95 filtrerad",
                              "recall@10"], rows)
    heavy = results.get("heavy")
    if heavy:
        lines += ["", f"Vanliga frågor ({heavy['normal_clients']} klienter) bredvid "
                      f"{heavy['heavy_clients']} klienter med tunga frågor "
                      f"({heavy['heavy_chars']} tecken), ms"]
        rows = []
        labels = {"alone": "utan tung last", "random": "bredvid slumptecken",
                  "cases": "bredvid fallbeskrivningar", "alone_again": "utan tung last igen"}
        for name, label in labels.items():
            phase = heavy["phases"].get(name)
            if not phase:
                continue
            lat = phase["normal"]["latency"]
            other = phase.get("heavy") or {}
            answered = (other.get("statuses") or {}).get("200", 0) if other else "–"
            shed = (other.get("statuses") or {}).get("503", 0) if other else "–"
            rows.append([label, _ms(lat["p50_ms"]), _ms(lat["p95_ms"]),
                         f"{phase['normal']['ok']}/{phase['normal']['requests']}",
                         str(answered), str(shed),
                         _ms((other.get("latency") or {}).get("p50_ms")) if other else "–",
                         _ms(phase.get("server_cores_busy"))])
        lines += _rows_table(["fas", "p50", "p95", "ok", "tunga besvarade", "tunga 503",
                              "tunga p50", "kärnor"], rows)
        lines.append(f"p95 bredvid slumptecken ÷ utan: {heavy['ratio_random']}; bredvid "
                     f"fallbeskrivningar ÷ utan: {heavy['ratio_cases']} (mål ≤ {HEAVY_RATIO})")
    targets = evaluate_targets(results)
    lines += ["", "Mål"]
    rows = []
    for t in targets:
        sign = "≤" if t.kind == "max" else "≥"
        verdict = "–" if t.holds is None else ("håller" if t.holds else "HÅLLER INTE")
        rows.append([t.name, _ms(t.measured), f"{sign} {_ms(t.limit)} {t.unit}", verdict])
    lines += _rows_table(["mål", "uppmätt", "gräns", ""], rows)
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bar_panel(
    title: str,
    bars: Sequence[tuple[str, float | None, float | None]],
    x0: float,
    y0: float,
    unit: str,
    marker: tuple[float, str] | None = None,
) -> tuple[list[str], float]:
    """Horizontal bars (p50 solid, p95 pale behind it); returns the SVG and its height."""
    label_w, bar_w, row_h = 190.0, 330.0, 22.0
    values = [v for _, a, b in bars for v in (a, b) if v is not None]
    if marker:
        values.append(marker[0])
    top = max(values or [1.0]) * 1.08 or 1.0
    out = [f'<text x="{x0}" y="{y0 + 14}" font-weight="bold">{_escape(title)}</text>']
    y = y0 + 26
    for label, p50, p95 in bars:
        out.append(f'<text x="{x0}" y="{y + 15}">{_escape(label)}</text>')
        if p95 is not None:
            out.append(f'<rect x="{x0 + label_w}" y="{y + 3}" width="{bar_w * p95 / top:.1f}" '
                       f'height="16" fill="#bcd4ee"/>')
        if p50 is not None:
            out.append(f'<rect x="{x0 + label_w}" y="{y + 3}" width="{bar_w * p50 / top:.1f}" '
                       f'height="16" fill="#2f6db5"/>')
            text = f"{p50:.1f}" + (f" / {p95:.1f}" if p95 is not None else "") + f" {unit}"
            out.append(f'<text x="{x0 + label_w + bar_w + 6}" y="{y + 15}">{text}</text>')
        y += row_h
    if marker:
        mx = x0 + label_w + bar_w * marker[0] / top
        out.append(f'<line x1="{mx:.1f}" y1="{y0 + 24}" x2="{mx:.1f}" y2="{y + 2}" '
                   'stroke="#c0392b" stroke-dasharray="4 3"/>')
        out.append(
            f'<text x="{mx + 3:.1f}" y="{y + 14}" fill="#c0392b">{_escape(marker[1])}</text>'
        )
        y += 16
    return out, y - y0 + 8


def _clients(n: int) -> str:
    return "1 klient" if n == 1 else f"{n} klienter"


def render_chart(results: Mapping[str, Any]) -> str:
    """An SVG of the latencies, the throughput and the scale figures."""
    parts: list[str] = []
    y = 10.0
    floor = floor_p50(results)
    latency: list[tuple[str, float | None, float | None]] = []
    ask_run = results.get("ask") or results.get("retrieval")
    if ask_run:
        latency.append(("golv (inbäddning)", ask_run["floor"]["p50_ms"],
                        ask_run["floor"]["p95_ms"]))
        latency.append(("hämtning", ask_run["retrieval"]["p50_ms"],
                        ask_run["retrieval"]["p95_ms"]))
        total = ask_run["stages"]["total"]
        latency.append(("ask i processen" if "ask" in results else "search i processen",
                        total["p50_ms"], total["p95_ms"]))
        latency.append(("cacheträff", ask_run["cached"]["p50_ms"], ask_run["cached"]["p95_ms"]))
    # One client only: with more, latency is mostly waiting in line (see the throughput).
    for level in _get(results, "http", "levels") or ():
        if level["clients"] == 1:
            latency.append(("HTTP, 1 klient", level["latency"]["p50_ms"],
                            level["latency"]["p95_ms"]))
    if latency:
        marker = (floor * ASK_RATIO, f"{ASK_RATIO} × golvet") if floor else None
        svg, h = _bar_panel("Latens, p50 (mörk) och p95 (ljus)", latency, 10, y, "ms", marker)
        parts += svg
        y += h
    levels = _get(results, "http", "levels") or ()
    if levels:
        target = throughput_goal(results, floor)
        goal = (target, "mål") if target is not None else None
        bars = [(_clients(lv["clients"]), lv["throughput_per_s"], None) for lv in levels]
        svg, h = _bar_panel("Genomströmning", bars, 10, y, "frågor/s", goal)
        parts += svg
        y += h
    for size in _get(results, "scale", "sizes") or ():
        bars = [(f"{kind}", v["query"]["p50_ms"], v["query"]["p95_ms"])
                for kind, v in size["vectors"].items()]
        bars.append(("bm25", size["bm25"]["query"]["p50_ms"], size["bm25"]["query"]["p95_ms"]))
        w = size["retrieval"]["without_embedding"]
        bars.append((f"hämtning ({size['retrieval']['vector_kind']})", w["p50_ms"], w["p95_ms"]))
        svg, h = _bar_panel(f"{size['rows']} passager: sökning utan inbäddning", bars, 10, y,
                            "ms", (SCALE_P95_MS, "mål p95") if size["rows"] >= 100_000 else None)
        parts += svg
        y += h
    height = max(int(y + 10), 40)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="720" height="{height}" '
        f'viewBox="0 0 720 {height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        *parts,
        "</svg>",
    ]) + "\n"


# ── the whole run ──────────────────────────────────────────────────────────────────────


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
    needs_engine = {"retrieval", "ask", "http", "scale"} & set(sections)
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
    results["targets"] = [t.__dict__ for t in evaluate_targets(results)]
    return results


def write_results(results: Mapping[str, Any], out_dir: Path, stem: str = "results") -> list[Path]:
    """Write `<stem>.json` and `<stem>.svg` into out_dir; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / f"{stem}.json"
    chart = out_dir / f"{stem}.svg"
    data.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    chart.write_text(render_chart(results), encoding="utf-8")
    return [data, chart]
