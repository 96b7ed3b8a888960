"""The shared backend: PostgreSQL, so that several replicas behind a load balancer keep one
store (feedback reaches its answer whichever replica gave it; no session affinity).

This is the only module that imports psycopg. It is chosen by a `postgresql://` (or
`postgres://`) URL in `store_url` (`ASSISTANT_STORE_URL`), and loaded only then.

Connections: one per process, shared by its threads under a lock, as in the SQLite backend;
no pool and no connection per thread. Every call is one short transaction (about a
millisecond on a LAN) beside an answer's tens of milliseconds, so threads seldom wait; and a
replica holds one server connection however many worker threads it runs (anyio's pool has
40), so N replicas need N of the server's `max_connections` (100 by default). A connection
the server has closed while it sat idle (a restart, a failover) is noticed before use and
replaced, so a restart of the server costs no failed call.

Time limits, each a default the URL can override (`?connect_timeout=…`, `?options=…`):
connecting 3 s; a statement 15 s (as SQLite's busy timeout); TCP keepalives and
`tcp_user_timeout`, so a silent network cut is an error within seconds, not a thread stuck
holding the lock. After a failed connection attempt, calls fail at once for
`RETRY_SECONDS` instead of each waiting to connect again: answers go on being served.

Moments are `timestamptz`, read back as aware UTC datetimes. The schema is migrated at open,
in one transaction under a transaction-level advisory lock, so replicas starting together
migrate once: the others wait for it and then find nothing to do. As in SQLite, any failure
of the database becomes a `StoreError` (503), the connection is dropped, and the reason is
kept for `store_health`; the next call connects afresh.

The URL's password is kept only in the connection string: not in `repr`, messages or logs
(`where` is the URL without it, and a reason quoting it has it masked).

Purge deletes the rows in one transaction; PostgreSQL reuses their space after (auto)vacuum
but does not zero it, and its WAL and backups hold old rows until they are recycled
(docs/operations.md).
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

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

Connection = psycopg.Connection[tuple[Any, ...]]

RETRY_SECONDS = 2.0  # after a failed connection attempt, calls fail at once for this long
_DEFAULTS = {
    "connect_timeout": "3",
    "options": "-c statement_timeout=15s",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "20000",  # ms; unacknowledged writes give up after this
    "application_name": "assistant",
}
# Any fixed 64-bit number, the same in every replica: the key of the migration lock.
_MIGRATION_LOCK = 0x5A4D_5354_4F52_4531
BAD_URL = (
    "ASSISTANT_STORE_URL går inte att tolka som en PostgreSQL-adress "
    "(t.ex. postgresql://användare:lösenord@värd:5432/databas)."
)
# Connections inherited through fork: the parent's sessions. Closing one (or letting it be
# collected, which closes it) would end the parent's session, so they are kept, unused.
_INHERITED: list[Connection] = []


class _PgLink(Link[Connection]):
    """The link, and when a connection attempt last failed (time.monotonic(); 0: never)."""

    __slots__ = ("refused_at",)

    def __init__(self) -> None:
        super().__init__()
        self.refused_at = 0.0


@dataclass(frozen=True)
class PostgresStore:
    """A PostgreSQL database; open with `open_postgres`. Safe to share between threads."""

    where: str  # the URL without its password
    conninfo: str = field(repr=False)
    password: str = field(default="", repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    link: _PgLink = field(default_factory=_PgLink, repr=False, compare=False)

    def version(self) -> int:
        """The schema version recorded in the database."""
        with _connection(self) as connection:
            return _version(connection)

    def insert_answer(self, record: AnswerRecord) -> None:
        """Add an answer; if its id is stored already, the first record stands."""
        with _transaction(self) as connection:
            connection.execute(
                "INSERT INTO answers (answer_id, created_at, question, status, responsible,"
                " region, citations_json, channel) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (answer_id) DO NOTHING",
                (
                    record.answer_id,
                    record.created_at,
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
                f"SELECT {ANSWER_COLUMNS} FROM answers WHERE answer_id = %s",
                (answer_id,),
            ).fetchone()
        if row is None:
            return None
        return answer_from_row(row, _utc)

    def has_answer(self, answer_id: str) -> bool:
        """Whether an answer with this id is stored."""
        with _connection(self) as connection:
            row = connection.execute(
                "SELECT 1 FROM answers WHERE answer_id = %s", (answer_id,)
            ).fetchone()
        return row is not None

    def insert_feedback(
        self, answer_id: str, rating: str, comment: str | None, channel: str, created_at: datetime
    ) -> int | None:
        """Add feedback and return its id; None (nothing added) if the answer is not stored."""
        with _transaction(self) as connection:
            # FOR KEY SHARE holds the answer row until the commit: a purge in another replica
            # waits for it, so it cannot remove the answer between the check and the insert.
            exists = connection.execute(
                "SELECT 1 FROM answers WHERE answer_id = %s FOR KEY SHARE", (answer_id,)
            ).fetchone()
            if exists is None:
                return None
            row = connection.execute(
                "INSERT INTO feedback (answer_id, created_at, rating, comment, channel)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (answer_id, created_at, rating, comment, channel),
            ).fetchone()
        assert row is not None  # INSERT … RETURNING always yields the row
        return int(row[0])

    def feedback(self, answer_id: str | None) -> list[FeedbackRecord]:
        """Stored feedback, oldest first (then by id), for one answer or (None) all."""
        query = f"SELECT {FEEDBACK_COLUMNS} FROM feedback"
        params: tuple[str, ...] = ()
        if answer_id is not None:
            query += " WHERE answer_id = %s"
            params = (answer_id,)
        with _connection(self) as connection:
            rows = connection.execute(query + " ORDER BY created_at, id", params).fetchall()
        return [feedback_from_row(row, _utc) for row in rows]

    def remember_region(self, conversation_id: str, region: str, updated_at: datetime) -> None:
        """Set (or replace) a conversation's region."""
        with _transaction(self) as connection:
            connection.execute(
                "INSERT INTO conversations (conversation_id, region, updated_at)"
                " VALUES (%s, %s, %s) ON CONFLICT (conversation_id)"
                " DO UPDATE SET region = excluded.region, updated_at = excluded.updated_at",
                (conversation_id, region, updated_at),
            )

    def forget_region(self, conversation_id: str) -> None:
        """Remove a conversation's region, if any."""
        with _transaction(self) as connection:
            connection.execute(
                "DELETE FROM conversations WHERE conversation_id = %s", (conversation_id,)
            )

    def region(self, conversation_id: str) -> str | None:
        """A conversation's region, or None."""
        with _connection(self) as connection:
            row = connection.execute(
                "SELECT region FROM conversations WHERE conversation_id = %s",
                (conversation_id,),
            ).fetchone()
        return None if row is None else str(row[0])

    def delete_before(self, cutoff: datetime) -> PurgeReport:
        """Delete answers (with all their feedback) and conversations older than `cutoff`."""
        with _transaction(self) as connection:
            feedback = connection.execute(
                "DELETE FROM feedback WHERE created_at < %(cutoff)s"
                " OR answer_id IN (SELECT answer_id FROM answers WHERE created_at < %(cutoff)s)",
                {"cutoff": cutoff},
            ).rowcount
            # Feedback committed by another replica since the statement above goes with its
            # answer all the same: ON DELETE CASCADE.
            answers = connection.execute(
                "DELETE FROM answers WHERE created_at < %s", (cutoff,)
            ).rowcount
            conversations = connection.execute(
                "DELETE FROM conversations WHERE updated_at < %s", (cutoff,)
            ).rowcount
        return PurgeReport(
            cutoff=cutoff, answers=answers, feedback=feedback, conversations=conversations
        )

    def probe(self) -> None:
        """Write nothing, but as a write: StoreError if the database takes no writes (down,
        unreachable, or a read-only standby after a failover)."""
        with _transaction(self) as connection:
            connection.execute("UPDATE schema_version SET version = version WHERE false")

    def close(self) -> None:
        """Close this process's connection (a later call reopens it)."""
        with self.lock:
            connection, self.link.connection = self.link.connection, None
            if connection is None or self.link.pid != os.getpid():
                return
            with suppress(psycopg.Error):
                connection.close()


