"""The app factory and the server: `create_app(settings)` and `serve(settings)`.

The lifespan loads the index and the model once, in a worker thread. If that fails the app
still starts: `/readyz` and the question routes answer 503 with the reason, so an operator
sees what is wrong instead of a crash loop. A running server loads a rebuilt index on
SIGHUP or `POST /v1/admin/reload` (see `service.reload_into`).

Middleware, outermost first: request id, access log and metrics (telemetry); CORS, so
that refusals reach the widget readably and preflights need no key; API keys and rate
limits (security); the body size limit. Then the routes.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api import routes, views
from assistant.api.error_handlers import HTTP_CODES, error_body, install_error_handlers
from assistant.api.logs import configure_logging
from assistant.api.metrics import watch_admission, watch_queries, watch_store
from assistant.api.security import AccessGuard, describe_security
from assistant.api.service import (
    Service,
    ask_blocking,
    create_service,
    load_into,
    reload_into,
    store_usable,
)
from assistant.api.telemetry import REQUEST_ID_HEADER, RequestTelemetry
from assistant.embedding import query_stats
from assistant.errors import IndexUnavailableError
from assistant.models import Answer
from assistant.pipeline import Engine
from assistant.settings import Settings
from assistant.store import close_store

logger = logging.getLogger("assistant.api")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
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
    if service.store is not None:
        # Every answer is committed before its response is sent; this only closes the
        # connection, so a stopped service leaves the file to other processes.
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
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessGuard, settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
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
    app.add_middleware(RequestTelemetry, metrics=service.metrics)
    app.include_router(routes.router)
    app.include_router(views.router)
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


class BodyLimit:
    """Refuse request bodies over `max_bytes` with a 413 in the API's error shape.

    Our own, because the framework's limit answers in plain text when the declared length
    is too large. A declared length is refused before reading; a streamed body is counted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, refusing it once its body is known to be too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            code, message = HTTP_CODES[413]
            await JSONResponse(error_body(code, message), 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise StarletteHTTPException(413)  # shaped by the error handler
            return message

        await self.app(scope, counted, send)


def _mount_teams(app: FastAPI, service: Service) -> None:
    """Add `POST /api/messages` (Teams), answering through the same ask path."""
    if service.store is None:
        logger.error("Teams-boten startas inte: lagringen kunde inte öppnas")
        return
    from assistant.teams import build_teams_router

    def answer_question(question: str, region: str | None) -> Answer:
        # The bot calls this in a worker thread and stores the answer itself (channel teams).
        return ask_blocking(service, question, region=region)

    app.include_router(build_teams_router(service.settings, answer_question, service.store))


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
    reload_on_hangup(app.state.service)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # our JSON lines (configure_logging), not uvicorn's plain text
        access_log=False,  # the telemetry middleware writes the access lines
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        server_header=False,
    )


def reload_on_hangup(service: Service) -> None:
    """Reload the index in the background when the process gets SIGHUP."""

    def reload_in_background() -> None:
        with suppress(IndexUnavailableError):  # logged, and reported by /readyz
            reload_into(service)

    def on_hangup(signum: int, frame: FrameType | None) -> None:
        logger.info("SIGHUP: laddar om indexet")
        threading.Thread(target=reload_in_background, name="reload", daemon=True).start()

    signal.signal(signal.SIGHUP, on_hangup)
