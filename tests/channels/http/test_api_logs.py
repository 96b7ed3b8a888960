"""JSON log lines with request ids: the formatter, the configuration and the app's lines."""

from __future__ import annotations

import io
import json
import logging
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.channels.http import create_app
from assistant.channels.http import service as api_service
from assistant.channels.http.logs import (
    REQUEST_ID,
    JsonFormatter,
    request_id_from,
)
from assistant.pipeline import Engine
from assistant.settings import Settings
from tests.channels.http.support import (
    QUESTION,
)


def records_of(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line written is one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_formatter_writes_one_redacted_json_line() -> None:
    record = logging.LogRecord(
        "assistant.api", logging.WARNING, __file__, 1,
        "Fråga från %s:\nring 070-123 45 67", ("anna.svensson@karlstad.se",), None,
    )
    record.path = "/v1/answers/811218-9876/feedback"  # an `extra` field
    record.status = 404
    token = REQUEST_ID.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "assistant.api"
    assert entry["message"] == "Fråga från [e-post]:\nring [telefon]"
    assert entry["request_id"] == "req-1"
    assert entry["path"] == "/v1/answers/[personnummer]/feedback"
    assert entry["status"] == 404
    assert entry["time"].endswith("+00:00")


def test_formatter_redacts_exceptions() -> None:
    try:
        raise ValueError("kunde inte tolka 19811218-9876")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "fel", (), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: kunde inte tolka [personnummer]" in entry["exception"]
    assert "9876" not in json.dumps(entry)
    assert "request_id" not in entry  # outside a request


KEPT_IDS = [
    "lb-7f3a.2",
    "fran-lastbalanseraren",
    "req:42",
    "550e8400-e29b-41d4-a716-446655440000",  # a UUID
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # a W3C traceparent
    "5b0c9d4e2f6a4b8c9d0e1f2a3b4c5d6e",
]
REPLACED_IDS = [
    None,
    "",
    "x" * 65,
    "med mellanslag",
    "a\nb",
    "811218-9876 hej",
    # Plain characters, but personal data (issue 16): a personnummer or phone number.
    "19811218-9876",
    "811218-9876",
    "8112189876",
    "811218.9876",
    "1981-12-18-9876",
    "req-19811218-9876",
    "req0701234567",
    "0701234567",
    "070-1234567",
    "070.123.45.67",
    "46701234567",
]


@pytest.mark.parametrize("given", KEPT_IDS)
def test_a_plain_request_id_is_kept(given: str) -> None:
    assert request_id_from(given) == given


@pytest.mark.parametrize("given", REPLACED_IDS)
def test_any_other_request_id_is_replaced_by_a_fresh_one(given: str | None) -> None:
    fresh = request_id_from(given)
    assert fresh != given and len(fresh) == 32 and fresh.isalnum()
    assert request_id_from(given) != fresh


def test_configure_logging_sends_uvicorn_through_the_same_handler(
    json_log: io.StringIO,
) -> None:
    ours = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(ours) == 1
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("uvicorn.error").info("plain", extra={"color_message": "\x1b[1mplain"})
    entries = records_of(json_log)
    assert [e["message"] for e in entries] == ["Started server process [42]", "plain"]
    assert entries[0]["logger"] == "uvicorn.error"
    assert "color_message" not in entries[1]


def test_every_app_line_is_json_with_the_requests_id(
    built: tuple[Settings, Engine], settings: Settings, json_log: io.StringIO
) -> None:
    with TestClient(create_app(settings, engine=built[1])) as client:
        asked = client.post("/v1/ask", json={"question": QUESTION},
                            headers={"X-Request-ID": "fran-lastbalanseraren"})
        assert asked.headers["x-request-id"] == "fran-lastbalanseraren"
        missing = client.get("/v1/finns-inte")
        fresh_id = missing.headers["x-request-id"]
        assert len(fresh_id) == 32
        client.get("/healthz")
    entries = [e for e in records_of(json_log) if e["logger"].startswith("assistant")]
    ask_lines = [e for e in entries if e.get("request_id") == "fran-lastbalanseraren"]
    # The answer's line is written in a worker thread and still carries the id.
    assert any(e["message"].startswith("Svar ") for e in ask_lines)
    access = [e for e in ask_lines if e["logger"] == "assistant.access"]
    assert len(access) == 1
    assert access[0] | {"duration_ms": 0} == {
        **access[0], "method": "POST", "route": "/v1/ask", "path": "/v1/ask", "status": 200,
        "level": "info", "duration_ms": 0,
    }
    unmatched = [e for e in entries if e.get("request_id") == fresh_id]
    assert any(e.get("route") == "unmatched" and e.get("status") == 404 for e in unmatched)
    probe = [e for e in entries if e.get("route") == "/healthz"]
    assert [e["level"] for e in probe] == ["debug"]  # probes stay out of info-level logs


def test_an_unexpected_error_is_logged_with_its_id_and_without_personal_data(
    built: tuple[Settings, Engine],
    settings: Settings,
    json_log: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(engine: Any, question: str, **kwargs: Any) -> Any:
        raise RuntimeError(f"internt fel för {question}")

    monkeypatch.setattr(api_service, "ask", broken)
    app = create_app(settings, engine=built[1])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/v1/ask", json={"question": "Ring mig på 0701234567"},
            headers={"X-Request-ID": "trasig-1"},
        )
    assert response.status_code == 500
    errors = [e for e in records_of(json_log) if e["level"] == "error"]
    assert errors and all(e.get("request_id") == "trasig-1" for e in errors)
    assert any("RuntimeError: internt fel för Ring mig på [telefon]" in e.get("exception", "")
               for e in errors)
    assert "0701234567" not in json_log.getvalue()
    access = [e for e in records_of(json_log) if e["logger"] == "assistant.access"]
    assert [e["status"] for e in access] == [500]
