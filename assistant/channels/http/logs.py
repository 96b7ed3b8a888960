"""Logs: one JSON object per line, each carrying the id of its request; on a terminal,
readable lines instead (time, level, message) with only our own notices and everyone's
warnings (`ASSISTANT_LOG_FORMAT`: auto, json or text).

Every line passes through `redact` on its way out, so personal data that reaches a message
by accident (an exception quoting a question, a path segment) is removed even then. The
request id comes from a context variable that the telemetry middleware sets per request;
worker threads inherit it, so an answer's log line carries the id of the request asking.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from assistant.redaction import redact
from assistant.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("assistant_request_id", default=None)
# A caller's own id is kept (so a load balancer's id ties its logs to ours) when it is
# short and plain and holds no personal data; anything else is replaced, never echoed into
# the logs or the response.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_LETTERS = re.compile(r"[A-Za-z_]")
# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
    "taskName",
}


def request_id_from(given: str | None) -> str:
    """The caller's X-Request-ID when it is short, plain and free of personal data, else a
    fresh random id."""
    if given and _GIVEN_ID.fullmatch(given) and _impersonal(given):
        return given
    return uuid.uuid4().hex


def _impersonal(given: str) -> bool:
    """Whether redaction finds nothing in an id, even with its letters read as spaces (so
    that "req0701234567" counts as holding a phone number)."""
    blanked = _LETTERS.sub(" ", given)
    return redact(given) == given and redact(blanked) == blanked


LEVEL_WORDS = {
    "DEBUG": "felsök",
    "INFO": "info",
    "WARNING": "varning",
    "ERROR": "fel",
    "CRITICAL": "kritiskt",
}
_LEVEL_WIDTH = max(map(len, LEVEL_WORDS.values()))


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON with time, level, logger, message and request id."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line, personal data redacted."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = redact(request_id)  # checked when set; every field passes
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _clean(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact(str(value))


class TextFormatter(logging.Formatter):
    """Format a record as a line for a person: local time, level in Swedish, message."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as readable text, personal data redacted; further lines indented."""
        text = redact(_readable(record)).strip("\n")
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        if record.stack_info:
            text += "\n" + redact(self.formatStack(record.stack_info))
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = LEVEL_WORDS.get(record.levelname, record.levelname.lower())
        prefix = f"{when} {level:<{_LEVEL_WIDTH}}  "
        return prefix + text.replace("\n", "\n" + " " * len(prefix))


def _readable(record: logging.LogRecord) -> str:
    """The message; an access line with the path asked for and the time taken."""
    fields = vars(record)
    if record.name == "assistant.access" and {"method", "path", "status"} <= fields.keys():
        took = f" ({fields['duration_ms']} ms)" if "duration_ms" in fields else ""
        return f"{fields['method']} {fields['path']} {fields['status']}{took}"
    return record.getMessage()


class OwnNoticesAndWarnings(logging.Filter):
    """On a terminal: our own records, and the libraries' only from warnings up (uvicorn's
    start-up chatter and the SDK's connection dump stay in the JSON logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the record is shown."""
        own = record.name == "assistant" or record.name.startswith("assistant.")
        return own or record.levelno >= logging.WARNING


def chosen_format(settings: Settings, stream: TextIO) -> str:
    """"text" or "json": the setting, or with "auto" text exactly when `stream` is a terminal."""
    if settings.log_format != "auto":
        return settings.log_format
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record (ours and uvicorn's) to `stream` (stderr): JSON lines, or on a
    terminal readable lines (`chosen_format`)."""
    out = stream or sys.stderr
    handler = logging.StreamHandler(out)
    if chosen_format(settings, out) == "text":
        handler.setFormatter(TextFormatter())
        handler.addFilter(OwnNoticesAndWarnings())
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Python's warnings too become records, so no line reaches stderr without redaction.
    logging.captureWarnings(True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Uvicorn's own handlers would print plain text beside ours, and a level a server
        # set earlier in the process would hide records the settings' level lets through.
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)
    return handler
