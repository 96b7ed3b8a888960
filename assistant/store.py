"""The SQLite store: asked questions (redacted), feedback on answers, Teams conversation state.

This is the only module that imports sqlite3; callers get our own frozen dataclasses back.
A `Store` keeps one connection per process, opened on first use and shared by its threads
under a lock, so a `Store` can be shared freely between threads (and the file between
processes: writers of different processes wait for each other through SQLite's busy
timeout).

No file is memory-mapped. WAL mode keeps its index in a memory-mapped `-shm` file, and a
mapped page that can no longer be written or read (the volume remounted read-only after an
I/O error, the file truncated or made immutable) kills the process with SIGBUS, without a
log line or a Python exception. So the store uses a rollback journal
(`journal_mode = TRUNCATE`) and `mmap_size = 0`: every failure of the disk reaches us as an
error, and becomes a `StoreError` (503) while answers go on being served. A commit costs
about 0.7 ms instead of WAL's 0.02 ms (measured on the development disk); an answer takes
tens of milliseconds. A file made in WAL mode by an older version is converted when opened.

Commits use `synchronous = NORMAL`: a commit is safe from a crash of the process (and
survives `kill -9`). The store's state (usable, or why not) is kept per process:
`store_health` reports it, and checks the disk again once it has failed.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, cast

from assistant.errors import InputError, NotFoundError, StoreError
from assistant.models import Answer
from assistant.redaction import redact

Rating = Literal["up", "down"]
Channel = Literal["web", "teams", "api"]
RATINGS: tuple[Rating, ...] = ("up", "down")
CHANNELS: tuple[Channel, ...] = ("web", "teams", "api")

logger = logging.getLogger("assistant.store")

MAX_STORED_QUESTION_CHARS = 2000  # a redacted question is kept to this length
MAX_COMMENT_CHARS = 2000
MAX_ID_CHARS = 200
_BUSY_TIMEOUT_SECONDS = 15.0
JOURNAL_MODE = "truncate"  # a rollback journal: no memory-mapped -shm file (see above)
RECHECK_SECONDS = 10.0  # a failed store is tried again by `store_health` at most this often
# Fixed width, UTC, so that text comparison in SQL is chronological comparison.
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# One entry per schema version; entry i takes the database from version i to i + 1.
# Never edit a released entry: add a new one, so existing files migrate forward.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE answers (
            answer_id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            question TEXT NOT NULL,
            status TEXT NOT NULL,
            responsible TEXT,
            region TEXT,
            citations_json TEXT NOT NULL,
            channel TEXT NOT NULL
        )""",
        "CREATE INDEX answers_created_at ON answers (created_at)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            answer_id TEXT NOT NULL REFERENCES answers (answer_id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            comment TEXT,
            channel TEXT NOT NULL
        )""",
        "CREATE INDEX feedback_answer_id ON feedback (answer_id)",
        """CREATE TABLE conversations (
            conversation_id TEXT PRIMARY KEY,
            region TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX conversations_updated_at ON conversations (updated_at)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


class _Link:
    """The process's open connection to a store (None until first use or after closing),
    and why the store last failed ("" while it works)."""

    __slots__ = ("checked", "connection", "pid", "problem")

    def __init__(self) -> None:
        self.connection: sqlite3.Connection | None = None
        self.pid = 0
        self.problem = ""
        self.checked = 0.0  # time.monotonic() of the last failure or check


@dataclass(frozen=True)
class Store:
    """Where the SQLite file lives; open with `open_store`. Safe to share between threads."""

    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    link: _Link = field(default_factory=_Link, repr=False, compare=False)


@dataclass(frozen=True)
class AnswerRecord:
    """An answer as stored: the redacted question and what was answered."""

    answer_id: str
    created_at: datetime
    question: str
    status: str
    responsible: str | None
    region: str | None
    citations_json: str
    channel: Channel


@dataclass(frozen=True)
class FeedbackRecord:
    """One thumbs up or down on an answer, with an optional redacted comment."""

    id: int
    answer_id: str
    rating: Rating
    comment: str | None
    channel: Channel
    created_at: datetime


@dataclass(frozen=True)
class StoreHealth:
    """Whether the store can be written, and if not, SQLite's reason."""

    ok: bool
    problem: str = ""


@dataclass(frozen=True)
class PurgeReport:
    """How many rows `purge` removed, and the cut-off it used."""

    cutoff: datetime
    answers: int
    feedback: int
    conversations: int

    @property
    def total(self) -> int:
        """All rows removed."""
        return self.answers + self.feedback + self.conversations


def open_store(path: Path) -> Store:
    """Open (creating or migrating as needed) the SQLite store at `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Mappen för lagringen kan inte skapas: {path.parent}") from exc
    store = Store(path=path)
    try:
        connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"Lagringen {path} kan inte öppnas: {exc}") from exc
    try:
        # A file left in WAL mode (by an older version) is converted here; that needs it to
        # be open nowhere else, so a process still using it in WAL mode is named as the cause.
        _set_pragmas(connection, path)
        with store.lock:
            connection.execute("BEGIN IMMEDIATE")
            try:
                _migrate(connection, path)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
    except sqlite3.Error as exc:
        raise StoreError(f"Lagringen {path} kan inte användas: {exc}") from exc
    finally:
        connection.close()
    return store


def schema_version(store: Store) -> int:
    """The schema version recorded in the store's file."""
    with _connection(store) as connection:
        row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


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
    _check_id(answer_id, "answer_id")
    _check_channel(channel)
    try:
        json.loads(citations_json)
    except (TypeError, ValueError) as exc:
        raise InputError("citations_json måste vara giltig JSON.") from exc
    # Callers must redact before logging, and do; redacting again here is the second line of
    # defence: this file is kept for months, so one forgotten call site must not put a
    # personnummer on disk. redact() is idempotent, so the double pass changes nothing else.
    stored_question = redact(question)[:MAX_STORED_QUESTION_CHARS]
    with _transaction(store) as connection:
        # The same answer can be served again (e.g. from a query cache); the first record
        # stands so its feedback keeps pointing at what was actually asked first.
        connection.execute(
            "INSERT OR IGNORE INTO answers (answer_id, created_at, question, status,"
            " responsible, region, citations_json, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                answer_id,
                _timestamp(now),
                stored_question,
                status,
                responsible,
                region,
                citations_json,
                channel,
            ),
        )


