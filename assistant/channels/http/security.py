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
  `rate_limit_per_minute`; a request over the limit gets a 429 with `Retry-After`. The keys
  in `rate_limit_exempt_keys` (an evaluator's, a load test's) are valid keys the limit does
  not count; with only such keys configured, calls without a key are limited as before and
  a wrong key is refused.
- Wrong keys: each wrong API or admin key spends a token of the client address's bucket of
  `auth_failures_per_minute`; with it empty, every call carrying a key from that address is
  a 429 without the key being looked at, so guessing runs at that many a minute at most.
- The service's own pages are those on the origin of `public_url` or on the address the
  server listens on, never whatever the `Host` header says: a DNS-rebinding page sends a Host
  and an Origin of its own name, which would always agree with each other.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.channels.http.error_handlers import assistant_error_response
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
TOO_MANY_WRONG_KEYS = (
    "För många felaktiga nycklar från din adress. Vänta {seconds} sekunder och försök igen."
)
DEFAULT_PORTS = {"http": 80, "https": 443}


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

    def wait(self, client: str, now: float | None = None) -> float:
        """The seconds until `client` has a token again (0 if it has one), spending none."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            if client not in self._buckets:
                return 0.0
            tokens, then = self._buckets[client]
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate

    def _prune(self, now: float) -> None:
        # A bucket idle for a minute is full again: forgetting it changes nothing.
        idle = [c for c, (_, then) in self._buckets.items() if now - then >= 60.0]
        for client in idle:
            del self._buckets[client]
        if len(self._buckets) > self.max_clients:
            oldest = sorted(self._buckets, key=lambda c: self._buckets[c][1])
            for client in oldest[: len(oldest) // 2]:
                del self._buckets[client]


def origin_of(scheme: str, host: str, port: int | None) -> str:
    """An origin as browsers write it: lower case, IPv6 in brackets, no default port."""
    scheme, host = scheme.lower(), host.lower().strip("[]")
    if ":" in host:
        host = f"[{host}]"
    shown = "" if port is None or port == DEFAULT_PORTS.get(scheme) else f":{port}"
    return f"{scheme}://{host}{shown}"


def _parsed_origin(value: str) -> str | None:
    """`value` (an Origin header, or scheme + Host) as `origin_of` writes it; None if not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return origin_of(parts.scheme, parts.hostname, port)


def own_origins(scope: Scope, settings: Settings) -> set[str]:
    """The origins of the service's own pages: `public_url`'s, and the listening address's.

    The listening address is the socket's (an IP, or localhost for loopback): a page a browser
    loaded from an IP literal really came from this server, whatever DNS said elsewhere.
    """
    origins = set()
    if settings.public_url:  # validated by the settings: absolute http(s)
        public = urlsplit(settings.public_url)
        origins.add(origin_of(public.scheme, public.hostname or "", public.port))
    server = scope.get("server")
    if server and server[0]:
        scheme = str(scope.get("scheme", "http"))
        host, port = str(server[0]), server[1]
        origins.add(origin_of(scheme, host, port))
        if host in ("127.0.0.1", "::1"):
            origins.add(origin_of(scheme, "localhost", port))
    return origins


def from_allowed_browser(scope: Scope, headers: Headers, settings: Settings) -> bool:
    """Whether a browser sent this from an allowed origin or from the service's own pages."""
    origin = headers.get("origin")
    if origin is not None:
        # A "*" allow-list lets any site read answers, but lets no site skip the key.
        return origin in settings.cors_origins or _parsed_origin(origin) in own_origins(
            scope, settings
        )
    # Browsers leave Origin out of same-origin GETs but always say where a fetch comes from;
    # "same-origin" is only as good as the origin, which the Host names here (so it is checked
    # against ours, as Origin is).
    if headers.get("sec-fetch-site") != "same-origin":
        return False
    return headers.get("host", "").lower() in own_hosts(scope, settings)


def own_hosts(scope: Scope, settings: Settings) -> set[str]:
    """The Host values of requests to the service's own pages (`own_origins` without the
    scheme, which a TLS-terminating proxy changes)."""
    hosts = set()
    for origin in own_origins(scope, settings):
        host = origin.split("://", 1)[1]
        hosts.add(host)
        if ":" not in host.rsplit("]", 1)[-1]:  # a default port, which a Host may still name
            port = DEFAULT_PORTS[origin.split("://", 1)[0]]
            hosts.add(f"{host}:{port}")
    return hosts


def client_address(scope: Scope) -> str:
    """The client's address (the proxy's, unless its forwarded header is trusted)."""
    client = scope.get("client")
    return str(client[0]) if client else "okänd"


