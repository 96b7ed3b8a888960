"""Tests for assistant.store on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import assistant.store as store_module
from assistant.errors import InputError, NotFoundError, StoreError
from assistant.redaction import EMAIL_LABEL, PERSONNUMMER_LABEL, PHONE_LABEL
from assistant.store import (
    MAX_COMMENT_CHARS,
    SCHEMA_VERSION,
    Store,
    answer_exists,
    close_store,
    get_answer,
    get_conversation_region,
    list_feedback,
    open_store,
    purge,
    record_answer,
    record_feedback,
    schema_version,
    set_conversation_region,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CITATIONS = json.dumps([{"n": 1, "document_id": "varmland", "page": 10}])
# 811228-9874 is Skatteverket's published example personnummer.
RAW_PERSONAL = ("811228-9874", "8112289874", "anna.svensson@kommun.se", "070-123 45 67")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "nested" / "folder" / "assistant.sqlite3")


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


def file_bytes(store: Store) -> bytes:
    """The database file and any side files (journal, or WAL/SHM of old), as on disk."""
    parts = [store.path, *(Path(f"{store.path}-{s}") for s in ("journal", "wal", "shm"))]
    return b"".join(p.read_bytes() for p in parts if p.exists())


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


def test_reopening_keeps_data_and_version(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    add_answer(open_store(path), "a1")
    again = open_store(path)
    assert answer_exists(again, "a1")
    assert schema_version(again) == SCHEMA_VERSION


def test_existing_file_migrates_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite3"
    add_answer(open_store(path), "a1")
    extra = ("CREATE TABLE later_addition (x INTEGER)", "INSERT INTO later_addition VALUES (7)")
    monkeypatch.setattr(store_module, "_MIGRATIONS", (*store_module._MIGRATIONS, extra))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    migrated = open_store(path)
    assert schema_version(migrated) == SCHEMA_VERSION + 1
    assert answer_exists(migrated, "a1")
    open_store(path)  # a second open must not run the migration again (it would fail)
    assert schema_version(migrated) == SCHEMA_VERSION + 1


def test_newer_schema_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite3"
    open_store(path)
    # The file is at the current version; an older program knows one version less.
    monkeypatch.setattr(store_module, "_MIGRATIONS", store_module._MIGRATIONS[:-1])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION - 1)
    with pytest.raises(StoreError, match="schemaversion"):
        open_store(path)


def test_unusable_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a-db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_store(path)
    with pytest.raises(StoreError):
        open_store(tmp_path)  # a directory


def test_answer_round_trip(store: Store) -> None:
    add_answer(store, "a1", now=NOW)
    assert answer_exists(store, "a1")
    assert not answer_exists(store, "a2")
    record = get_answer(store, "a1")
    assert record.question == "Vem kallar till SIP?"
    assert (record.status, record.responsible, record.region) == ("answered", "kommun", "Värmland")
    assert json.loads(record.citations_json) == json.loads(CITATIONS)
    assert record.channel == "web"
    assert record.created_at == NOW


def test_repeated_answer_id_keeps_first_record(store: Store) -> None:
    add_answer(store, "a1", question="första")
    add_answer(store, "a1", question="andra")
    assert get_answer(store, "a1").question == "första"


def test_record_answer_rejects_bad_values(store: Store) -> None:
    with pytest.raises(InputError):
        add_answer(store, "")
    with pytest.raises(InputError):
        record_answer(
            store,
            answer_id="x",
            question="q",
            status="answered",
            responsible=None,
            region=None,
            citations_json="{not json",
            channel="web",
        )
    with pytest.raises(InputError):
        record_answer(
            store,
            answer_id="x",
            question="q",
            status="answered",
            responsible=None,
            region=None,
            citations_json="[]",
            channel="fax",  # type: ignore[arg-type]
        )
    assert not answer_exists(store, "x")


def test_feedback_round_trip(store: Store) -> None:
    add_answer(store, "a1")
    add_answer(store, "a2")
    up = record_feedback(store, answer_id="a1", rating="up", comment=None, channel="web", now=NOW)
    down = record_feedback(
        store,
        answer_id="a1",
        rating="down",
        comment="  Fel avsnitt  ",
        channel="teams",
        now=NOW + timedelta(seconds=1),
    )
    other = record_feedback(store, answer_id="a2", rating="up", comment="   ", channel="api")
    assert up.id != down.id
    assert (down.rating, down.comment, down.channel) == ("down", "Fel avsnitt", "teams")
    assert other.comment is None  # blank comments are not kept
    assert list_feedback(store, "a1") == [up, down]
    assert list_feedback(store, "a2") == [other]
    assert len(list_feedback(store)) == 3
    assert list_feedback(store, "okänt") == []


def test_feedback_on_unknown_answer_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError) as caught:
        record_feedback(store, answer_id="finns-inte", rating="up", comment=None, channel="web")
    assert caught.value.status == 404
    assert "Svaret finns inte" in caught.value.message
    assert list_feedback(store) == []


@pytest.mark.parametrize("rating", ["UP", "", "ok", "1"])
def test_bad_rating_is_input_error(store: Store, rating: str) -> None:
    add_answer(store, "a1")
    with pytest.raises(InputError):
        record_feedback(store, answer_id="a1", rating=rating, comment=None, channel="web")
    assert list_feedback(store) == []


def test_bad_channel_is_input_error(store: Store) -> None:
    add_answer(store, "a1")
    with pytest.raises(InputError):
        record_feedback(store, answer_id="a1", rating="up", comment=None, channel="sms")


def test_comment_is_redacted_and_capped(store: Store) -> None:
    add_answer(store, "a1")
    record = record_feedback(
        store,
        answer_id="a1",
        rating="down",
        comment="Gäller 811228-9874, ring 070-123 45 67 " + "x" * 5000,
        channel="web",
    )
    assert record.comment is not None
    assert record.comment.startswith(f"Gäller {PERSONNUMMER_LABEL}, ring {PHONE_LABEL} x")
    assert len(record.comment) == MAX_COMMENT_CHARS
    assert list_feedback(store, "a1")[0].comment == record.comment


def test_raw_personal_data_never_reaches_the_file(store: Store) -> None:
    question = (
        "Min klient 811228-9874 (pnr 8112289874, anna.svensson@kommun.se, 070-123 45 67) "
        "har LARO, vem ansvarar?"
    )
    add_answer(store, "a1", question=question)  # passed unredacted by mistake
    record_feedback(store, answer_id="a1", rating="down", comment=question, channel="teams")
    stored = get_answer(store, "a1").question
    assert PERSONNUMMER_LABEL in stored and EMAIL_LABEL in stored and PHONE_LABEL in stored
    on_disk = file_bytes(store)
    assert b"har LARO, vem ansvarar?" in on_disk  # the text itself is there…
    for raw in RAW_PERSONAL:
        assert raw.encode() not in on_disk  # …but none of the personal data


def test_conversation_region(store: Store) -> None:
    assert get_conversation_region(store, "conv-1") is None
    set_conversation_region(store, "conv-1", "Dalarna")
    set_conversation_region(store, "conv-2", "Värmland")
    assert get_conversation_region(store, "conv-1") == "Dalarna"
    set_conversation_region(store, "conv-1", "Västmanland")
    assert get_conversation_region(store, "conv-1") == "Västmanland"
    set_conversation_region(store, "conv-1", None)
    assert get_conversation_region(store, "conv-1") is None
    assert get_conversation_region(store, "conv-2") == "Värmland"
    with pytest.raises(InputError):
        set_conversation_region(store, "", "Dalarna")


def test_concurrent_feedback_from_threads(store: Store) -> None:
    for i in range(4):
        add_answer(store, f"a{i}")
    errors: list[BaseException] = []
    per_thread = 25

    def work(n: int) -> None:
        try:
            for j in range(per_thread):
                record_feedback(
                    store,
                    answer_id=f"a{(n + j) % 4}",
                    rating="up" if j % 2 else "down",
                    comment=f"tråd {n} nr {j}",
                    channel="api",
                )
                set_conversation_region(store, f"conv-{n}", f"region {j}")
                assert answer_exists(store, f"a{n % 4}")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    feedback = list_feedback(store)
    assert len(feedback) == 8 * per_thread
    assert len({f.id for f in feedback}) == 8 * per_thread
    assert {f.comment for f in feedback} == {
        f"tråd {n} nr {j}" for n in range(8) for j in range(per_thread)
    }
    assert all(get_conversation_region(store, f"conv-{n}") == "region 24" for n in range(8))


def test_one_connection_serves_every_call_of_a_process(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    connect = sqlite3.connect

    def counting(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)  # type: ignore[call-overload]
        opened.append(connection)
        return connection

    monkeypatch.setattr(store_module.sqlite3, "connect", counting)
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


def test_an_answer_is_committed_when_record_answer_returns(store: Store) -> None:
    add_answer(store, "nyss")
    # Another connection (another process, the CLI) sees it at once: nothing is buffered.
    other = sqlite3.connect(store.path)
    try:
        row = other.execute("SELECT status FROM answers WHERE answer_id = 'nyss'").fetchone()
    finally:
        other.close()
    assert row == ("answered",)


def test_close_store_closes_and_a_later_call_reopens(store: Store) -> None:
    add_answer(store, "före")
    journal = Path(f"{store.path}-journal")
    assert not journal.exists() or journal.stat().st_size == 0  # committed: nothing pending
    close_store(store)
    assert store.link.connection is None
    close_store(store)  # closing twice is harmless
    add_answer(store, "efter")
    assert answer_exists(store, "före") and answer_exists(store, "efter")


def test_a_broken_connection_is_replaced_on_the_next_call(store: Store) -> None:
    add_answer(store, "a")
    assert store.link.connection is not None
    store.link.connection.close()  # as if something had closed it under us
    with pytest.raises(StoreError):
        answer_exists(store, "a")
    assert answer_exists(store, "a")


def test_purge_with_fixed_now(store: Store) -> None:
    add_answer(store, "old", question="gammal zebrafråga", now=NOW - timedelta(days=100))
    add_answer(store, "edge", question="på gränsen", now=NOW - timedelta(days=90))
    add_answer(store, "new", question="ny fråga", now=NOW - timedelta(days=10))
    # Feedback given recently on an old answer still goes with its answer.
    record_feedback(
        store,
        answer_id="old",
        rating="up",
        comment="tack zebra",
        channel="web",
        now=NOW - timedelta(days=5),
    )
    record_feedback(
        store,
        answer_id="old",
        rating="down",
        comment=None,
        channel="web",
        now=NOW - timedelta(days=99),
    )
    kept = record_feedback(
        store,
        answer_id="new",
        rating="up",
        comment=None,
        channel="web",
        now=NOW - timedelta(days=9),
    )
    set_conversation_region(store, "stale", "Dalarna", now=NOW - timedelta(days=200))
    set_conversation_region(store, "fresh", "Värmland", now=NOW - timedelta(days=1))

    report = purge(store, 90, now=NOW)

    assert report.cutoff == NOW - timedelta(days=90)
    assert (report.answers, report.feedback, report.conversations) == (1, 2, 1)
    assert report.total == 4
    assert not answer_exists(store, "old")
    assert answer_exists(store, "edge")  # exactly at the cut-off: not older, kept
    assert answer_exists(store, "new")
    assert list_feedback(store) == [kept]
    assert get_conversation_region(store, "stale") is None
    assert get_conversation_region(store, "fresh") == "Värmland"
    # The purged text is gone from disk, not merely unlinked from the b-tree.
    assert b"zebra" not in file_bytes(store)
    with pytest.raises(NotFoundError):
        record_feedback(store, answer_id="old", rating="up", comment=None, channel="web")

    again = purge(store, 90, now=NOW)
    assert again.total == 0


def test_purge_zero_days_removes_everything_and_negative_is_refused(store: Store) -> None:
    add_answer(store, "a1", now=NOW - timedelta(seconds=1))
    record_feedback(
        store,
        answer_id="a1",
        rating="up",
        comment=None,
        channel="web",
        now=NOW - timedelta(seconds=1),
    )
    assert purge(store, 0, now=NOW).total == 2
    with pytest.raises(InputError):
        purge(store, -1, now=NOW)


def test_purge_without_now_uses_the_clock(store: Store) -> None:
    add_answer(store, "recent")
    assert purge(store, 1).total == 0
    assert answer_exists(store, "recent")


def test_naive_and_other_timezones_are_read_as_utc(store: Store) -> None:
    from datetime import timezone

    stockholm_summer = timezone(timedelta(hours=2))
    add_answer(store, "tz", now=datetime(2025, 6, 1, 14, 0, tzinfo=stockholm_summer))
    add_answer(store, "naive", now=datetime(2025, 6, 1, 12, 0))
    assert get_answer(store, "tz").created_at == NOW
    assert get_answer(store, "naive").created_at == NOW


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