def answer_exists(store: Store, answer_id: str) -> bool:
    """Whether an answer with this id is stored (and not yet purged)."""
    with _connection(store) as connection:
        row = connection.execute(
            "SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)
        ).fetchone()
    return row is not None


def get_answer(store: Store, answer_id: str) -> AnswerRecord:
    """The stored answer with this id; NotFoundError if there is none."""
    with _connection(store) as connection:
        row = connection.execute(
            "SELECT answer_id, created_at, question, status, responsible, region,"
            " citations_json, channel FROM answers WHERE answer_id = ?",
            (answer_id,),
        ).fetchone()
    if row is None:
        raise NotFoundError(_ANSWER_NOT_FOUND)
    return AnswerRecord(
        answer_id=row[0],
        created_at=_parse_timestamp(row[1]),
        question=row[2],
        status=row[3],
        responsible=row[4],
        region=row[5],
        citations_json=row[6],
        channel=cast(Channel, row[7]),
    )


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
    if rating not in RATINGS:
        raise InputError("Betyget måste vara 'up' eller 'down'.")
    _check_channel(channel)
    if comment is not None and not isinstance(comment, str):
        raise InputError("Kommentaren måste vara text.")
    cleaned = redact(comment.strip())[:MAX_COMMENT_CHARS].strip() if comment else ""
    stored_comment = cleaned or None
    created_at = _timestamp(now)
    with _transaction(store) as connection:
        exists = connection.execute(
            "SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)
        ).fetchone()
        if exists is None:
            raise NotFoundError(_ANSWER_NOT_FOUND)
        cursor = connection.execute(
            "INSERT INTO feedback (answer_id, created_at, rating, comment, channel)"
            " VALUES (?, ?, ?, ?, ?)",
            (answer_id, created_at, rating, stored_comment, channel),
        )
        feedback_id = cursor.lastrowid
    assert feedback_id is not None  # an INSERT into a rowid table always yields one
    return FeedbackRecord(
        id=feedback_id,
        answer_id=answer_id,
        rating=cast(Rating, rating),
        comment=stored_comment,
        channel=cast(Channel, channel),
        created_at=_parse_timestamp(created_at),
    )


