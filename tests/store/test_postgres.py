"""PostgreSQL-only store tests, on the throwaway server: several replicas sharing one
database, migrations when replicas start together, the server going away and coming back,
and the URL's password kept out of every message. The behaviour both backends share is in
test_store.py."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

import assistant.store.postgres as postgres_module
from assistant.channels.common import record
from assistant.errors import StoreError
from assistant.models import Answer
from assistant.settings import load_settings
from assistant.store import (
    RECHECK_SECONDS,
    SCHEMA_VERSION,
    answer_exists,
    close_store,
    get_answer,
    get_conversation_region,
    list_feedback,
    open_store,
    purge,
    record_feedback,
    schema_version,
    set_conversation_region,
    store_health,
)
from assistant.store import schema as schema_module
from assistant.store.postgres import PostgresStore, open_postgres
from assistant.store.schema import Migration
from tests.postgres import Cluster
from tests.store.conftest import NOW, add_answer

PASSWORD = "hemligt-lösen-7"


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one database, as two replicas behind a load balancer hold them."""
    first, second = open_postgres(postgres_url), open_postgres(postgres_url)
    yield first, second
    close_store(first)
    close_store(second)


def answer(answer_id: str) -> Answer:
    return Answer(
        id=answer_id, question="Vem kallar till SIP?", status="answered", text="Kommunen.",
        responsible="kommun", region="Värmland", citations=(),
    )


