"""The exception handlers: every failure becomes `{"error": {"code", "message"}}`.

Routes raise errors from `assistant.errors` and never build error bodies. Bad input is a
400 or 422 with a Swedish message naming the field; anything unexpected is a 500 with a
generic message, and its traceback goes to the server log only. A browser asking for an
HTML page (a citation link) gets the same message as a small HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.channels.http.pages import render_error_page
from assistant.errors import AssistantError

logger = logging.getLogger("assistant.api")

INTERNAL_MESSAGE = "Ett oväntat fel inträffade. Försök igen om en stund."
MAX_MESSAGES = 3
HTTP_CODES = {
    # The framework raises a bare 400 only when a body cannot be decoded at all.
    400: ("invalid_json", "Kroppen kunde inte tolkas som JSON i UTF-8."),
    404: ("not_found", "Adressen finns inte."),
    405: ("method_not_allowed", "Metoden stöds inte för den här adressen."),
    406: ("not_acceptable", "Svaret kan inte ges i det format som begärs."),
    408: ("request_timeout", "Förfrågans kropp kom för långsamt; anslutningen stängs."),
    413: ("payload_too_large", "Förfrågan är för stor."),
    415: ("unsupported_media_type", "Innehållstypen stöds inte; skicka JSON."),
}
_API_PREFIXES = ("/v1/", "/api/")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the one error shape."""
    app.add_exception_handler(AssistantError, _assistant_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def error_body(code: str, message: str) -> dict[str, Any]:
    """The error shape of the API."""
    return {"error": {"code": code, "message": message}}


def assistant_error_response(
    exc: AssistantError, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An error raised outside the routes (in a middleware) as a JSON error response."""
    return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=headers)


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as JSON, or as an HTML page for a browser outside the API."""
    if _wants_html(request):
        return HTMLResponse(render_error_page(status, message), status, headers=headers)
    return JSONResponse(error_body(code, message), status, headers=headers)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(_API_PREFIXES) or path == "/v1":
        return False
    return "text/html" in request.headers.get("accept", "")


async def _assistant_error(request: Request, exc: AssistantError) -> Response:
    if exc.status >= 500:
        logger.error("%s %s → %d %s: %s", request.method, request.url.path, exc.status,
                     exc.code, exc.message)
    else:
        logger.info("%s %s → %d %s", request.method, request.url.path, exc.status, exc.code)
    headers = {"Retry-After": str(retry_after(exc))} if exc.status == 503 else None
    return error_response(request, exc.status, exc.code, exc.message, headers)


def retry_after(exc: AssistantError) -> int:
    """Seconds a client should wait before trying again after a 503: the error's own
    estimate (load shedding), else 30 (an index or store being repaired)."""
    return int(getattr(exc, "retry_after", 30))


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(request, 400, "invalid_json", _json_message(errors))
    message = validation_message(errors)
    logger.info("%s %s → 422 invalid_input", request.method, request.url.path)
    return error_response(request, 422, "invalid_input", message)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code, message = HTTP_CODES.get(exc.status_code, ("http_error", "Förfrågan misslyckades."))
    if exc.status_code == 405:
        message = f"Metoden {request.method} stöds inte för den här adressen."
    return error_response(request, exc.status_code, code, message, exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error(
        "Oväntat fel vid %s %s", request.method, request.url.path, exc_info=exc
    )
    return error_response(request, 500, "internal_error", INTERNAL_MESSAGE)


def _json_message(errors: Sequence[Mapping[str, Any]]) -> str:
    for error in errors:
        if error.get("type") == "json_invalid":
            loc = error.get("loc", ())
            where = loc[-1] if loc and isinstance(loc[-1], int) else None
            if where is not None:
                return f"Kroppen är inte giltig JSON (fel vid tecken {where})."
    return "Kroppen är inte giltig JSON."


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """A readable Swedish message naming the fields that are wrong."""
    messages: list[str] = []
    for error in errors:
        message = _describe(error)
        if message not in messages:
            messages.append(message)
    if not messages:
        return "Förfrågan innehåller ogiltiga värden."
    extra = len(messages) - MAX_MESSAGES
    text = " ".join(messages[:MAX_MESSAGES])
    return text + (f" (och {extra} fel till)" if extra > 0 else "")


def field_name(loc: Sequence[Any]) -> str:
    """`("body", "document_ids", 0)` → `document_ids[0]`; empty for the body itself."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    return name


def _describe(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    name = field_name(error.get("loc", ()))
    if not name:
        if kind == "missing":
            return "Förfrågan saknar en JSON-kropp."
        return (
            "Kroppen måste vara ett JSON-objekt, skickat med Content-Type: application/json."
        )
    field = f"Fältet '{name}'"
    if kind == "missing":
        return f"{field} saknas."
    if kind == "value_error":
        # Our own validators raise ValueError with a finished Swedish sentence.
        return str(ctx.get("error", "")) or f"{field} har ett ogiltigt värde."
    if kind == "string_type":
        return f"{field} måste vara text."
    if kind == "string_unicode":
        return f"{field} innehåller ogiltiga tecken."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{field} måste vara ett heltal."
    if kind in ("bool_type", "bool_parsing"):
        return f"{field} måste vara true eller false."
    if kind in ("list_type", "tuple_type"):
        return f"{field} måste vara en lista."
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{field} måste vara ett objekt."
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{field} måste vara minst {bound}." if "ge" in ctx else (
            f"{field} måste vara större än {bound}."
        )
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{field} får vara högst {bound}." if "le" in ctx else (
            f"{field} måste vara mindre än {bound}."
        )
    if kind == "string_too_short":
        return f"{field} får inte vara tomt."
    if kind == "string_too_long":
        return f"{field} får vara högst {ctx.get('max_length')} tecken."
    if kind == "too_long":
        return f"{field} får innehålla högst {ctx.get('max_length')} värden."
    if kind == "too_short":
        return f"{field} måste innehålla minst {ctx.get('min_length')} värden."
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "ett av de tillåtna värdena")).replace(" or ", " eller ")
        return f"{field} måste vara {expected}."
    return f"{field} har ett ogiltigt värde."
