"""The HTML side: citation links (passage view), whole documents, the chat page, the widget."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from assistant.channels.http.pages import (
    find_quote,
    render_document_page,
    render_home_page,
    render_passage_page,
)
from assistant.channels.http.routes import ServiceDep
from assistant.channels.http.schemas import MAX_ID_CHARS
from assistant.channels.http.service import require_engine
from assistant.errors import NotFoundError
from assistant.index.build import LoadedIndex
from assistant.models import Chunk, DocumentMeta

MAX_QUOTE_CHARS = 2000
# The pages show agreement text only: no scripts, no forms, nothing loaded from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
NO_DOCUMENT = "Dokumentet finns inte i underlaget (GET /v1/documents listar dem som finns)."
NO_PASSAGE = (
    "Passagen finns inte längre i dokumentet; indexet kan ha byggts om sedan länken skapades. "
    "Ställ frågan igen för en aktuell länk."
)

router = APIRouter()

DocumentId = Annotated[
    str,
    PathParam(max_length=MAX_ID_CHARS, description="Dokument-id, t.ex. från GET /v1/documents."),
]


def _document(index: LoadedIndex, document_id: str) -> tuple[DocumentMeta, list[Chunk]]:
    meta = index.documents.get(document_id)
    if meta is None:
        raise NotFoundError(NO_DOCUMENT)
    rows = index.document_rows.get(document_id, ())
    return meta, [index.chunks[row] for row in rows]


@router.get(
    "/dokument/{document_id}/{chunk_id}",
    response_class=HTMLResponse,
    tags=["Dokument"],
    summary="Citerad passage i sitt avsnitt (HTML)",
    description="Sidan som citaten länkar till: passagen i sitt avsnitt med citatet markerat, "
    "överenskommelsens titel, region, sida och giltighet.",
    responses={404: {"description": "Okänt dokument eller passage."}},
)
async def passage_view(
    document_id: DocumentId,
    chunk_id: Annotated[str, PathParam(max_length=MAX_ID_CHARS, description="Passagens id.")],
    service: ServiceDep,
    citat: Annotated[
        str | None,
        Query(
            max_length=MAX_QUOTE_CHARS,
            description="Meningen att markera (citatet ur svaret).",
            examples=["Regionen ansvarar för abstinensvård."],
        ),
    ] = None,
) -> HTMLResponse:
    """The cited passage inside its section, with the quote highlighted."""
    meta, chunks = _document(require_engine(service).index, document_id)
    cited = next((c for c in chunks if c.id == chunk_id), None)
    if cited is None and citat:
        # A link from before a rebuild still works while its quote is in the document.
        cited = next((c for c in chunks if find_quote(c.body, citat)), None)
    if cited is None:
        raise NotFoundError(NO_PASSAGE)
    section = [c for c in chunks if c.trail == cited.trail]
    html = render_passage_page(meta, cited, section, citat, date.today())
    return HTMLResponse(html, headers=PAGE_HEADERS)


@router.get(
    "/dokument/{document_id}",
    response_class=HTMLResponse,
    tags=["Dokument"],
    summary="Hela dokumentet (HTML)",
    description="Dokumentet avsnitt för avsnitt; varje passage har ankaret `#p-<passage-id>`.",
    responses={404: {"description": "Okänt dokument."}},
)
async def document_view(document_id: DocumentId, service: ServiceDep) -> HTMLResponse:
    """A whole document, section by section."""
    meta, chunks = _document(require_engine(service).index, document_id)
    return HTMLResponse(render_document_page(meta, chunks, date.today()), headers=PAGE_HEADERS)


def _static_dir(request: Request) -> Path:
    folder: Path = request.app.state.static_dir
    return folder


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> Response:
    """The chat page (static/index.html), or a short page pointing to the API."""
    page = _static_dir(request) / "index.html"
    if page.is_file():
        return FileResponse(page, media_type="text/html; charset=utf-8")
    return HTMLResponse(render_home_page())


@router.get("/widget.js", include_in_schema=False)
async def widget(request: Request) -> Response:
    """The embeddable chat widget."""
    script = _static_dir(request) / "widget.js"
    if not script.is_file():
        raise NotFoundError("Widgeten är inte installerad.")
    return FileResponse(
        script,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
