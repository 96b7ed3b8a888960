"""The app factory and the server: `create_app(settings)` and `serve(settings)`.

The lifespan loads the index and the model once, in a worker thread. If that fails the app
still starts: `/readyz` and the question routes answer 503 with the reason, so an operator
sees what is wrong instead of a crash loop. A running server loads a rebuilt index on
SIGHUP or `POST /v1/admin/reload` (see `service.reload_into`).

Middleware, outermost first: request id, access log and metrics (telemetry); the count
of refusals; CORS, so that refusals reach the widget readably and preflights need no key
(its own refusals in the error shape); API keys and rate limits (security); the body size
limit and read deadline. Then the routes.

`serve` runs uvicorn with a protocol of our own (`_http_protocol`) that closes connections
whose headers or body arrive too slowly and answers unparseable requests in the error shape;
once it listens, one line (`start_line`) names the chat page, the API docs and the index.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.channels.common import covered_regions
from assistant.channels.http import ansvar, routes, views
from assistant.channels.http.error_handlers import HTTP_CODES, error_body, install_error_handlers
from assistant.channels.http.logs import configure_logging
from assistant.channels.http.metrics import (
    Metrics,
    count_refusal,
    watch_admission,
    watch_queries,
    watch_store,
)
from assistant.channels.http.security import AccessGuard, describe_security, mark_route
from assistant.channels.http.service import (
    Service,
    ask_blocking,
    create_service,
    load_into,
    reload_into,
    store_usable,
)
from assistant.channels.http.telemetry import REQUEST_ID_HEADER, RequestTelemetry, route_of
from assistant.errors import IndexUnavailableError
from assistant.index.embedding import query_stats
from assistant.models import Answer
from assistant.pipeline import Engine
from assistant.settings import Settings
from assistant.store import close_store

logger = logging.getLogger("assistant.api")

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
DESCRIPTION = """\
Svarar på svenska frågor om samverkansöverenskommelser mellan kommuner och regioner
(psykisk ohälsa, psykisk funktionsnedsättning, missbruk och beroende) – **enbart** utifrån
avtalstexterna. Varje svar visar de passager det bygger på: dokument, avsnitt, sida och
den exakta meningen. När texterna inte besvarar frågan säger tjänsten det (`no_support`).

