"""The embedded backend: one SQLite file, the default when no `store_url` is set.

This is the only module that imports sqlite3. A `SqliteStore` keeps one connection per
process, opened on first use and shared by its threads under a lock, so it can be shared
freely between threads (and the file between processes: writers of different processes wait
for each other through SQLite's busy timeout).

No file is memory-mapped. WAL mode keeps its index in a memory-mapped `-shm` file, and a
mapped page that can no longer be written or read (the volume remounted read-only after an
I/O error, the file truncated or made immutable) kills the process with SIGBUS, without a
log line or a Python exception. So the store uses a rollback journal
(`journal_mode = TRUNCATE`) and `mmap_size = 0`: every failure of the disk reaches us as an
error, and becomes a `StoreError` (503) while answers go on being served. A commit costs
about 0.7 ms instead of WAL's 0.02 ms (measured on the development disk); an answer takes
tens of milliseconds. A file made in WAL mode by an older version is converted when opened.

Commits use `synchronous = NORMAL`: a commit is safe from a crash of the process (and
survives `kill -9`). `secure_delete` zeroes the pages a purge frees, so purged text is gone
from the file, not merely unlinked.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import StoreError
from assistant.store import schema
from assistant.store.backend import UNAVAILABLE, Link, record_failure, record_success
from assistant.store.records import (
    ANSWER_COLUMNS,
    FEEDBACK_COLUMNS,
    AnswerRecord,
    FeedbackRecord,
    PurgeReport,
    answer_from_row,
    feedback_from_row,
)

_BUSY_TIMEOUT_SECONDS = 15.0
JOURNAL_MODE = "truncate"  # a rollback journal: no memory-mapped -shm file (see above)
# Fixed width, UTC, so that text comparison in SQL is chronological comparison.
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class SqliteStore:
    """Where the SQLite file lives; open with `open_sqlite`. Safe to share between threads."""

    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    link: Link[sqlite3.Connection] = field(default_factory=Link, repr=False, compare=False)

    @property
    def where(self) -> str:
        """The file's path, for messages."""
        return str(self.path)

    def version(self) -> int:
        """The schema version recorded in the file."""
        with _connection(self) as connection:
            return _version(connection)

    def insert_answer(self, record: AnswerRecord) -> None:
        """Add an answer; if its id is stored already, the first record stands."""
        with _transaction(self) as connection:
            connection.execute(
                "INSERT OR IGNORE INTO answers (answer_id, created_at, question, status,"
                " responsible, region, citations_json, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.answer_id,
                    _text(record.created_at),
                    record.question,
                    record.status,
                    record.responsible,
                    record.region,
                    record.citations_json,
                    record.channel,
                ),
            )

    def find_answer(self, answer_id: str) -> AnswerRecord | None:
        """The stored answer with this id, or None."""
        with _connection(self) as connection:
            row = connection.execute(
                f"SELECT {ANSWER_COLUMNS} FROM answers WHERE answer_id = ?",
                (answer_id,),
            ).fetchone()
        if row is None:
            return None
        return answer_from_row(row, _moment)

    def has_answer(self, answer_id: str) -> bool:
        """Whether an answer with this id is stored."""
        with _connection(self) as connection:
            row = connection.execute(
                "SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)
            ).fetchone()
        return row is not None

    def insert_feedback(
        self, answer_id: str, rating: str, comment: str | None, channel: str, created_at: datetime
    ) -> int | None:
        """Add feedback and return its id; None (nothing added) if the answer is not stored."""
        # The transaction holds the write lock from its start (BEGIN IMMEDIATE), so no purge
        # in another process can remove the answer between the check and the insert.
        with _transaction(self) as connection:
            exists = connection.execute(
                "SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)
            ).fetchone()
            if exists is None:
                return None
            cursor = connection.execute(
                "INSERT INTO feedback (answer_id, created_at, rating, comment, channel)"
                " VALUES (?, ?, ?, ?, ?)",
                (answer_id, _text(created_at), rating, comment, channel),
            )
        return cursor.lastrowid

    def feedback(self, answer_id: str | None) -> list[FeedbackRecord]:
        """Stored feedback, oldest first (then by id), for one answer or (None) all."""
        query = f"SELECT {FEEDBACK_COLUMNS} FROM feedback"
        params: tuple[str, ...] = ()
        if answer_id is not None:
            query += " WHERE answer_id = ?"
            params = (answer_id,)
        with _connection(self) as connection:
            rows = connection.execute(query + " ORDER BY created_at, id", params).fetchall()
        return [feedback_from_row(row, _moment) for row in rows]

    def remember_region(self, conversation_id: str, region: str, updated_at: datetime) -> None:
        """Set (or replace) a conversation's region."""
        with _transaction(self) as connection:
            connection.execute(
                "INSERT INTO conversations (conversation_id, region, updated_at)"
                " VALUES (?, ?, ?) ON CONFLICT (conversation_id)"
                " DO UPDATE SET region = excluded.region, updated_at = excluded.updated_at",
                (conversation_id, region, _text(updated_at)),
            )

    def forget_region(self, conversation_id: str) -> None:
        """Remove a conversation's region, if any."""
        with _transaction(self) as connection:
            connection.execute(
                "DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,)
            )

    def region(self, conversation_id: str) -> str | None:
        """A conversation's region, or None."""
        with _connection(self) as connection:
            row = connection.execute(
                "SELECT region FROM conversations WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def delete_before(self, cutoff: datetime) -> PurgeReport:
        """Delete answers (with all their feedback) and conversations older than `cutoff`."""
        limit = _text(cutoff)
        with _transaction(self) as connection:
            feedback = connection.execute(
                "DELETE FROM feedback WHERE created_at < ?"
                " OR answer_id IN (SELECT answer_id FROM answers WHERE created_at < ?)",
                (limit, limit),
            ).rowcount
            answers = connection.execute(
                "DELETE FROM answers WHERE created_at < ?", (limit,)
            ).rowcount
            conversations = connection.execute(
                "DELETE FROM conversations WHERE updated_at < ?", (limit,)
            ).rowcount
        # secure_delete zeroes the freed pages in the database file, and the rollback journal
        # that held their old content is truncated at the commit: the deleted text is gone.
        return PurgeReport(
            cutoff=_moment(limit), answers=answers, feedback=feedback, conversations=conversations
        )

    def probe(self) -> None:
        """Take the write lock and give it back: StoreError if the file takes no writes."""
        with _transaction(self):
            pass

    def close(self) -> None:
        """Close this process's connection (a later call reopens it)."""
        with self.lock:
            connection, self.link.connection = self.link.connection, None
            if connection is None or self.link.pid != os.getpid():
                return
            with suppress(sqlite3.Error):
                connection.close()


def open_sqlite(path: Path) -> SqliteStore:
    """Open (creating or migrating as needed) the SQLite store at `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Mappen för lagringen kan inte skapas: {path.parent}") from exc
    store = SqliteStore(path=path)
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


def _connect(store: SqliteStore) -> sqlite3.Connection:
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
def _connection(store: SqliteStore) -> Iterator[sqlite3.Connection]:
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
            if isinstance(exc, StoreError):
                record_failure(store, exc.message)
                raise
            record_failure(store, f"{type(exc).__name__}: {exc}")
            raise StoreError(UNAVAILABLE) from exc


@contextmanager
def _transaction(store: SqliteStore) -> Iterator[sqlite3.Connection]:
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
        record_success(store)


def _version(connection: sqlite3.Connection) -> int:
    """The version in the schema_version table (0 when it has no row)."""
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the schema up to date inside the caller's transaction."""
    connection.execute(schema.VERSION_TABLE)
    current = _version(connection)
    steps = schema.pending(current, str(path))
    for migration in steps:
        for statement in migration.sqlite:
            connection.execute(statement)
    if steps:
        connection.execute("DELETE FROM schema_version")
        connection.execute(
            "INSERT INTO schema_version (version) VALUES (?)", (current + len(steps),)
        )


def _text(moment: datetime) -> str:
    """The stored text form of a UTC moment."""
    return moment.strftime(_TIME_FORMAT)


def _moment(text: str) -> datetime:
    """Read back a stored moment as an aware UTC datetime."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
