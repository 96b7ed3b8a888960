"""What a backend provides (`Store`), and the state every backend keeps alike: its one
connection, and why it last failed."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from assistant.store.records import AnswerRecord, FeedbackRecord, PurgeReport

logger = logging.getLogger("assistant.store")

RECHECK_SECONDS = 10.0  # a failed store is tried again by `store_health` at most this often
UNAVAILABLE = "Lagringen för svar och återkoppling går inte att använda just nu."

Connection = TypeVar("Connection")


class Link(Generic[Connection]):
    """The process's open connection to a store (None until first use or after closing),
    and why the store last failed ("" while it works)."""

    __slots__ = ("checked", "connection", "pid", "problem")

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.pid = 0
        self.problem = ""
        self.checked = 0.0  # time.monotonic() of the last failure or check


class Store(Protocol):
    """An open store, SQLite or PostgreSQL; safe to share between threads.

    The public functions in `assistant.store` check, redact and cap every value first; a
    backend only reads and writes. Each method runs in one transaction of its own, and any
    failure of the database is a `StoreError` (503), recorded in `link`."""

    @property
    def where(self) -> str:
        """The store for messages: the file's path, or the URL without its password."""
        ...

    @property
    def link(self) -> Link[Any]:
        """The connection and the last failure."""
        ...

    def version(self) -> int:
        """The schema version recorded in the store."""
        ...

    def insert_answer(self, record: AnswerRecord) -> None:
        """Add an answer; if its id is stored already, the first record stands."""
        ...

    def find_answer(self, answer_id: str) -> AnswerRecord | None:
        """The stored answer with this id, or None."""
        ...

    def has_answer(self, answer_id: str) -> bool:
        """Whether an answer with this id is stored."""
        ...

    def insert_feedback(
        self, answer_id: str, rating: str, comment: str | None, channel: str, created_at: datetime
    ) -> int | None:
        """Add feedback and return its id; None (nothing added) if the answer is not stored.
        The answer cannot be purged between the check and the insert."""
        ...

    def feedback(self, answer_id: str | None) -> list[FeedbackRecord]:
        """Stored feedback, oldest first (then by id), for one answer or (None) all."""
        ...

    def remember_region(self, conversation_id: str, region: str, updated_at: datetime) -> None:
        """Set (or replace) a conversation's region."""
        ...

    def forget_region(self, conversation_id: str) -> None:
        """Remove a conversation's region, if any."""
        ...

    def region(self, conversation_id: str) -> str | None:
        """A conversation's region, or None."""
        ...

    def delete_before(self, cutoff: datetime) -> PurgeReport:
        """Delete answers (with all their feedback) and conversations older than `cutoff`."""
        ...

    def probe(self) -> None:
        """Take the write lock and give it back: StoreError if the store takes no writes."""
        ...

    def close(self) -> None:
        """Close this process's connection (a later call reopens it)."""
        ...


def record_failure(store: Store, reason: str) -> None:
    """Remember why the store failed; the first failure of a spell is logged."""
    link = store.link
    if not link.problem:
        logger.error("Lagringen %s går inte att använda: %s", store.where, reason)
    link.problem, link.checked = reason, time.monotonic()


def record_success(store: Store) -> None:
    """Forget a failure after a write went through, and log that the store is back."""
    if store.link.problem:
        logger.info("Lagringen %s fungerar igen", store.where)
        store.link.problem = ""