def mark_route(scope: Scope, router: Router | None) -> None:
    """Put the route a request is for into its scope, for a refusal made before routing:
    the metrics and the access log then name the route, not `unmatched`."""
    if router is None or scope.get("route") is not None:
        return
    route = _matching_route(router.routes, scope)
    if route is not None:
        scope["route"] = route


def _matching_route(routes: Sequence[BaseRoute], scope: Scope) -> BaseRoute | None:
    """The route among `routes` (and the routers FastAPI includes) that fully matches."""
    for route in routes:
        match, child = route.matches(scope)
        if match is not Match.FULL:
            continue
        if "route" in child:
            return cast(BaseRoute, child["route"])
        # An included router (FastAPI wraps it) matches as a whole: look inside it.
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            return _matching_route(inner, scope)
        return route if hasattr(route, "path") else None
    return None


class AccessGuard:
    """Check API keys and rate limits on `/v1/` before anything else.

    An ASGI middleware rather than a dependency, so a refused request is refused before its
    body is read or parsed: a client without a key cannot make the service parse JSON. The
    admin key is checked here too (and again by the route), so that wrong admin keys count
    against the address like wrong API keys.
    """

    def __init__(self, app: ASGIApp, settings: Settings, router: Router | None = None) -> None:
        self.app = app
        self.settings = settings
        self.router = router
        per_minute = settings.rate_limit_per_minute
        self.limiter = RateLimiter(per_minute) if per_minute > 0 else None
        failures = settings.auth_failures_per_minute
        self.failures = RateLimiter(failures) if failures > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 401/429 in the error shape."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(GUARDED_PREFIX) or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        try:
            wait, template = self._admit(scope, path.startswith(ADMIN_PREFIX))
        except AuthError as exc:
            mark_route(scope, self.router)
            await assistant_error_response(exc)(scope, receive, send)
            return
        if wait > 0:
            mark_route(scope, self.router)
            seconds = max(1, math.ceil(wait))
            error = RateLimitError(template.format(seconds=seconds))
            response = assistant_error_response(error, {"Retry-After": str(seconds)})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _admit(self, scope: Scope, admin: bool) -> tuple[float, str]:
        """(seconds to wait, the 429's message) — 0 to pass on; AuthError for a bad key."""
        if admin:
            return self._check_admin(scope), TOO_MANY_WRONG_KEYS
        headers = Headers(scope=scope)
        given = headers.get(API_KEY_HEADER)
        keys = self.settings.api_keys
        exempt = self.settings.rate_limit_exempt_keys
        if (keys or exempt) and given is not None:
            valid = (*keys, *exempt)
            locked = self._check_key(scope, lambda: key_matches(given, valid), BAD_KEY)
            if locked > 0:
                return locked, TOO_MANY_WRONG_KEYS
            if exempt and key_matches(given, exempt):
                return 0.0, TOO_MANY  # an evaluator's key: not counted by the limit
            client = key_identity(given)
        elif keys and not (
            self.settings.keyless_browsers and from_allowed_browser(scope, headers, self.settings)
        ):
            raise AuthError(NO_KEY)
        else:
            client = "addr:" + client_address(scope)
        wait = self.limiter.take(client) if self.limiter is not None else 0.0
        return wait, TOO_MANY

    def _check_admin(self, scope: Scope) -> float:
        """AuthError unless the admin key is configured and given; see `_check_key`."""
        admin_key = self.settings.admin_key
        if not admin_key:
            raise AuthError(ADMIN_OFF)  # no guess can succeed: nothing to count
        given = Headers(scope=scope).get(ADMIN_KEY_HEADER)
        if not given:
            raise AuthError(BAD_ADMIN_KEY)  # no key is no guess, as for API keys
        return self._check_key(scope, lambda: key_matches(given, (admin_key,)), BAD_ADMIN_KEY)

    def _check_key(self, scope: Scope, matches: Callable[[], bool], wrong: str) -> float:
        """0 if `matches()`, AuthError(`wrong`) if not (counted against the address); the
        seconds until the address may try again if it has used up its wrong keys."""
        address = "addr:" + client_address(scope)
        if self.failures is not None:
            wait = self.failures.wait(address)
            if wait > 0:
                # Not even compared: a right key now would tell a guesser it was right.
                return wait
        if matches():
            return 0.0
        logger.warning("Ogiltig nyckel", extra={"client": client_address(scope)})
        if self.failures is not None:
            self.failures.take(address)
        raise AuthError(wrong)


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
                operation.setdefault("responses", {}).setdefault("429", {
                    "description": "För många felaktiga nycklar från adressen (`rate_limited`); "
                    "huvudet Retry-After säger efter hur många sekunder.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"}
                    }},
                })
            else:
                operation["security"] = [{"ApiKey": []}, {}]  # {}: keys are optional
    return schema
