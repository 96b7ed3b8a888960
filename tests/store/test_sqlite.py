"""SQLite-only store tests: the file's format and journal, its pragmas, files left by older
versions, and a disk that fails under the store (issue 16). The behaviour both backends
share is in test_store.py."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import assistant.store.sqlite as sqlite_module
from assistant.errors import StoreError
from assistant.store import (
    SCHEMA_VERSION,
    answer_exists,
    open_store,
    purge,
    record_feedback,
    schema_version,
)
from assistant.store.sqlite import SqliteStore, open_sqlite
from tests.store.conftest import NOW, add_answer, sqlite_bytes


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return open_sqlite(tmp_path / "assistant.sqlite3")


def test_open_creates_folder_rollback_journal_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.sqlite3"
    store = open_store(path)
    add_answer(store, "a1")
    assert path.is_file()
    header = path.read_bytes()[:20]
    assert header.startswith(b"SQLite format 3\x00")
    assert header[18:20] == b"\x01\x01"  # file format versions 1: a rollback journal, not WAL
    assert schema_version(store) == SCHEMA_VERSION
    connection = store.link.connection
    assert connection is not None
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "truncate"
    assert connection.execute("PRAGMA mmap_size").fetchone()[0] == 0
    # Nothing memory-mapped: no -shm (whose mapped pages would SIGBUS when unwritable).
    assert not Path(f"{path}-shm").exists() and not Path(f"{path}-wal").exists()


def test_a_store_left_in_wal_mode_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    add_answer(open_store(path), "a1")
    old = sqlite3.connect(path)
    assert old.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    old.close()
    again = open_store(path)
    assert answer_exists(again, "a1")
    assert path.read_bytes()[18:20] == b"\x01\x01"
    add_answer(again, "a2")
    assert not Path(f"{path}-shm").exists()


def test_a_store_in_wal_use_by_another_process_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    open_store(path)
    other = sqlite3.connect(path)  # an older version, still running in WAL mode
    try:
        assert other.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
        other.execute("SELECT COUNT(*) FROM answers").fetchone()
        with pytest.raises(StoreError, match="en annan process"):
            open_store(path)
    finally:
        other.close()


def test_unusable_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a-db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_store(path)
    with pytest.raises(StoreError):
        open_store(tmp_path)  # a directory


def test_one_connection_serves_every_call_of_a_process(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    connect = sqlite3.connect

    def counting(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)  # type: ignore[call-overload]
        opened.append(connection)
        return connection

    monkeypatch.setattr(sqlite_module.sqlite3, "connect", counting)
    for i in range(20):
        add_answer(store, f"a{i}")
        record_feedback(store, answer_id=f"a{i}", rating="up", comment=None, channel="api")
        assert answer_exists(store, f"a{i}")
    # Opening a connection per call cost more than the write (closing the last one
    # checkpoints the WAL with a sync); 60 calls now share one.
    assert len(opened) <= 1
    connection = store.link.connection
    assert connection is not None
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA secure_delete").fetchone()[0] == 1
    journal = Path(f"{store.path}-journal")
    assert not journal.exists() or journal.stat().st_size == 0  # committed: nothing pending


def test_an_answer_is_committed_when_record_answer_returns(store: SqliteStore) -> None:
    add_answer(store, "nyss")
    # Another connection (another process, the CLI) sees it at once: nothing is buffered.
    other = sqlite3.connect(store.path)
    try:
        row = other.execute("SELECT status FROM answers WHERE answer_id = 'nyss'").fetchone()
    finally:
        other.close()
    assert row == ("answered",)


def test_a_broken_connection_is_replaced_on_the_next_call(store: SqliteStore) -> None:
    add_answer(store, "a")
    assert store.link.connection is not None
    store.link.connection.close()  # as if something had closed it under us
    with pytest.raises(StoreError):
        answer_exists(store, "a")
    assert answer_exists(store, "a")


def test_purge_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.channels.cli import app

    runner = CliRunner()
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_RETENTION_DAYS": "30"}
    nothing = runner.invoke(app, ["purge"], env=env)
    assert nothing.exit_code == 0, nothing.output
    assert "Ingen lagring" in nothing.output
    store = open_store(tmp_path / "assistant.sqlite3")
    now = datetime.now(UTC)
    add_answer(store, "old", now=now - timedelta(days=40))
    add_answer(store, "new", now=now - timedelta(days=20))
    record_feedback(store, answer_id="old", rating="up", comment=None, channel="web")

    kept = runner.invoke(app, ["purge", "--days", "60"], env=env)
    assert kept.exit_code == 0, kept.output
    assert "Raderade 0 rader äldre än 60 dagar" in kept.output

    default = runner.invoke(app, ["purge"], env=env)  # ASSISTANT_RETENTION_DAYS = 30
    assert default.exit_code == 0, default.output
    assert "Raderade 2 rader äldre än 30 dagar" in default.output
    assert "frågor med svar 1, återkopplingar 1, konversationer 0" in default.output
    assert not answer_exists(store, "old") and answer_exists(store, "new")

    refused = runner.invoke(app, ["purge", "--days", "-1"], env=env)
    assert refused.exit_code != 0
    assert answer_exists(store, "new")


def test_purged_text_is_gone_from_the_file(store: SqliteStore) -> None:
    add_answer(store, "old", question="gammal zebrafråga", now=NOW - timedelta(days=100))
    record_feedback(
        store, answer_id="old", rating="up", comment="tack zebra", channel="web",
        now=NOW - timedelta(days=5),
    )
    add_answer(store, "new", question="ny fråga", now=NOW)
    assert b"zebra" in sqlite_bytes(store)
    assert purge(store, 90, now=NOW).total == 2
    # secure_delete: the purged text is zeroed in the file, not merely unlinked.
    assert b"zebra" not in sqlite_bytes(store)
    assert b"ny fr" in sqlite_bytes(store)


# ── a disk that fails under the store (issue 16): errors, never SIGBUS ──────────────────

BREAK_CHILD = r"""
import json, os, subprocess, sys
from pathlib import Path
from assistant.errors import StoreError
from assistant.store import answer_exists, open_store, record_answer, store_health

