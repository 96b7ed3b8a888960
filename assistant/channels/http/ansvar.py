"""The ansvarsmatris over HTTP: `GET /v1/ansvar` (JSON), its page `GET /ansvar` and the
page's CSV `GET /ansvar.csv`. All three take the same filters and show the same view."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant import pipeline
from assistant.channels.http.ansvar_page import render_ansvar_page
from assistant.channels.http.routes import GUARDED, UNAVAILABLE, ServiceDep, _error
from assistant.channels.http.schemas import (
    MAX_ID_CHARS,
    MAX_REGION_CHARS,
    AnsvarResponse,
    with_base,
)
from assistant.channels.http.service import require_engine
from assistant.channels.http.views import PAGE_HEADERS
from assistant.matrix.export import cell_label, citation_of, conflict_note, csv_text
from assistant.matrix.finding import View
from assistant.models import DocumentMeta, Statement
from assistant.text import MAX_QUESTION_CHARS

router = APIRouter()
T = TypeVar("T")

RegionParam = Annotated[
    str | None,
    Query(max_length=MAX_REGION_CHARS, description="Län, t.ex. Värmland.", examples=["Dalarna"]),
]
DocumentParam = Annotated[
    str | None,
    Query(max_length=MAX_ID_CHARS, description="Bara en överenskommelse (dokument-id)."),
]
QuestionParam = Annotated[
    str | None,
    Query(
        max_length=MAX_QUESTION_CHARS,
        description="Sök insats: en fråga eller några ord; bäst matchande insats först.",
        examples=["Vem ansvarar för abstinensvård?"],
    ),
]


@dataclass(frozen=True)
class _Shown:
    """One request's view of the matrix, with what the page needs to repeat its filters."""

    view: View
    documents: Mapping[str, DocumentMeta]
    document_id: str | None
    q: str | None


async def _shown(
    service: ServiceDep,
    region: RegionParam = None,
    document_id: DocumentParam = None,
    q: QuestionParam = None,
) -> _Shown:
    """The view the three routes share (a dependency, so each declares the filters once)."""
    engine = require_engine(service)
    view = await run_in_threadpool(
        pipeline.ansvar, engine, region=region, document_id=document_id, q=q
    )
    return _Shown(view, engine.index.documents, document_id, (q or "").strip() or None)


ShownDep = Annotated[_Shown, Depends(_shown)]


def _kept(view: View, key: tuple[object, ...], make: Callable[[], T]) -> T:
    """A rendering of the view, made once: a view without a question is kept until the
    matrix changes, and its renderings with it."""
    if key not in view.rendered:
        view.rendered[key] = make()
    made: T = view.rendered[key]
    return made


def _citation(statement: Statement, public_url: str) -> dict[str, Any]:
    c = citation_of(statement)
    return {
        "document_id": c.document_id,
        "section": c.section,
        "page": c.page,
        "quote": c.quote,
        "url": with_base(c.url, public_url),
    }


def ansvar_json(
    shown: View, documents: Mapping[str, DocumentMeta], public_url: str = ""
) -> dict[str, Any]:
    """A view as `GET /v1/ansvar` returns it."""
    matters = []
    for i, row in enumerate(shown.rows):
        matters.append(
            {
                "id": row.matter.id,
                "name": row.matter.name,
                "cells": [
                    {
                        "region": cell.region,
                        "party": cell.party,
                        "label": cell_label(cell),
                        "actor": "; ".join(cell.actors),
                        "conditions": list(cell.conditions),
                        "citations": [_citation(s, public_url) for s in cell.statements],
                    }
                    for cell in row.cells
                ],
                "differs": row.differs,
                "conflicts": [
                    {
                        "region": c.region,
                        "kind": c.kind,
                        "message": conflict_note(c, documents),
                        "citations": [_citation(s, public_url) for s in (c.first, c.second)],
                    }
                    for c in row.conflicts
                ],
                "score": round(shown.scores[i], 4) if shown.scores is not None else None,
            }
        )
    regions = list(dict.fromkeys(c.region for row in shown.rows for c in row.cells))
    return {"matters": matters, "regions": regions}


BAD_FILTER: dict[int | str, dict[str, Any]] = {
    422: _error("Okänd region eller okänt dokument-id (`invalid_input`).")
}
# The page and the CSV answer a bad filter in the error shape too (an HTML page when the
# browser asks for HTML); their success is not JSON, so only the reason is documented.
BAD_PAGE_FILTER: dict[int | str, dict[str, Any]] = {
    422: {"description": "Okänd region eller okänt dokument-id."}
}


@router.get(
    "/v1/ansvar",
    response_model=AnsvarResponse,
    responses={**BAD_FILTER, **UNAVAILABLE, **GUARDED},
    tags=["Ansvarsmatris"],
    summary="Vem gör vad, insats för insats och region för region",
    description="Påståendena om vem som gör vad, grupperade i insatser (rader) och regioner "
    "(celler). `differs`: regionerna ger insatsen till olika huvudmän; `conflicts`: två "
    "giltiga överenskommelser i samma region säger olika.",
)
async def ansvar(service: ServiceDep, shown: ShownDep) -> Response:
    public_url = service.settings.public_url
    body = _kept(shown.view, ("json", public_url), lambda: json.dumps(
        ansvar_json(shown.view, shown.documents, public_url),
        ensure_ascii=False, separators=(",", ":"),
    ).encode())
    return Response(body, media_type="application/json")


@router.get(
    "/ansvar",
    response_class=HTMLResponse,
    tags=["Ansvarsmatris"],
    summary="Ansvarsmatrisen som sida (HTML)",
    responses={**BAD_PAGE_FILTER},
)
async def ansvar_page(shown: ShownDep) -> HTMLResponse:
    today = date.today()
    regions = tuple(dict.fromkeys(m.region for m in shown.documents.values() if m.region))
    html = _kept(shown.view, ("html", today), lambda: render_ansvar_page(
        shown.view, shown.documents, regions, region=shown.view.region,
        document_id=shown.document_id, q=shown.q, today=today,
    ))
    return HTMLResponse(html, headers=_PAGE_HEADERS)


# The page's one form searches this page (GET), so it may submit to itself.
_PAGE_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"].replace(
        "form-action 'none'", "form-action 'self'"
    ),
}


@router.get(
    "/ansvar.csv",
    response_class=Response,
    tags=["Ansvarsmatris"],
    summary="Ansvarsmatrisen som CSV",
    responses={
        200: {"content": {"text/csv": {}}, "description": "En rad per insats och region."},
        **BAD_PAGE_FILTER,
    },
)
async def ansvar_csv(shown: ShownDep) -> Response:
    text = _kept(shown.view, ("csv",), lambda: csv_text(shown.view))
    return Response(
        "\ufeff" + text,  # the BOM makes Excel read å, ä and ö right
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="ansvarsmatris.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )
