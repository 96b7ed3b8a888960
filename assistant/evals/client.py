"""The tooling's one HTTP client: the eval and the benchmark asking a running server.

The only module of the tooling importing httpx (the chat endpoint has its own in
`answer/generation`). Three uses: one JSON request with 429 retried after the server's
Retry-After (`assistant eval --url`), a status poll (is a server ready yet?), and
`Session`, many concurrent requests of a load test, each timed, failures counted by name.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from assistant.errors import InputError

RETRIES = 5  # of a 429, each after the server's Retry-After
MAX_RETRY_WAIT = 60.0  # seconds, whatever Retry-After says


def request_json(
    url: str, body: dict[str, Any] | None, api_key: str | None, timeout: float
) -> tuple[int, Any]:
    """One JSON request (POST with a body, else GET); 429 retried after Retry-After."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
        headers["X-API-Key"] = api_key
    for attempt in range(RETRIES + 1):
        try:
            response = httpx.request(
                "GET" if data is None else "POST", url, content=data, headers=headers,
                timeout=timeout, follow_redirects=True,
            )
        except httpx.HTTPError as exc:
            raise InputError(f"Kan inte nå servern {url}: {exc}") from exc
        if response.status_code == 429 and attempt < RETRIES:
            wait = response.headers.get("Retry-After", "1")
            time.sleep(min(MAX_RETRY_WAIT,
                           float(wait) if wait.replace(".", "", 1).isdigit() else 1.0))
            continue
        try:
            payload = json.loads(response.content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            if response.status_code >= 400:
                return response.status_code, None
            raise InputError(f"Servern {url} svarade inte med JSON.") from exc
        return response.status_code, payload
    raise InputError(f"Servern {url} begränsar fortfarande antalet anrop (429).")


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