def open_postgres(url: str) -> PostgresStore:
    """Connect to the database at `url` and migrate its schema as needed."""
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.Error:
        raise StoreError(BAD_URL) from None  # libpq's reason may quote the URL, password too
    for name, value in _DEFAULTS.items():
        params.setdefault(name, value)
    store = PostgresStore(
        where=describe(params),
        conninfo=make_conninfo(**params),
        password=params.get("password", ""),
    )
    try:
        with _connection(store) as connection:
            _migrate(connection, store.where)
    except StoreError as exc:
        reason = store.link.problem or exc.message
        raise StoreError(f"Lagringen {store.where} kan inte användas: {reason}") from None
    return store


def describe(params: dict[str, str]) -> str:
    """A URL for messages, from parsed connection parameters: no password, no options."""
    host = params.get("host", "")
    netloc = f"{params['user']}@" if params.get("user") else ""
    if host and not host.startswith("/"):
        netloc += f"[{host}]" if ":" in host else host
    if params.get("port"):
        netloc += f":{params['port']}"
    text = f"postgresql://{netloc}/{params.get('dbname', '')}"
    return f"{text}?host={host}" if host.startswith("/") else text


def _connect(store: PostgresStore) -> Connection:
    """This process's connection: the open one if the server has not closed it, else new."""
    link = store.link
    if link.connection is not None and link.pid != os.getpid():
        _INHERITED.append(link.connection)
        link.connection = None
    if link.connection is not None:
        if not _closed_by_server(link.connection):
            return link.connection
        with suppress(psycopg.Error):
            link.connection.close()
        link.connection = None
    try:
        connection: Connection = psycopg.connect(store.conninfo, autocommit=True)
    except psycopg.Error:
        link.refused_at = time.monotonic()
        raise
    link.refused_at = 0.0
    try:
        connection.execute("SET TIME ZONE 'UTC'")
    except psycopg.Error:
        connection.close()
        raise
    link.connection, link.pid = connection, os.getpid()
    return connection


