"""Request bodies read and parsed before the SDK sees them, and what the SDK may log about
them: a cut-off, undecodable or absurdly nested body is a 400, never a traceback, and a
pydantic validation error is logged without the input it quotes (a question's text)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

logger = logging.getLogger("assistant.teams")

# A Teams activity nests 4–8 levels (entities, channelData, card values); anything far deeper
# is not an activity, and would make the SDK's validation and serialisation recurse.
MAX_JSON_DEPTH = 32
MAX_LOGGED_ERRORS = 5  # validation errors described in one log line
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON data nests lists and objects more than `limit` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


async def read_json(request: Request) -> Any:
    """The request's JSON body; a 400 in the error shape when it cannot be one."""
    try:
        raw = await request.body()
    except ClientDisconnect:
        # Nobody reads the answer; a 400 keeps it out of the 5xx the alerts watch.
        logger.info("Teams: klienten kopplade ner innan kroppen var läst")
        raise HTTPException(400) from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: JSON nested thousands deep, which the decoder cannot follow.
        raise HTTPException(400) from None
    if _nested_deeper_than(body, MAX_JSON_DEPTH):
        raise HTTPException(400)
    return body


def validation_error_of(error: BaseException | None) -> ValidationError | None:
    """A pydantic validation error, or the one an exception was raised from, if any."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, ValidationError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def describe_validation_error(error: ValidationError) -> str:
    """Where and how the data was wrong (`conversation: model_type`), never the values."""
    parts = []
    for problem in error.errors(include_url=False, include_context=False, include_input=False)[
        :MAX_LOGGED_ERRORS
    ]:
        # A location may hold an input's own dict keys: plain names and indexes only.
        where = ".".join(
            str(p) if isinstance(p, int) or _PLAIN_NAME.fullmatch(str(p)) else "…"
            for p in problem["loc"]
        )
        parts.append(f"{where or '(hela)'}: {problem['type']}")
    more = error.error_count() - len(parts)
    extra = f" (och {more} till)" if more > 0 else ""
    return f"{error.title}: {'; '.join(parts)}{extra}"


class _WithoutInput(logging.Filter):
    """Rewrite a record carrying a pydantic validation error: pydantic quotes the offending
    value (`input_value=…`, a question's text) in the message and in the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record; drop the input it quotes."""
        args = record.args if isinstance(record.args, tuple) else ()
        found = [a for a in (record.msg, *args) if isinstance(a, ValidationError)]
        exc = record.exc_info[1] if record.exc_info else None
        traced = validation_error_of(exc)
        if not found and traced is None:
            return True
        if isinstance(record.msg, ValidationError):
            record.msg = describe_validation_error(record.msg)
        record.args = tuple(
            describe_validation_error(a) if isinstance(a, ValidationError) else a for a in args
        )
        if traced is not None:
            record.exc_info, record.exc_text = None, None
            if not found:
                record.msg = f"{record.msg} [{describe_validation_error(traced)}]"
        # It was the input that was wrong, and the caller gets a 4xx for it: not an error
        # of ours to alert on.
        if record.levelno > logging.INFO:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


def quiet_sdk_logs() -> None:
    """Put `_WithoutInput` on every logger of the Microsoft SDK (idempotent)."""
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name == "microsoft_agents" or name.startswith("microsoft_agents.")
    ]
    for name in names:
        sdk_logger = logging.getLogger(name)
        if not any(isinstance(f, _WithoutInput) for f in sdk_logger.filters):
            sdk_logger.addFilter(_WithoutInput())
