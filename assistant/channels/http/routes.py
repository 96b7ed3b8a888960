"""The JSON routes of HTTP API v1, and the health probes.

Each route validates through its schema, runs the blocking ask path in a worker thread and
returns plain data; failures are raised as `assistant.errors` and shaped by the handlers.
"""

from __future__ import annotations

import time
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.channels.common import Channel
from assistant.channels.http.metrics import CONTENT_TYPE, render
from assistant.channels.http.schemas import (
    EXAMPLE_DOCUMENT,
    EXAMPLE_QUESTION,
    MAX_ID_CHARS,
    AskRequest,
    AskResponse,
    DocumentsResponse,
    ErrorResponse,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
    ReadyResponse,
    ReloadResponse,
    answer_json,
    document_json,
)
from assistant.channels.http.security import ADMIN_KEY_HEADER, API_KEY_HEADER, check_admin_key
from assistant.channels.http.service import (
    Service,
    answer_and_record,
    feedback_on,
    reload_into,
    require_engine,
    require_store,
    stale_message,
    store_usable,
)
from assistant.channels.http.streaming import EVENT_NAMES, answer_events, guarded
from assistant.errors import IndexUnavailableError
from assistant.models import Answer

router = APIRouter()


async def get_service(request: Request) -> Service:
    """The app's shared state."""
    # Async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a thread
    # hop per request (and, under load, a wait for the interpreter) for one attribute read.
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
ChannelHeader = Annotated[
    str | None,
    Header(
        alias="X-Assistant-Channel",
        description="Varifrån frågan kommer: `web` (chattwidgeten); annars räknas den som `api`.",
    ),
]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


# Every /v1 call may be refused by the access guard (security.py) before it is parsed.
GUARDED: dict[int | str, dict[str, Any]] = {
    401: _error(
        f"API-nyckel saknas eller är ogiltig (`unauthorized`); bara när tjänsten har "
        f"nycklar. Skicka den i `{API_KEY_HEADER}`."
    ),
    413: _error("Förfrågan är för stor (`payload_too_large`)."),
    429: _error("För många förfrågningar (`rate_limited`); se huvudet `Retry-After`."),
}
BAD_INPUT: dict[int | str, dict[str, Any]] = {
    400: _error("Kroppen är inte giltig JSON (`invalid_json`)."),
    422: _error("Ett fält saknas eller har fel typ eller värde (`invalid_input`)."),
    **GUARDED,
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: _error("Indexet är inte laddat (`index_unavailable`).")
}
ASK_EXAMPLES: dict[str, dict[str, Any]] = {
    "fråga": {
        "summary": "Region i frågan",
        "value": {"question": EXAMPLE_QUESTION},
    },
    "region": {
        "summary": "Region som parameter",
        "value": {"question": "Vem kallar till SIP?", "region": "Dalarna", "top_k": 5},
    },
    "dokument": {
        "summary": "Bara ett dokument",
        "value": {
            "question": "Ska soc eller psykiatrin ordna boende?",
            "region": None,
            "document_ids": [EXAMPLE_DOCUMENT],
            "top_k": 3,
        },
    },
}
SSE_EXAMPLE = (
    'event: meta\ndata: {"answer_id": "3f6c…", "status": "answered", "region": "Värmland", '
    '"responsible": "region"}\n\n'
    'event: delta\ndata: {"text": "Regionen ansvarar för: att "}\n\n'
    'event: delta\ndata: {"text": "erbjuda medicinsk behandling inklusive "}\n\n'
    'event: citations\ndata: {"citations": [ … ]}\n\n'
    'event: responsibilities\ndata: {"responsibilities": [ … ], "regions": ["Värmland"]}\n\n'
    'event: warnings\ndata: {"warnings": []}\n\n'
    'event: done\ndata: { … samma som svaret från POST /v1/ask … }\n\n'
)
# In OpenAPI 3.1 the schema of an event stream describes one event.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": list(EVENT_NAMES)},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": "En rad JSON: `meta` {answer_id, status, region, responsible}; "
            "`delta` {text}; `citations` {citations}; `responsibilities` {responsibilities, "
            "regions}; `warnings` {warnings}; `done` hela "
            "svaret som från POST /v1/ask; `error` {error: {code, message}}.",
        },
    },
}
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def channel_of(header: str | None) -> Channel:
    """`web` when the widget says so; every other caller is `api`."""
    return "web" if (header or "").strip().lower() == "web" else "api"


async def _answer(service: Service, body: AskRequest, channel: Channel) -> Answer:
    require_engine(service)  # fail fast with 503, before taking a worker thread
    return await run_in_threadpool(
        answer_and_record,
        service,
        body.question,
        region=body.region,
        document_ids=body.document_ids or None,
        top_k=body.top_k,
        channel=channel,
    )


@router.post(
    "/v1/ask",
    response_model=AskResponse,
    responses={**BAD_INPUT, **UNAVAILABLE},
    tags=["Frågor"],
    summary="Ställ en fråga",
    description="Svarar på en svensk fråga enbart utifrån överenskommelserna, med "
    "ansvarig huvudman, de passager svaret bygger på och varningar.",
)
async def ask(
    body: Annotated[AskRequest, Body(openapi_examples=ASK_EXAMPLES)],
    service: ServiceDep,
    channel: ChannelHeader = None,
) -> dict[str, Any]:
    """Answer a question."""
    answer = await _answer(service, body, channel_of(channel))
    return answer_json(answer, service.settings.public_url)