def _closed_by_server(connection: Connection) -> bool:
    """Whether an idle connection can no longer be used: broken, or readable although no
    query is running, which means the server has closed it or is about to (a restart sends
    an error, then EOF; nothing else arrives unasked without LISTEN)."""
    if connection.closed or connection.broken:
        return True
    poller = select.poll()  # not select.select, which fails on descriptors above 1023
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


@contextmanager
def _connection(store: PostgresStore) -> Iterator[Connection]:
    """The process's connection, held alone for the block; database errors become
    StoreError, with the reason (password masked) kept for `store_health`."""
    with store.lock:
        if store.link.connection is None and time.monotonic() - store.link.refused_at < (
            RETRY_SECONDS
        ):
            raise StoreError(UNAVAILABLE)  # the failed attempt's reason stays recorded
        try:
            yield _connect(store)
        except (psycopg.Error, StoreError) as exc:
            broken, store.link.connection = store.link.connection, None
            if broken is not None:
                with suppress(psycopg.Error):
                    broken.close()
            if isinstance(exc, StoreError):
                record_failure(store, exc.message)
                raise
            record_failure(store, _reason(store, exc))
            raise StoreError(UNAVAILABLE) from None  # psycopg's text is in the log, masked


@contextmanager
def _transaction(store: PostgresStore) -> Iterator[Connection]:
    """A transaction, committed on success and rolled back on any exception."""
    with _connection(store) as connection:
        with connection.transaction():
            yield connection
        record_success(store)


def _reason(store: PostgresStore, exc: psycopg.Error) -> str:
    """The error as one line for the log and `store_health`, the password masked."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text.replace(store.password, "***") if store.password else text


def _version(connection: Connection) -> int:
    """The version in the schema_version table (0 when it has no row)."""
    row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _migrate(connection: Connection, where: str) -> None:
    """Bring the schema up to date in one transaction, one replica at a time."""
    with connection.transaction():
        # Held until the commit: a replica starting at the same moment waits here, then
        # finds the schema current. A migration may take longer than a statement may.
        connection.execute("SET LOCAL statement_timeout = 0")
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        # Looked up rather than CREATE … IF NOT EXISTS, which needs the right to create
        # tables even when the table is there (a role that only reads and writes rows).
        row = connection.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        if not (row and row[0]):
            connection.execute(schema.VERSION_TABLE)
        current = _version(connection)
        steps = schema.pending(current, where)
        for migration in steps:
            for statement in migration.postgres:
                connection.execute(statement)
        if steps:
            connection.execute("DELETE FROM schema_version")
            connection.execute(
                "INSERT INTO schema_version (version) VALUES (%s)", (current + len(steps),)
            )


def _utc(moment: datetime) -> datetime:
    """A timestamptz as read, in UTC."""
    return moment.astimezone(UTC)