Alla fel har formen `{"error": {"code": "…", "message": "…"}}`.
"""
TAGS = [
    {"name": "Frågor", "description": "Ställ frågor och få svar med källor."},
    {"name": "Dokument", "description": "Överenskommelserna, och sidorna citaten länkar till."},
    {"name": "Återkoppling", "description": "Tumme upp eller ner på ett svar."},
    {
        "name": "Drift",
        "description": "Hälso- och beredskapskontroller, mätvärden och omladdning av indexet.",
    },
]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    service: Service = app.state.service
    if service.engine is None:
        await run_in_threadpool(load_into, service)
    yield
    # The answers still waiting are written first; then the store's connection is closed,
    # so a stopped service leaves the file to other processes.
    await run_in_threadpool(service.writer.close)
    if service.store is not None:
        close_store(service.store)


def create_app(
    settings: Settings, *, engine: Engine | None = None, static_dir: Path | None = None
) -> FastAPI:
    """The web app: API v1, passage pages, chat page, widget and the Teams endpoint."""
    service = create_service(settings, engine)
    app = FastAPI(
        title="Svarsassistenten för samverkansöverenskommelser",
        version="1",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=_lifespan,
    )
    app.state.service = service
    app.state.static_dir = static_dir or STATIC_DIR
    watch_queries(
        service.metrics,
        lambda: query_stats(service.engine.embedder) if service.engine is not None else None,
    )
    watch_store(service.metrics, lambda: store_usable(service, recheck=False))
    watch_admission(
        service.metrics, lambda: (service.admission.admitted, service.admission.refused)
    )
    install_error_handlers(app)
    # add_middleware puts each one outside the ones before it: innermost first.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        timeout=settings.body_timeout,
        router=app.router,
    )
    app.add_middleware(AccessGuard, settings=settings, router=app.router)
    if settings.cors_origins:
        app.add_middleware(
            ShapedCORS,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Content-Type",
                "Authorization",
                "X-API-Key",
                "X-Assistant-Channel",
                REQUEST_ID_HEADER,
            ],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RefusalCount, metrics=service.metrics)
    app.add_middleware(RequestTelemetry, metrics=service.metrics)
    app.include_router(routes.router)
    app.include_router(views.router)
    app.include_router(ansvar.router)
    _mount_teams(app, service)
    app.mount(
        "/static", StaticFiles(directory=app.state.static_dir, check_dir=False), name="static"
    )
    _document_security(app)
    return app


def _document_security(app: FastAPI) -> None:
    """Describe the key headers in the app's OpenAPI document."""
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_security(plain_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


CORS_REFUSED = "Webbläsarens förfrågan (CORS) avvisades: {reasons}."
CORS_REASONS = {
    "origin": "webbplatsen (Origin) finns inte bland de tillåtna",
    "method": "metoden är inte tillåten",
    "headers": "ett av de begärda huvudena är inte tillåtet",
    "private-network": "anrop till ett privat nätverk är inte tillåtna",
}


class ShapedCORS(CORSMiddleware):
    """Starlette's CORS middleware, with its preflight refusals in the API's error shape.

    Starlette answers them `400 text/plain` ("Disallowed CORS origin, method"); the status and
    the headers stay, the body becomes `{"error": {"code": "cors_refused", …}}` in Swedish.
    """

    def preflight_response(self, request_headers: Headers) -> Response:
        """The preflight answer; a refusal re-worded, naming what was not allowed."""
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        failures = bytes(response.body).decode("ascii", "replace")
        failures = failures.removeprefix("Disallowed CORS ")
        reasons = [CORS_REASONS.get(f.strip(), "förfrågan är inte tillåten")
                   for f in failures.split(",")]
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "content-type")
        }
        body = error_body("cors_refused", CORS_REFUSED.format(reasons="; ".join(reasons)))
        return JSONResponse(body, 400, headers=headers)


REFUSAL_STATUSES = frozenset({401, 403, 429, 503})
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")  # our codes; anything else is "other" (few labels)


class RefusalCount:
    """Count every 401/403/429/503 by route, status and error code (`assistant_http_refusals`).

    At the response, wherever it was made (a middleware, a route, the Teams endpoint): the
    code is read from the error body, which is small.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting its response if it is a refusal."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status in REFUSAL_STATUSES:
                count_refusal(
                    self.metrics, route_of(scope), status, _error_code(message.get("body", b""))
                )
                status = 0  # once per response
            await send(message)

        await self.app(scope, receive, watched)


def _error_code(body: bytes) -> str:
    """The `error.code` of an error body; "other" for anything else."""
    try:
        code = json.loads(body)["error"]["code"] if len(body) <= 4096 else None
    except (ValueError, KeyError, TypeError):
        code = None
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else "other"


class BodyLimit:
    """Refuse request bodies over `max_bytes` with a 413, and bodies not complete `timeout`
    seconds after the headers with a 408; both in the API's error shape.

    Our own, because the framework's limit answers in plain text when the declared length
    is too large, and uvicorn has no body deadline (a client trickling a byte every few
    seconds would hold its connection and its request for ever). A declared length is
    refused before reading; a streamed body is counted. The 408 closes the connection.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, timeout: float, router: Router | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, refusing it once its body is known to be too large or late."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            mark_route(scope, self.router)
            code, message = HTTP_CODES[413]
            await JSONResponse(error_body(code, message), 413)(scope, receive, send)
            return
        deadline = time.monotonic() + self.timeout
        received = 0
        complete = False

        async def counted() -> Message:
            nonlocal received, complete
            if complete:  # later receives wait for a disconnect (streams): no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), deadline - time.monotonic())
            except TimeoutError:
                # Shaped by the error handler; "close" makes uvicorn drop the connection.
                raise StarletteHTTPException(408, headers={"Connection": "close"}) from None
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise StarletteHTTPException(413)  # shaped by the error handler
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, counted, send)