def test_replicas_see_each_others_answers_feedback_and_conversations(
    replicas: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = replicas
    add_answer(first, "från-första", now=NOW)
    add_answer(second, "från-andra", now=NOW)
    # Feedback reaches the answer whichever replica the balancer picks: no session affinity.
    on_second = record_feedback(
        second, answer_id="från-första", rating="up", comment="bra", channel="web"
    )
    on_first = record_feedback(
        first, answer_id="från-andra", rating="down", comment=None, channel="api"
    )
    assert on_first.id != on_second.id  # one sequence for all replicas
    assert list_feedback(first) == list_feedback(second) == [on_second, on_first]
    assert get_answer(second, "från-första") == get_answer(first, "från-första")
    set_conversation_region(first, "teams-konversation", "Dalarna")
    assert get_conversation_region(second, "teams-konversation") == "Dalarna"
    set_conversation_region(second, "teams-konversation", None)
    assert get_conversation_region(first, "teams-konversation") is None
    # Retention run in one place holds for all.
    assert purge(first, 0, now=datetime.now(UTC) + timedelta(seconds=1)).answers == 2
    assert not answer_exists(second, "från-första") and list_feedback(second) == []


def test_replicas_starting_together_migrate_once(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A statement that fails when run twice: only one replica may run each migration.
    later = Migration(
        sqlite=("CREATE TABLE later_addition (x INTEGER)",),
        postgres=("CREATE TABLE later_addition (x INTEGER)", "SELECT pg_sleep(0.2)"),
    )
    monkeypatch.setattr(schema_module, "MIGRATIONS", (*schema_module.MIGRATIONS, later))
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def replica() -> None:
        start.wait()
        try:
            opened.append(open_postgres(postgres_url))
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [schema_version(s) for s in opened] == [SCHEMA_VERSION + 1] * 6
    with psycopg.connect(postgres_url) as connection:
        rows = connection.execute("SELECT version FROM schema_version").fetchall()
    assert rows == [(SCHEMA_VERSION + 1,)]
    for s in opened:
        close_store(s)


def test_one_connection_per_process_in_utc_with_time_limits(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_postgres(postgres_url)
    opened: list[object] = []
    connect = psycopg.connect

    def counting(*args: object, **kwargs: object) -> object:
        opened.append(args)
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(postgres_module.psycopg, "connect", counting)
    for i in range(20):
        add_answer(store, f"a{i}")
        record_feedback(store, answer_id=f"a{i}", rating="up", comment=None, channel="api")
        assert answer_exists(store, f"a{i}")
    assert opened == []  # the connection open_store made serves every call
    connection = store.link.connection
    assert connection is not None
    settings = {
        name: connection.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
        for name in ("TimeZone", "statement_timeout", "application_name")
    }
    assert settings == {"TimeZone": "UTC", "statement_timeout": "15s",
                        "application_name": "assistant"}
    close_store(store)


def test_the_url_overrides_the_connection_defaults(postgres_cluster: Cluster) -> None:
    url = postgres_cluster.new_database() + "&options=-c%20statement_timeout%3D5s"
    store = open_postgres(url)
    connection = store.link.connection
    assert connection is not None
    assert connection.execute("SHOW statement_timeout").fetchone() == ("5s",)
    assert "connect_timeout=3" in store.conninfo  # a default the URL did not set
    close_store(store)


def test_a_connection_closed_under_us_is_replaced_without_a_failed_call(
    postgres_url: str,
) -> None:
    store = open_postgres(postgres_url)
    add_answer(store, "a")
    assert store.link.connection is not None
    store.link.connection.close()
    assert answer_exists(store, "a")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        # As a DBA (or a failover) would: end every other session on the database.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    time.sleep(0.2)  # the terminated session's message reaches its socket
    add_answer(store, "b")  # noticed before use: a new connection, no error
    assert answer_exists(store, "b") and store_health(store).ok
    close_store(store)


def test_a_server_restart_costs_no_failed_call(
    postgres_url: str, stoppable_postgres: Cluster
) -> None:
    store = open_postgres(postgres_url)
    add_answer(store, "före")
    stoppable_postgres.restart()
    assert answer_exists(store, "före")
    add_answer(store, "efter")
    assert answer_exists(store, "efter") and store_health(store).ok
    close_store(store)


def test_server_down_gives_store_errors_answers_go_on_and_health_recovers(
    postgres_url: str,
    stoppable_postgres: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(postgres_module, "RETRY_SECONDS", 0.5)
    store = open_postgres(postgres_url)
    add_answer(store, "före")
    stoppable_postgres.stop()
    with caplog.at_level(logging.INFO, logger="assistant.store"):
        with pytest.raises(StoreError) as caught:
            add_answer(store, "under")
        assert caught.value.status == 503
        assert "går inte att använda" in caught.value.message
        # The channels store through `record`, which logs and goes on: the answer is served.
        assert record(store, "Vem kallar till SIP?", answer("x"), "api") is False
        health = store_health(store, recheck=False)
        assert not health.ok and "OperationalError" in health.problem

        attempts: list[object] = []

        def connect(*args: object, **kwargs: object) -> None:
            attempts.append(args)
            raise AssertionError("no attempt to connect expected")

        with monkeypatch.context() as patched:
            patched.setattr(postgres_module.psycopg, "connect", connect)
            with pytest.raises(StoreError):
                answer_exists(store, "före")  # fails at once: no new attempt to connect…
        assert attempts == []

        stoppable_postgres.start()
        time.sleep(0.6)  # …until RETRY_SECONDS have passed
        assert not store_health(store, recheck=False).ok  # nothing tried yet
        assert store_health(store, now=time.monotonic() + RECHECK_SECONDS).ok
    messages = [r.getMessage() for r in caplog.records if r.name == "assistant.store"]
    assert sum("går inte att använda" in m for m in messages) == 1  # once per spell
    assert any("fungerar igen" in m for m in messages)
    add_answer(store, "efter")
    assert answer_exists(store, "före") and answer_exists(store, "efter")
    close_store(store)


def test_a_read_only_database_is_unhealthy_until_writable(postgres_url: str) -> None:
    def read_only(on: bool) -> None:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SET default_transaction_read_only = off")
            name = admin.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            setting = "SET default_transaction_read_only = on" if on else "RESET ALL"
            admin.execute(f'ALTER DATABASE "{name}" {setting}')  # for new sessions

    store = open_postgres(postgres_url)
    add_answer(store, "a")
    read_only(True)  # as a standby that took over would be: reads work, writes do not
    close_store(store)
    assert answer_exists(store, "a")
    with pytest.raises(StoreError):
        add_answer(store, "b")
    assert not store_health(store, recheck=False).ok
    assert not store_health(store, now=time.monotonic() + RECHECK_SECONDS).ok  # probe: a write
    read_only(False)
    close_store(store)
    assert store_health(store, now=time.monotonic() + 2 * RECHECK_SECONDS).ok
    add_answer(store, "b")
    close_store(store)


def test_the_password_never_appears_in_messages_logs_or_reprs(
    postgres_cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    socket = postgres_cluster.socket_dir
    with caplog.at_level(logging.INFO), pytest.raises(StoreError) as missing:
        open_store(f"postgresql://postgres:{PASSWORD}@/finns_inte?host={socket}")
    with caplog.at_level(logging.INFO), pytest.raises(StoreError) as unreachable:
        open_store(f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/db?connect_timeout=2")
    with caplog.at_level(logging.INFO), pytest.raises(StoreError) as bad:
        open_store(f"postgresql://postgres:{PASSWORD}@/db?host=/x&inget_sådant={PASSWORD}")
    # Each says which store and why, naming the server but not the password.
    assert missing.value.message.startswith(
        f"Lagringen postgresql://postgres@/finns_inte?host={socket} kan inte användas:"
    )
    assert '"finns_inte" does not exist' in missing.value.message
    assert "postgresql://postgres@127.0.0.1:1/db" in unreachable.value.message
    assert "Connection refused" in unreachable.value.message
    assert "ASSISTANT_STORE_URL" in bad.value.message
    assert caplog.records
    shown = [
        missing.value.message, unreachable.value.message, bad.value.message,
        *(r.getMessage() for r in caplog.records),
    ]
    assert all(PASSWORD not in text for text in shown), shown
    # Nor in a traceback: psycopg's exception (whose text may quote its input) is not chained.
    for caught in (missing, unreachable, bad):
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
    url = postgres_cluster.new_database().replace("postgres@", f"postgres:{PASSWORD}@")
    store = open_store(url)
    assert PASSWORD not in repr(store) and PASSWORD not in store.where
    settings = load_settings({"ASSISTANT_STORE_URL": url})
    assert settings.store_location == url and PASSWORD not in repr(settings)
    close_store(store)


def test_purge_command_purges_the_shared_store(postgres_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.channels.cli import app

    store = open_store(postgres_url)
    add_answer(store, "old", now=datetime.now(UTC) - timedelta(days=40))
    add_answer(store, "new", now=datetime.now(UTC) - timedelta(days=20))
    env = {"ASSISTANT_STORE_URL": postgres_url, "ASSISTANT_DATA_DIR": str(tmp_path / "tom"),
           "ASSISTANT_RETENTION_DAYS": "30"}
    done = CliRunner().invoke(app, ["purge"], env=env)
    assert done.exit_code == 0, done.output
    assert "Raderade 1 rader äldre än 30 dagar" in done.output
    assert not answer_exists(store, "old") and answer_exists(store, "new")
    assert not (tmp_path / "tom").exists()  # no SQLite file made on the side
    close_store(store)


def test_a_store_url_that_is_not_postgres_is_refused_without_quoting_it() -> None:
    from assistant.errors import SettingsError

    with pytest.raises(SettingsError) as caught:
        load_settings({"ASSISTANT_STORE_URL": f"mysql://u:{PASSWORD}@h/db"})
    assert "ASSISTANT_STORE_URL" in caught.value.message
    assert PASSWORD not in caught.value.message