@router.post(
    "/v1/ask/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `meta`, flera `delta`, `citations`, "
            "`warnings` och `done` (hela svaret, som från POST /v1/ask). Ett fel efter "
            "att strömmen börjat kommer som händelsen `error`.",
            "content": {
                "text/event-stream": {"schema": SSE_EVENT_SCHEMA, "example": SSE_EXAMPLE}
            },
        },
        **BAD_INPUT,
        **UNAVAILABLE,
    },
    tags=["Frågor"],
    summary="Ställ en fråga och få svaret som en ström (SSE)",
)
async def ask_stream(
    body: Annotated[AskRequest, Body(openapi_examples=ASK_EXAMPLES)],
    service: ServiceDep,
    channel: ChannelHeader = None,
) -> StreamingResponse:
    """Answer a question as Server-Sent Events."""
    answer = await _answer(service, body, channel_of(channel))
    events = answer_events(answer_json(answer, service.settings.public_url))
    return StreamingResponse(guarded(events), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get(
    "/v1/documents",
    response_model=DocumentsResponse,
    responses={**UNAVAILABLE, **GUARDED},
    tags=["Dokument"],
    summary="Överenskommelserna och deras giltighet",
)
async def documents(service: ServiceDep) -> dict[str, Any]:
    """The catalog with each agreement's validity status today."""
    index = require_engine(service).index
    today = date.today()
    return {
        "today": today,
        "documents": [
            document_json(meta, len(index.document_rows.get(meta.id, ())), today)
            for meta in index.documents.values()
        ],
    }


@router.post(
    "/v1/answers/{answer_id}/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses={
        **BAD_INPUT,
        404: _error("Svaret finns inte (`not_found`)."),
        503: _error("Lagringen går inte att använda (`store_unavailable`)."),
    },
    tags=["Återkoppling"],
    summary="Betygsätt ett svar",
)
async def feedback(
    answer_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=MAX_ID_CHARS,
            description="`answer_id` från svaret.",
            examples=["3f6c1e0a9b2d4c5e8f7a6b5c4d3e2f1a"],
        ),
    ],
    body: FeedbackRequest,
    service: ServiceDep,
    channel: ChannelHeader = None,
) -> dict[str, Any]:
    """Store a thumbs up or down (and an optional comment) for an answer."""
    require_store(service)  # fail fast with 503, before taking a worker thread
    saved = await run_in_threadpool(
        partial(
            feedback_on, service, answer_id=answer_id, rating=body.rating,
            comment=body.comment, channel=channel_of(channel),
        )
    )
    return {"feedback_id": saved.id, "answer_id": saved.answer_id, "rating": saved.rating}


@router.get("/healthz", response_model=HealthResponse, tags=["Drift"], summary="Processen lever")
async def healthz() -> dict[str, Any]:
    """The process is alive (says nothing about the index)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses={
        503: _error(
            "Indexet är inte laddat, eller det senaste indexet kunde inte laddas "
            "(`index_unavailable`, med orsaken). I det senare fallet svarar tjänsten "
            "fortfarande med det senast fungerande indexet."
        )
    },
    tags=["Drift"],
    summary="Tjänsten kan svara",
)
async def readyz(service: ServiceDep) -> dict[str, Any]:
    """Ready when the index on disk is loaded; 503 with the reason otherwise. The store's
    state is reported beside: without it questions are still answered."""
    engine = require_engine(service)
    if service.reload_problem:
        raise IndexUnavailableError(stale_message(service, engine))
    index = engine.index
    usable = await run_in_threadpool(store_usable, service)  # may try a failed store again
    return {
        "status": "ready",
        "documents": len(index.documents),
        "passages": len(index.chunks),
        "embedder": index.manifest.embedder,
        "index_built_at": index.manifest.built_at,
        "store": "ok" if usable else "unavailable",
    }


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus textformat.", "content": {"text/plain": {}}}},
    tags=["Drift"],
    summary="Mätvärden för Prometheus",
)
async def metrics(service: ServiceDep) -> Response:
    """Requests by route and status, latency, answers by status, the index and the build."""
    return Response(render(service.metrics), media_type=CONTENT_TYPE)


AdminKeyHeader = Annotated[
    str | None,
    Header(alias=ADMIN_KEY_HEADER, description="Administratörsnyckeln (ASSISTANT_ADMIN_KEY)."),
]


@router.post(
    "/v1/admin/reload",
    response_model=ReloadResponse,
    responses={
        401: _error("Administratörsnyckeln saknas eller är fel (`unauthorized`)."),
        503: _error(
            "Det nya indexet kunde inte laddas (`index_unavailable`, med orsaken); det "
            "tidigare indexet används vidare."
        ),
    },
    tags=["Drift"],
    summary="Ladda om indexet utan avbrott",
    description="Läser in indexmappen på nytt (efter `assistant index`) och byter till den "
    "när den är laddad; pågående frågor besvaras klart med det gamla indexet. Samma sak "
    "som signalen SIGHUP.",
)
async def reload(service: ServiceDep, admin_key: AdminKeyHeader = None) -> dict[str, Any]:
    """Load the index folder again and swap it in; the old index serves until then."""
    check_admin_key(service.settings, admin_key)
    previous = service.engine.index.manifest.built_at if service.engine else None
    started = time.perf_counter()
    engine = await run_in_threadpool(reload_into, service)
    index = engine.index
    return {
        "status": "reloaded",
        "documents": len(index.documents),
        "passages": len(index.chunks),
        "embedder": index.manifest.embedder,
        "index_built_at": index.manifest.built_at,
        "previous_built_at": previous,
        "seconds": round(time.perf_counter() - started, 3),
    }