def _mount_teams(app: FastAPI, service: Service) -> None:
    """Add `POST /api/messages` (Teams), answering through the same ask path."""
    if service.store is None:
        logger.error("Teams-boten startas inte: lagringen kunde inte öppnas")
        return
    from assistant.channels.teams import build_teams_router

    def answer_question(question: str, region: str | None) -> Answer:
        # The bot calls this in a worker thread and stores the answer itself (channel teams).
        return ask_blocking(service, question, region=region)

    def regions() -> Sequence[str]:
        # The engine of the moment: a reload that adds a region shows it at once.
        return covered_regions(service.engine)

    router = build_teams_router(service.settings, answer_question, service.store, regions=regions)
    app.include_router(router)


def serve(settings: Settings) -> None:
    """Run the app with uvicorn on `settings.host:settings.port` until interrupted."""
    import uvicorn

    configure_logging(settings)
    logger.info(
        "Startar på http://%s:%d (index %s, %d samtidiga modellanrop)",
        settings.host,
        settings.port,
        settings.index_dir,
        settings.workers,
    )
    app = create_app(settings)
    service: Service = app.state.service
    reload_on_hangup(service)

    class AnnouncingServer(uvicorn.Server):
        """uvicorn's server, saying in one line where to go once it listens."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                port = self.servers[0].sockets[0].getsockname()[1] if self.servers else 0
                logger.info("%s", start_line(settings, service, port or settings.port))

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=_http_protocol(settings),
        # No WebSocket routes: an upgrade request is then answered by the app like any other
        # request (a 404 in the error shape), not by the WebSocket library in plain text.
        ws="none",
        log_config=None,  # our JSON lines (configure_logging), not uvicorn's plain text
        access_log=False,  # the telemetry middleware writes the access lines
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; without
        # trusted proxies no forwarding header is read at all.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        server_header=False,
    )
    server = AnnouncingServer(config)
    # What uvicorn.run does around its server: Ctrl+C ends quietly, a failed start exits 3.
    with suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
    logger.info("Svarsassistenten har stängts.")


STARTUP_FAILURE = 3  # uvicorn's exit code when the server could not start


def start_line(settings: Settings, service: Service, port: int) -> str:
    """One line for the console: the chat page, the API documentation and the index."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # listening everywhere: this machine's own address works
    local = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    base = settings.public_url.rstrip("/") or local
    engine = service.engine
    if engine is None:
        index = f"inget index laddat: {service.unavailable}"
    else:
        manifest = engine.index.manifest
        built = manifest.built_at.replace("T", " ")[:16]
        index = (
            f"index: {len(engine.index.documents)} dokument, {manifest.chunk_count} passager "
            f"(byggt {built} UTC)"
        )
    return (
        f"Svarsassistenten körs: chatt {base}/  ·  API-dokumentation {base}/docs  ·  "
        f"{index}  ·  Ctrl+C avslutar"
    )


KEEP_ALIVE_SECONDS = 5  # an idle connection between requests (uvicorn's default)
BODY_GRACE_SECONDS = 1.0  # the protocol's body deadline trails BodyLimit's, which answers 408
# httptools sets no limit on a request's headers: a client could send gigabytes of them before
# the header deadline. Browsers send under 8 KiB; uvicorn's other parser (h11) allows 16 KiB.
MAX_HEADER_BYTES = 64 * 1024
INVALID_HTTP = json.dumps(
    error_body("invalid_http", "Förfrågan är inte giltig HTTP och kunde inte tolkas."),
    ensure_ascii=False,
    separators=(",", ":"),
).encode()
HEADERS_TOO_LARGE = json.dumps(
    error_body("headers_too_large", "Förfrågans huvuden är för stora."),
    ensure_ascii=False,
    separators=(",", ":"),
).encode()
TOO_SLOW = json.dumps(
    error_body("request_timeout", "Förfrågan kom för långsamt; anslutningen stängs."),
    ensure_ascii=False,
    separators=(",", ":"),
).encode()


