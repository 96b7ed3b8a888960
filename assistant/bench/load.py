"""HTTP load on a running server: concurrent clients posting questions to /v1/ask, timed,
with a probe of the event loop meanwhile; and normal questions beside heavy ones."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from assistant.bench.figures import summarise
from assistant.bench.plan import HEAVY_CLIENTS, NORMAL_CLIENTS, PROBE_INTERVAL, SAMPLE_CHARS
from assistant.evals.client import Session, session

ASK_PATH = "/v1/ask"


class _Budget:
    """The requests concurrent clients may still send: a count and a deadline, shared."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.sent = 0
        self._requests = requests
        self._deadline = time.perf_counter() + seconds

    def take(self) -> bool:
        """Whether one more request may go, counting it as sent if so."""
        if self.sent < self._requests and time.perf_counter() < self._deadline:
            self.sent += 1
            return True
        return False


async def _load(
    url: str,
    questions: Iterator[str],
    clients: int,
    requests: int,
    seconds: float,
    probe: str | None,
) -> dict[str, Any]:
    latencies: list[float] = []
    probes: list[float] = []
    failures: Counter[str] = Counter()
    budget = _Budget(requests, seconds)
    done = asyncio.Event()

    async def client_loop(client: Session) -> None:
        while budget.take():
            reply = await client.post(ASK_PATH, {"question": next(questions)})
            if reply.status is None:
                failures[str(reply.outcome)] += 1
                continue
            if reply.status == 200 and reply.content[:SAMPLE_CHARS].find(b'"status"') >= 0:
                latencies.append(reply.seconds)
            else:
                failures[str(reply.status)] += 1

    async def probe_loop(path: str) -> None:
        # A route that does no work answers at once unless the event loop is blocked.
        async with session(url) as own:
            while not done.is_set():
                reply = await own.get(path)
                if reply.error is not None:
                    raise reply.error
                probes.append(reply.seconds)
                with suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), PROBE_INTERVAL)

    async with session(url, connections=clients) as client:
        watcher = asyncio.create_task(probe_loop(probe)) if probe else None
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        wall = time.perf_counter() - started
        done.set()
        if watcher:
            await watcher
    return {
        "clients": clients,
        "requests": budget.sent,
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


async def beside_heavy(
    url: str,
    normal: Iterator[str],
    heavy: Iterator[str] | None,
    requests: int,
    seconds: float,
) -> dict[str, Any]:
    """NORMAL_CLIENTS clients ask `requests` normal questions while (given `heavy`)
    HEAVY_CLIENTS others post heavy ones back to back, ignoring any Retry-After."""
    normal_times: list[float] = []
    heavy_times: list[float] = []
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    budget = _Budget(requests, seconds)
    done = asyncio.Event()

    async def normal_loop(client: Session) -> None:
        while budget.take():
            reply = await client.post(ASK_PATH, {"question": next(normal)})
            if reply.status == 200:
                normal_times.append(reply.seconds)
            else:
                failures[str(reply.outcome)] += 1

    async def heavy_loop(client: Session) -> None:
        assert heavy is not None
        while not done.is_set():
            reply = await client.post(ASK_PATH, {"question": next(heavy)})
            statuses[str(reply.outcome)] += 1
            if reply.status == 200:
                heavy_times.append(reply.seconds)

    async with session(url) as normal_client, session(url) as heavy_client:
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
            "requests": budget.sent,
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
