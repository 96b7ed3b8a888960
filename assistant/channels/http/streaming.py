"""Server-Sent Events for `POST /v1/ask/stream`: the answer of `/v1/ask`, in pieces.

Events, in order: `meta` (answer id, status, region, responsible), several `delta`
(`{"text": …}`, word groups that concatenate to the answer text), `citations`,
`responsibilities` (with `regions`), `warnings`, and `done` with the full response body of
`/v1/ask`. A failure after the first event is sent as an `error` event in the API's error
shape, since the status line is already out.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

logger = logging.getLogger("assistant.api")

WORDS_PER_DELTA = 4
EVENT_NAMES = ("meta", "delta", "citations", "responsibilities", "warnings", "done", "error")
_WORD = re.compile(r"\S+\s*")
INTERNAL_MESSAGE = "Ett oväntat fel inträffade medan svaret skickades."


def sse_event(event: str, data: Any) -> str:
    """One event in text/event-stream framing; the data is one line of JSON."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def word_groups(text: str, size: int = WORDS_PER_DELTA) -> list[str]:
    """The text cut after every `size` words; the pieces join back to exactly the text."""
    words = _WORD.findall(text)
    if not words:
        return [text] if text else []
    words[0] = text[: len(text) - len(text.lstrip())] + words[0]
    return ["".join(words[i : i + size]) for i in range(0, len(words), size)]


def answer_events(body: dict[str, Any]) -> Iterator[str]:
    """The events for one answer body (as returned by `/v1/ask`)."""
    yield sse_event(
        "meta",
        {
            "answer_id": body["answer_id"],
            "status": body["status"],
            "region": body["region"],
            "responsible": body["responsible"],
        },
    )
    for piece in word_groups(body["answer"]):
        yield sse_event("delta", {"text": piece})
    yield sse_event("citations", {"citations": body["citations"]})
    yield sse_event(
        "responsibilities",
        {"responsibilities": body["responsibilities"], "regions": body["regions"]},
    )
    yield sse_event("warnings", {"warnings": body["warnings"]})
    yield sse_event("done", body)


async def guarded(events: Iterator[str]) -> AsyncIterator[str]:
    """Pass events on; an exception becomes a final `error` event instead of a cut stream."""
    try:
        for event in events:
            yield event
    except Exception:
        logger.exception("Fel medan svaret strömmades")
        yield sse_event("error", {"error": {"code": "internal_error", "message": INTERNAL_MESSAGE}})
