"""Who may call the API, and how often: API keys, the admin key and rate limiting.

- API keys (`X-API-Key`) are optional. When `settings.api_keys` is set, every `/v1/` call
  needs one of them, except calls from a browser on an allowed origin (`cors_origins`) or
  on the service's own pages while `keyless_browsers` is on: the chat widget runs in the
  user's browser and cannot keep a secret. Such calls are recognised by the `Origin` and
  `Sec-Fetch-Site` headers, which browsers set and scripts in them cannot forge; other
  programs can, so keys identify and limit integrators rather than wall off the network
  (docs/operations.md says how to require a key from everyone).
- The admin calls (`/v1/admin/…`) need `X-Admin-Key`; they are off without `admin_key`.
- Rate limiting: a token bucket per valid key, else per client address, refilled at
  `rate_limit_per_minute`; a request over the limit gets a 429 with `Retry-After`.

Keys are compared as SHA-256 digests with `hmac.compare_digest`, against every configured
key, so neither the time taken nor an early exit tells how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.error_handlers import assistant_error_response
from assistant.errors import AuthError, RateLimitError
from assistant.settings import Settings

logger = logging.getLogger("assistant.api")

API_KEY_HEADER = "X-API-Key"
ADMIN_KEY_HEADER = "X-Admin-Key"
GUARDED_PREFIX = "/v1/"
ADMIN_PREFIX = "/v1/admin/"
MAX_CLIENTS = 10_000  # buckets kept at most; idle ones are dropped first
NO_KEY = f"En API-nyckel krävs: skicka den i huvudet {API_KEY_HEADER}."
BAD_KEY = f"API-nyckeln i {API_KEY_HEADER} är ogiltig."
ADMIN_OFF = "Administrativa anrop är avstängda: ASSISTANT_ADMIN_KEY är inte satt."
BAD_ADMIN_KEY = f"Administratörsnyckeln i {ADMIN_KEY_HEADER} saknas eller är ogiltig."
TOO_MANY = "För många förfrågningar. Vänta {seconds} sekunder och försök igen."


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def key_matches(given: str, keys: Iterable[str]) -> bool:
    """Whether `given` is one of `keys`, comparing against all of them in constant time."""
    wanted = _digest(given)
    found = False
    for key in keys:
        found |= hmac.compare_digest(wanted, _digest(key))
    return found


def key_identity(key: str) -> str:
    """A name for a key in rate limits and logs that does not reveal the key."""
    return "key:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def check_admin_key(settings: Settings, given: str | None) -> None:
    """Raise AuthError (401) unless `given` is the configured admin key."""
    if not settings.admin_key:
        raise AuthError(ADMIN_OFF)
    if not given or not key_matches(given, (settings.admin_key,)):
        raise AuthError(BAD_ADMIN_KEY)


@dataclass(eq=False)
class RateLimiter:
    """Token buckets per client: `per_minute` requests a minute, bursts up to that many."""

    per_minute: int
    max_clients: int = MAX_CLIENTS
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, when
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token of `client`; 0 if allowed, else the seconds until one is free."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._prune(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate

    def _prune(self, now: float) -> None:
        # A bucket idle for a minute is full again: forgetting it changes nothing.
        idle = [c for c, (_, then) in self._buckets.items() if now - then >= 60.0]
        for client in idle:
            del self._buckets[client]
        if len(self._buckets) > self.max_clients:
            oldest = sorted(self._buckets, key=lambda c: self._buckets[c][1])
            for client in oldest[: len(oldest) // 2]:
                del self._buckets[client]


def _own_origins(scope: Scope, headers: Headers, public_url: str) -> set[str]:
    origins = set()
    host = headers.get("host")
    if host:
        origins.add(f"{scope.get('scheme', 'http')}://{host}")
    if public_url:
        parts = urlsplit(public_url)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins


def from_allowed_browser(scope: Scope, headers: Headers, settings: Settings) -> bool:
    """Whether a browser sent this from an allowed origin or from the service's own pages."""
    origin = headers.get("origin")
    if origin is not None:
        # A "*" allow-list lets any site read answers, but lets no site skip the key.
        return origin in settings.cors_origins or origin in _own_origins(
            scope, headers, settings.public_url
        )
    # Browsers leave Origin out of same-origin GETs but always say where a fetch comes from.
    return headers.get("sec-fetch-site") == "same-origin"


def client_address(scope: Scope) -> str:
    """The client's address (the proxy's, unless its forwarded header is trusted)."""
    client = scope.get("client")
    return str(client[0]) if client else "okänd"


class AccessGuard:
    """Check API keys and rate limits on `/v1/` (admin calls excepted) before anything else.

    An ASGI middleware rather than a dependency, so a refused request is refused before its
    body is read or parsed: a client without a key cannot make the service parse JSON.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        per_minute = settings.rate_limit_per_minute
        self.limiter = RateLimiter(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 401/429 in the error shape."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (
            not path.startswith(GUARDED_PREFIX)
            or path.startswith(ADMIN_PREFIX)
            or scope.get("method") == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        try:
            client = self._identify(scope)
        except AuthError as exc:
            await assistant_error_response(exc)(scope, receive, send)
            return
        wait = self.limiter.take(client) if self.limiter is not None else 0.0
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            error = RateLimitError(TOO_MANY.format(seconds=seconds))
            response = assistant_error_response(error, {"Retry-After": str(seconds)})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _identify(self, scope: Scope) -> str:
        """The client's name for rate limiting; AuthError when a key is missing or wrong."""
        headers = Headers(scope=scope)
        given = headers.get(API_KEY_HEADER)
        keys = self.settings.api_keys
        if keys:
            if given is not None:
                if not key_matches(given, keys):
                    logger.warning(
                        "Ogiltig API-nyckel", extra={"client": client_address(scope)}
                    )
                    raise AuthError(BAD_KEY)
                return key_identity(given)
            keyless = self.settings.keyless_browsers and from_allowed_browser(
                scope, headers, self.settings
            )
            if not keyless:
                raise AuthError(NO_KEY)
        return "addr:" + client_address(scope)


def describe_security(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the key headers to an OpenAPI document: optional on /v1, required for admin."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(
        {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": API_KEY_HEADER,
                "description": "Krävs på /v1 när tjänsten har API-nycklar, utom från "
                "chattwidgeten på en tillåten webbplats.",
            },
            "AdminKey": {"type": "apiKey", "in": "header", "name": ADMIN_KEY_HEADER},
        }
    )
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(GUARDED_PREFIX):
            continue
        for operation in operations.values():
            if path.startswith(ADMIN_PREFIX):
                operation["security"] = [{"AdminKey": []}]
            else:
                operation["security"] = [{"ApiKey": []}, {}]  # {}: keys are optional
    return schema
