"""The store: asked questions (redacted), feedback on answers, Teams conversation state.

One interface, two backends, chosen by what `open_store` is given:

- a path: an embedded SQLite file (`sqlite.py`), the default (`<data dir>/assistant.sqlite3`);
- a `postgresql://` URL (`store_url`, `ASSISTANT_STORE_URL`): a PostgreSQL database
  (`postgres.py`), shared by several replicas so that no request needs session affinity.

The functions here check, redact and cap every value (`records.py`), then hand it to the
backend (the `Store` interface, `backend.py`); both backends migrate the same schema history
(`schema.py`) when opened. Callers get our own frozen dataclasses back, and any failure of
the database as a `StoreError` (503): answers go on being served without the store. The
store's state (usable, or why not) is kept per process: `store_health` reports it, and tries
a failed store again.
"""

from __future__ import annotations

import json
import time
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

from assistant.errors import InputError, NotFoundError, StoreError
from assistant.models import Answer
from assistant.store.backend import RECHECK_SECONDS, Store
from assistant.store.records import (
    ANSWER_NOT_FOUND,
    CHANNELS,
    MAX_COMMENT_CHARS,
    MAX_ID_CHARS,
    MAX_STORED_QUESTION_CHARS,
    RATINGS,
    AnswerRecord,
    Channel,
    FeedbackRecord,
    PurgeReport,
    Rating,
    StoreHealth,
    check_channel,
    check_id,
    check_rating,
    stored_comment,
    stored_question,
    utc,
)
from assistant.store.schema import SCHEMA_VERSION
from assistant.store.sqlite import JOURNAL_MODE, open_sqlite

__all__ = [
    "CHANNELS",
    "JOURNAL_MODE",
    "MAX_COMMENT_CHARS",
    "MAX_ID_CHARS",
    "MAX_STORED_QUESTION_CHARS",
    "RATINGS",
    "RECHECK_SECONDS",
    "SCHEMA_VERSION",
    "AnswerRecord",
    "Channel",
    "FeedbackRecord",
    "PurgeReport",
    "Rating",
    "Store",
    "StoreHealth",
    "answer_exists",
    "citations_json",
    "close_store",
    "get_answer",
    "get_conversation_region",
    "list_feedback",
    "open_store",
    "purge",
    "record_answer",
    "record_feedback",
    "schema_version",
    "set_conversation_region",
    "store_health",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")  # a URL with these names a database


def open_store(target: Path | str) -> Store:
    """Open (creating or migrating as needed) the store: a SQLite file at a path, or the
    PostgreSQL database a `postgresql://` URL names."""
    if isinstance(target, str) and target.lower().startswith(POSTGRES_SCHEMES):
        from assistant.store.postgres import open_postgres  # psycopg loads only when used

        return open_postgres(target)
    return open_sqlite(Path(target))


def schema_version(store: Store) -> int:
    """The schema version recorded in the store."""
    return store.version()


def citations_json(answer: Answer) -> str:
    """An answer's citations as stored with it: where they point, not the passage texts."""
    return json.dumps(
        [
            {
                "n": c.n,
                "document_id": c.document_id,
                "title": c.title,
                "region": c.region,
                "section": c.section,
                "page": c.page,
                "quote": c.quote,
                "score": c.score,
                "url": c.url,
            }
            for c in answer.citations
        ],
        ensure_ascii=False,
    )


def record_answer(
    store: Store,
    *,
    answer_id: str,
    question: str,
    status: str,
    responsible: str | None,
    region: str | None,
    citations_json: str,
    channel: Channel,
    now: datetime | None = None,
) -> None:
    """Store an answer and its (already redacted) question; a repeated answer id is ignored."""
    check_id(answer_id, "answer_id")
    check_channel(channel)
    try:
        json.loads(citations_json)
    except (TypeError, ValueError) as exc:
        raise InputError("citations_json måste vara giltig JSON.") from exc
    # The same answer can be served again (e.g. from a query cache); the first record
    # stands so its feedback keeps pointing at what was actually asked first.
    store.insert_answer(
        AnswerRecord(
            answer_id=answer_id,
            created_at=utc(now),
            question=stored_question(question),
            status=status,
            responsible=responsible,
            region=region,
            citations_json=citations_json,
            channel=channel,
        )
    )


def answer_exists(store: Store, answer_id: str) -> bool:
    """Whether an answer with this id is stored (and not yet purged)."""
    return store.has_answer(answer_id)


def get_answer(store: Store, answer_id: str) -> AnswerRecord:
    """The stored answer with this id; NotFoundError if there is none."""
    record = store.find_answer(answer_id)
    if record is None:
        raise NotFoundError(ANSWER_NOT_FOUND)
    return record


def record_feedback(
    store: Store,
    *,
    answer_id: str,
    rating: str,
    comment: str | None,
    channel: str,
    now: datetime | None = None,
) -> FeedbackRecord:
    """Store a rating ("up"/"down") with an optional comment, redacted and capped."""
    check_rating(rating)
    check_channel(channel)
    comment = stored_comment(comment)
    created_at = utc(now)
    feedback_id = store.insert_feedback(answer_id, rating, comment, channel, created_at)
    if feedback_id is None:
        raise NotFoundError(ANSWER_NOT_FOUND)
    return FeedbackRecord(
        id=feedback_id,
        answer_id=answer_id,
        rating=cast(Rating, rating),
        comment=comment,
        channel=cast(Channel, channel),
        created_at=created_at,
    )


def list_feedback(store: Store, answer_id: str | None = None) -> list[FeedbackRecord]:
    """All stored feedback, oldest first, optionally for one answer only."""
    return store.feedback(answer_id)


def set_conversation_region(
    store: Store, conversation_id: str, region: str | None, *, now: datetime | None = None
) -> None:
    """Remember the region chosen in a (Teams) conversation; None forgets it."""
    check_id(conversation_id, "conversation_id")
    if region is None:
        store.forget_region(conversation_id)
    else:
        store.remember_region(conversation_id, region, utc(now))


def get_conversation_region(store: Store, conversation_id: str) -> str | None:
    """The region remembered for a conversation, or None."""
    return store.region(conversation_id)


def purge(store: Store, older_than_days: int, now: datetime | None = None) -> PurgeReport:
    """Delete answers (with all their feedback) and conversation state older than the limit."""
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int):
        raise InputError("Antalet dagar måste vara ett heltal.")
    if older_than_days < 0:
        raise InputError("Antalet dagar får inte vara negativt.")
    # Feedback goes with its answer even if it was given later: without the question it
    # rates, a comment is meaningless and may itself describe the person.
    return store.delete_before(utc(now) - timedelta(days=older_than_days))


def close_store(store: Store) -> None:
    """Close this process's connection (a later call reopens it)."""
    store.close()


def store_health(
    store: Store, *, recheck: bool = True, now: float | None = None
) -> StoreHealth:
    """Whether the store can be written. With `recheck`, a store that failed is tried again
    (a write lock taken and given back; blocking) once `RECHECK_SECONDS` have passed, so a
    repaired disk or a database back up shows; without, the last outcome is reported as it
    is."""
    link = store.link
    now = time.monotonic() if now is None else now
    if recheck and link.problem and now - link.checked >= RECHECK_SECONDS:
        link.checked = now
        with suppress(StoreError):  # still failing: the reason is recorded
            store.probe()
    return StoreHealth(ok=not link.problem, problem=link.problem)
