"""The store suite's fixtures: every test taking `target` or `store` runs once against a
SQLite file and once against a fresh database on the throwaway PostgreSQL server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from assistant.store import Store, close_store, open_store, record_answer
from assistant.store.postgres import PostgresStore
from assistant.store.sqlite import SqliteStore
from tests.postgres import Cluster

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CITATIONS = json.dumps([{"n": 1, "document_id": "varmland", "page": 10}])


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """What `open_store` is given: a SQLite path (in a folder yet to be made) or a URL."""
    if request.param == "sqlite":
        return tmp_path / "nested" / "folder" / "assistant.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(target: Path | str) -> Iterator[Store]:
    opened = open_store(target)
    yield opened
    close_store(opened)


def add_answer(
    store: Store, answer_id: str, question: str = "Vem kallar till SIP?", **kw: object
) -> None:
    record_answer(
        store,
        answer_id=answer_id,
        question=question,
        status="answered",
        responsible="kommun",
        region="Värmland",
        citations_json=CITATIONS,
        channel="web",
        **kw,  # type: ignore[arg-type]
    )


def sqlite_bytes(store: SqliteStore) -> bytes:
    """The database file and any side files (journal, or WAL/SHM of old), as on disk."""
    parts = [store.path, *(Path(f"{store.path}-{s}") for s in ("journal", "wal", "shm"))]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def postgres_bytes(store: PostgresStore, cluster: Cluster, url: str) -> bytes:
    """The database's files and the cluster's WAL, as on disk after a checkpoint."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")
        row = connection.execute(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    folders = [cluster.data_dir / "base" / str(row[0]), cluster.data_dir / "pg_wal"]
    files = [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]
    assert files
    return b"".join(p.read_bytes() for p in files)


def stored_bytes(store: Store, request: pytest.FixtureRequest) -> bytes:
    """Everything the store has put on disk, for either backend."""
    if isinstance(store, SqliteStore):
        return sqlite_bytes(store)
    assert isinstance(store, PostgresStore)
    return postgres_bytes(
        store, request.getfixturevalue("postgres_cluster"), request.getfixturevalue("target")
    )