def list_feedback(store: Store, answer_id: str | None = None) -> list[FeedbackRecord]:
    """All stored feedback, oldest first, optionally for one answer only."""
    query = "SELECT id, answer_id, rating, comment, channel, created_at FROM feedback"
    params: tuple[str, ...] = ()
    if answer_id is not None:
        query += " WHERE answer_id = ?"
        params = (answer_id,)
    with _connection(store) as connection:
        rows = connection.execute(query + " ORDER BY created_at, id", params).fetchall()
    return [
        FeedbackRecord(
            id=row[0],
            answer_id=row[1],
            rating=row[2],
            comment=row[3],
            channel=row[4],
            created_at=_parse_timestamp(row[5]),
        )
        for row in rows
    ]


def set_conversation_region(
    store: Store, conversation_id: str, region: str | None, *, now: datetime | None = None
) -> None:
    """Remember the region chosen in a (Teams) conversation; None forgets it."""
    _check_id(conversation_id, "conversation_id")
    with _transaction(store) as connection:
        if region is None:
            connection.execute(
                "DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,)
            )
        else:
            connection.execute(
                "INSERT INTO conversations (conversation_id, region, updated_at)"
                " VALUES (?, ?, ?) ON CONFLICT (conversation_id)"
                " DO UPDATE SET region = excluded.region, updated_at = excluded.updated_at",
                (conversation_id, region, _timestamp(now)),
            )


def get_conversation_region(store: Store, conversation_id: str) -> str | None:
    """The region remembered for a conversation, or None."""
    with _connection(store) as connection:
        row = connection.execute(
            "SELECT region FROM conversations WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
    return None if row is None else str(row[0])


def purge(store: Store, older_than_days: int, now: datetime | None = None) -> PurgeReport:
    """Delete answers (with all their feedback) and conversation state older than the limit."""
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int):
        raise InputError("Antalet dagar måste vara ett heltal.")
    if older_than_days < 0:
        raise InputError("Antalet dagar får inte vara negativt.")
    moment = _aware(now) if now is not None else datetime.now(UTC)
    cutoff = moment - timedelta(days=older_than_days)
    limit = _timestamp(cutoff)
    with _transaction(store) as connection:
        # Feedback goes with its answer even if it was given later: without the question
        # it rates, a comment is meaningless and may itself describe the person.
        feedback = connection.execute(
            "DELETE FROM feedback WHERE created_at < ?"
            " OR answer_id IN (SELECT answer_id FROM answers WHERE created_at < ?)",
            (limit, limit),
        ).rowcount
        answers = connection.execute("DELETE FROM answers WHERE created_at < ?", (limit,)).rowcount
        conversations = connection.execute(
            "DELETE FROM conversations WHERE updated_at < ?", (limit,)
        ).rowcount
    # secure_delete zeroes the freed pages in the database file, and the rollback journal
    # that held their old content is truncated at the commit: the deleted text is gone.
    return PurgeReport(
        cutoff=_parse_timestamp(limit),
        answers=answers,
        feedback=feedback,
        conversations=conversations,
    )


_ANSWER_NOT_FOUND = (
    "Svaret finns inte. Det kan ha rensats bort när lagringstiden gick ut; ställ frågan igen."
)
_UNAVAILABLE = "Lagringen för svar och återkoppling går inte att använda just nu."


def close_store(store: Store) -> None:
    """Close this process's connection (a later call reopens it)."""
    with store.lock:
        connection, store.link.connection = store.link.connection, None
        if connection is None or store.link.pid != os.getpid():
            return
        with suppress(sqlite3.Error):
            connection.close()


def store_health(
    store: Store, *, recheck: bool = True, now: float | None = None
) -> StoreHealth:
    """Whether the store can be written. With `recheck`, a store that failed is tried again
    (a write lock taken and given back; blocking) once `RECHECK_SECONDS` have passed, so a
    repaired disk shows; without, the last outcome is reported as it is."""
    link = store.link
    now = time.monotonic() if now is None else now
    if recheck and link.problem and now - link.checked >= RECHECK_SECONDS:
        link.checked = now
        with suppress(StoreError), _transaction(store):  # still failing: reason recorded
            pass
    return StoreHealth(ok=not link.problem, problem=link.problem)


