"""The tooling's one HTTP client: the eval and the benchmark asking a running server.

The only module of the tooling importing httpx (the chat endpoint has its own in
`answer/generation`). Three uses: one JSON request with 429 (and a 503 that says when)
retried after the server's Retry-After, the waits counted for the report
(`assistant eval --server`), a status poll (is a server ready yet?), and
`Session`, many concurrent requests of a load test, each timed, failures counted by name.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from assistant.errors import InputError

RETRY_STATUSES = (429, 503)  # rate limited; overloaded (503 only with a Retry-After)
MAX_RETRY_WAIT = 60.0  # seconds of one wait, whatever Retry-After says
RETRY_BUDGET = 900.0  # seconds of waiting in all, over a whole run
MAX_ATTEMPTS = 30  # of one request: a Retry-After of 0 must not loop for ever
DEFAULT_WAIT = 1.0  # a 429 without a readable Retry-After


@dataclass(eq=False)
class Waits:
    """The waits one run made on the server's Retry-After: how many, how long in all, and
    the budget they may not exceed (a server that keeps refusing ends the run)."""

    budget: float = RETRY_BUDGET
    count: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)  # waits per status

    def note(self) -> str | None:
        """The waits in one Swedish sentence for a report, or None when there were none."""
        if not self.count:
            return None
        by_status = ", ".join(f"{n} efter {s}" for s, n in sorted(self.statuses.items()))
        return (
            f"servern bad klienten vänta {self.count} gånger ({by_status}), sammanlagt "
            f"{self.seconds:.0f} s; frågorna ställdes igen och väntan räknas inte i svarstiden"
        )


def retry_after(response: httpx.Response, now: float | None = None) -> float | None:
    """The seconds a 429 or 503 asks the client to wait (capped), or None when it is not
    to be retried: a 503 without Retry-After is an outage (no index), not a queue."""
    if response.status_code not in RETRY_STATUSES:
        return None
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return DEFAULT_WAIT if response.status_code == 429 else None
    try:
        seconds = float(value)
    except ValueError:
        try:  # an HTTP date
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_WAIT
        now = time.time() if now is None else now
        seconds = when.timestamp() - now
    if math.isnan(seconds):
        return DEFAULT_WAIT
    return min(MAX_RETRY_WAIT, max(0.0, seconds))


def request_json(
    url: str,
    body: dict[str, Any] | None,
    api_key: str | None,
    timeout: float,
    waits: Waits | None = None,
) -> tuple[int, Any]:
    """One JSON request (POST with a body, else GET). A 429, or a 503 with Retry-After, is
    asked again after the server's Retry-After, counted in `waits` (a run's; default this
    request's own) until its budget is spent."""
    waits = Waits() if waits is None else waits
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
        headers["X-API-Key"] = api_key
    for _ in range(MAX_ATTEMPTS):
        try:
            response = httpx.request(
                "GET" if data is None else "POST", url, content=data, headers=headers,
                timeout=timeout, follow_redirects=True,
            )
        except httpx.HTTPError as exc:
            raise InputError(f"Kan inte nå servern {url}: {exc}") from exc
        wait = retry_after(response)
        if wait is None:
            return response.status_code, _payload(url, response)
        if waits.seconds + wait > waits.budget:
            raise InputError(
                f"Servern {url} svarar fortfarande {response.status_code} efter "
                f"{waits.count} väntetider ({waits.seconds:.0f} s av högst "
                f"{waits.budget:.0f} s). Be driften om en nyckel som gränsen inte räknar "
                "(ASSISTANT_RATE_LIMIT_EXEMPT_KEYS, docs/operations.md) och ange den med "
                "--api-key."
            )
        time.sleep(wait)
        waits.count += 1
        waits.seconds += wait
        waits.statuses[response.status_code] = waits.statuses.get(response.status_code, 0) + 1
    raise InputError(
        f"Servern {url} svarade {response.status_code} på {MAX_ATTEMPTS} försök i rad."
    )


def _payload(url: str, response: httpx.Response) -> Any:
    """The response's JSON; None for an error without JSON."""
    try:
        return json.loads(response.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        if response.status_code >= 400:
            return None
        raise InputError(f"Servern {url} svarade inte med JSON.") from exc


def status_of(url: str, timeout: float = 2.0) -> int | None:
    """The status of a GET of `url`, or None when the server does not answer."""
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


@dataclass(frozen=True)
class Exchange:
    """One request of a load test: the status, or the failure that came instead."""

    status: int | None
    content: bytes
    seconds: float  # from sending to the whole response read (or to the failure)
    error: httpx.HTTPError | None = None

    @property
    def outcome(self) -> int | str:
        """The status, or the failure's class name (how the figures count it)."""
        return self.status if self.status is not None else type(self.error).__name__


class Session:
    """Requests to one server over a pool of kept-alive connections, each one timed."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def post(self, path: str, body: dict[str, Any]) -> Exchange:
        """POST JSON to `path`; a transport failure is returned, not raised."""
        return await self._send("POST", path, body)

    async def get(self, path: str) -> Exchange:
        """GET `path`; a transport failure is returned, not raised."""
        return await self._send("GET", path, None)

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> Exchange:
        started = time.perf_counter()
        try:
            reply = await self._client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            return Exchange(None, b"", time.perf_counter() - started, exc)
        return Exchange(reply.status_code, reply.content, time.perf_counter() - started)


@asynccontextmanager
async def session(
    base_url: str, *, timeout: float = 120.0, connections: int | None = None
) -> AsyncIterator[Session]:
    """A `Session` to `base_url`; `connections` caps the pool (None: httpx's default)."""
    pool: dict[str, Any] = {}
    if connections is not None:
        pool["limits"] = httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, **pool) as client:
        yield Session(client)