def _http_protocol(settings: Settings) -> Any:
    """uvicorn's httptools protocol with deadlines, and protocol errors in the error shape.

    uvicorn has no timeout for reading headers, nor for a body the app does not read (after
    an early refusal the rest is still taken in): a client sending a byte every few seconds
    keeps its connection for ever. This subclass starts a clock at the connection (and at the
    first byte of each later request) that the end of the headers stops, and one there that
    the end of the body stops; when one runs out the connection is closed, after a 408 in the
    error shape if headers had begun to arrive. Headers over `MAX_HEADER_BYTES` get a 431.
    uvicorn answers what it cannot parse in plain text (`send_400_response`); here it is the
    error shape. All of this rests on uvicorn's parser callbacks, not on a public API:
    tests/channels/http/test_api_hardening.py fails if an upgrade breaks it.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # uvicorn without httptools: its own protocol, without deadlines
        logger.warning("httptools saknas: inga tidsgränser för huvuden och kroppar")
        return "auto"
    header_seconds = settings.header_timeout
    body_seconds = settings.body_timeout + BODY_GRACE_SECONDS

    class DeadlineProtocol(HttpToolsProtocol):
        """HttpToolsProtocol with header and body deadlines and a JSON 400."""

        _deadline: asyncio.TimerHandle | None = None
        _in_headers = False  # a request has begun and its headers are not complete
        _header_bytes = 0  # its URL and headers so far, as parsed
        _raw_bytes = 0  # bytes received since it began, while its headers are incomplete
        _too_large = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._start(header_seconds)

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._in_headers and not self.transport.is_closing():
                # Counted after parsing, so the chunk that ends the headers (and may carry
                # the body) is not: the limit is on headers, give or take one read.
                # (One header line without an end never reaches `on_header`.)
                self._raw_bytes += len(data)
                if self._raw_bytes > MAX_HEADER_BYTES:
                    self._stop()
                    self._write_error(431, "Request Header Fields Too Large", HEADERS_TOO_LARGE)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_headers = True
            self._header_bytes = self._raw_bytes = 0

        def on_url(self, url: bytes) -> None:
            self._count_header(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count_header(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _count_header(self, size: int) -> None:
            self._header_bytes += size
            if self._header_bytes > MAX_HEADER_BYTES:
                # The parser stops at a callback's exception; uvicorn then calls
                # send_400_response, which answers 431 for this.
                self._too_large = True
                raise ValueError("headers too large")
            if self._deadline is None:  # a later request on a kept-alive connection
                self._start(header_seconds)

        def on_headers_complete(self) -> None:
            self._stop()
            self._in_headers = False
            super().on_headers_complete()
            self._start(body_seconds)

        def on_message_complete(self) -> None:
            self._stop()
            super().on_message_complete()

        def send_400_response(self, msg: str) -> None:
            self._stop()
            if self._too_large:
                self._write_error(431, "Request Header Fields Too Large", HEADERS_TOO_LARGE)
            else:
                self._write_error(400, "Bad Request", INVALID_HTTP)

        def _start(self, seconds: float) -> None:
            self._stop()
            self._deadline = self.loop.call_later(seconds, self._expired)

        def _stop(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if self._in_headers and (self.cycle is None or self.cycle.response_complete):
                self._write_error(408, "Request Timeout", TOO_SLOW)
            else:
                # Silent when nothing was asked (an idle or pre-opened connection), or when
                # the request was answered and only its body is still trickling in.
                self.transport.close()

        def _write_error(self, status: int, reason: str, body: bytes) -> None:
            head = [f"HTTP/1.1 {status} {reason}\r\n".encode()]
            for name, value in self.server_state.default_headers:
                head.append(name + b": " + value + b"\r\n")
            head.append(
                b"content-type: application/json\r\n"
                + b"content-length: " + str(len(body)).encode() + b"\r\n"
                + b"connection: close\r\n\r\n"
            )
            self.transport.write(b"".join(head) + body)
            self.transport.close()

    return DeadlineProtocol


def reload_on_hangup(service: Service) -> None:
    """Reload the index in the background when the process gets SIGHUP."""

    def reload_in_background() -> None:
        with suppress(IndexUnavailableError):  # logged, and reported by /readyz
            reload_into(service)

    def on_hangup(signum: int, frame: FrameType | None) -> None:
        logger.info("SIGHUP: laddar om indexet")
        threading.Thread(target=reload_in_background, name="reload", daemon=True).start()

    signal.signal(signal.SIGHUP, on_hangup)