def _set_pragmas(connection: sqlite3.Connection, path: Path) -> None:
    """The journal (never WAL: nothing memory-mapped) and the other per-connection settings."""
    connection.execute("PRAGMA mmap_size = 0")
    try:
        mode = str(connection.execute(f"PRAGMA journal_mode = {JOURNAL_MODE}").fetchone()[0])
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        # Leaving WAL needs the file to itself: another process still has it open in WAL.
        mode = "wal"
    if mode.lower() != JOURNAL_MODE:
        raise StoreError(
            f"Lagringen {path} används i läget {mode} av en annan process (en äldre version?); "
            "stoppa den och starta om."
        )
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute("PRAGMA synchronous = NORMAL")


def _connect(store: Store) -> sqlite3.Connection:
    """This process's connection, opened on first use (autocommit, per-connection pragmas)."""
    link = store.link
    if link.connection is not None and link.pid == os.getpid():
        return link.connection
    # After a fork the parent's connection must not be used (nor closed) by the child.
    connection = sqlite3.connect(
        store.path,
        timeout=_BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,  # shared by the process's threads, always under store.lock
    )
    try:
        _set_pragmas(connection, store.path)
    except (sqlite3.Error, StoreError):
        connection.close()
        raise
    link.connection, link.pid = connection, os.getpid()
    return connection


@contextmanager
def _connection(store: Store) -> Iterator[sqlite3.Connection]:
    """The process's connection, held alone for the block; SQLite errors become StoreError."""
    with store.lock:
        try:
            yield _connect(store)
        except (sqlite3.Error, StoreError) as exc:
            # Whatever broke (a replaced file, a full or read-only disk), the next call
            # starts afresh.
            broken, store.link.connection = store.link.connection, None
            if broken is not None:
                with suppress(sqlite3.Error):
                    broken.close()
            _failed(store, exc)
            if isinstance(exc, StoreError):
                raise
            raise StoreError(_UNAVAILABLE) from exc


def _failed(store: Store, exc: Exception) -> None:
    """Record why the store failed; the first failure of a spell is logged."""
    link = store.link
    reason = exc.message if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
    if not link.problem:
        logger.error("Lagringen %s går inte att använda: %s", store.path, reason)
    link.problem, link.checked = reason, time.monotonic()


@contextmanager
def _transaction(store: Store) -> Iterator[sqlite3.Connection]:
    """A write transaction, committed on success and rolled back on any exception."""
    with _connection(store) as connection:
        # IMMEDIATE takes the write lock up front, so a read-then-write (feedback checking
        # its answer) cannot be overtaken by a purge in another process.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        if store.link.problem:
            logger.info("Lagringen %s fungerar igen", store.path)
            store.link.problem = ""


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the schema up to SCHEMA_VERSION inside the caller's transaction."""
    connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    current = int(row[0]) if row and row[0] is not None else 0
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"Lagringen {path} har schemaversion {current}, men programmet känner bara till "
            f"version {SCHEMA_VERSION}. Uppdatera programmet."
        )
    for statements in _MIGRATIONS[current:]:
        for statement in statements:
            connection.execute(statement)
    if current < SCHEMA_VERSION:
        connection.execute("DELETE FROM schema_version")
        connection.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))


def _check_id(value: str, name: str) -> None:
    """Reject empty or absurdly long identifiers."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        raise InputError(f"{name} måste vara en icke-tom text på högst {MAX_ID_CHARS} tecken.")


def _check_channel(channel: str) -> None:
    """Reject channels other than web, teams and api."""
    if channel not in CHANNELS:
        raise InputError("Kanalen måste vara 'web', 'teams' eller 'api'.")


def _aware(moment: datetime) -> datetime:
    """The moment in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _timestamp(moment: datetime | None) -> str:
    """The stored text form of a moment (now when None)."""
    return (_aware(moment) if moment is not None else datetime.now(UTC)).strftime(_TIME_FORMAT)


def _parse_timestamp(text: str) -> datetime:
    """Read back a stored moment as an aware UTC datetime."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