folder, action = Path(sys.argv[1]), sys.argv[2]
store = open_store(folder / "assistant.sqlite3")

def write(answer_id):
    try:
        record_answer(store, answer_id=answer_id, question="Vem kallar till SIP?",
                      status="answered", responsible=None, region=None,
                      citations_json="[]", channel="api")
        return "ok"
    except StoreError as exc:
        return "store_error"

outcome = {"first": write("a1")}
side_files = [p for p in folder.iterdir() if p.name != "assistant.sqlite3"]
if action == "truncate side files":
    for path in side_files:
        os.truncate(path, 0)
elif action == "make files and folder immutable":
    subprocess.run(["chattr", "+i", *map(str, folder.iterdir()), str(folder)], check=True)
elif action == "overwrite the database with garbage":
    (folder / "assistant.sqlite3").write_bytes(b"\x00garbage" * 4096)
outcome["second"] = write("a2")
health = store_health(store)
outcome["healthy"] = health.ok
outcome["problem"] = bool(health.problem)
if action == "make files and folder immutable":
    subprocess.run(["chattr", "-i", str(folder), *map(str, folder.iterdir())], check=True)
    outcome["healthy_after_repair"] = store_health(store, now=1e12).ok
    outcome["third"] = write("a3")
print(json.dumps(outcome))
"""


def chattr_works(tmp_path: Path) -> bool:
    """Whether this process may make files immutable (root on a file system that can)."""
    import subprocess

    probe = tmp_path / "chattr-probe"
    probe.touch()
    done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, check=False)
    subprocess.run(["chattr", "-i", str(probe)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        # The probe's case: with WAL the -shm is memory-mapped, and this was SIGBUS (135).
        ("truncate side files", {"first": "ok", "second": "ok", "healthy": True}),
        (
            "make files and folder immutable",
            {"first": "ok", "second": "store_error", "healthy": False, "problem": True,
             "healthy_after_repair": True, "third": "ok"},
        ),
        (
            "overwrite the database with garbage",
            {"first": "ok", "second": "store_error", "healthy": False, "problem": True},
        ),
    ],
)
def test_a_failing_disk_gives_store_errors_and_never_kills_the_process(
    tmp_path: Path, action: str, expected: dict[str, object]
) -> None:
    import subprocess
    import sys

    if action.startswith("make") and not chattr_works(tmp_path):
        pytest.skip("chattr +i needs root on a file system that supports it")
    folder = tmp_path / "data"
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", BREAK_CHILD, str(folder), action],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert {k: outcome[k] for k in expected} == expected
