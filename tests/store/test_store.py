"""The store's one test suite, run against both backends: each test taking `store` or
`target` runs as `[sqlite]` (a real file) and `[postgres]` (the throwaway server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

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
    store_health,
)
from assistant.store import schema as schema_module
from assistant.store.schema import Migration
from tests.store.conftest import CITATIONS, NOW, add_answer, stored_bytes

# 811228-9874 is Skatteverket's published example personnummer.
RAW_PERSONAL = ("811228-9874", "8112289874", "anna.svensson@kommun.se", "070-123 45 67")
LATER = Migration(
    sqlite=("CREATE TABLE later_addition (x INTEGER)", "INSERT INTO later_addition VALUES (7)"),
    postgres=("CREATE TABLE later_addition (x INTEGER)", "INSERT INTO later_addition VALUES (7)"),
)


def test_both_backends_have_every_schema_version() -> None:
    assert SCHEMA_VERSION == len(schema_module.MIGRATIONS) >= 1
    for migration in schema_module.MIGRATIONS:
        assert migration.sqlite and migration.postgres
        assert len(migration.sqlite) == len(migration.postgres)  # the same steps, two dialects


def test_open_records_the_schema_version(store: Store) -> None:
    assert schema_version(store) == SCHEMA_VERSION
    assert store_health(store).ok


def test_reopening_keeps_data_and_version(target: Path | str) -> None:
    add_answer(open_store(target), "a1")
    again = open_store(target)
    assert answer_exists(again, "a1")
    assert schema_version(again) == SCHEMA_VERSION


def test_existing_store_migrates_forward(
    target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_answer(open_store(target), "a1")
    monkeypatch.setattr(schema_module, "MIGRATIONS", (*schema_module.MIGRATIONS, LATER))
    migrated = open_store(target)
    assert schema_version(migrated) == SCHEMA_VERSION + 1
    assert answer_exists(migrated, "a1")
    open_store(target)  # a second open must not run the migration again (it would fail)
    assert schema_version(migrated) == SCHEMA_VERSION + 1


def test_a_failing_migration_leaves_the_store_as_it_was(
    target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_answer(open_store(target), "a1")
    broken = Migration(
        sqlite=("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"),
        postgres=("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"),
    )
    monkeypatch.setattr(schema_module, "MIGRATIONS", (*schema_module.MIGRATIONS, broken))
    with pytest.raises(StoreError):
        open_store(target)
    # The first statement was rolled back with the second: the fixed migration applies.
    fixed = Migration(sqlite=broken.sqlite[:1], postgres=broken.postgres[:1])
    monkeypatch.setattr(schema_module, "MIGRATIONS", (*schema_module.MIGRATIONS[:-1], fixed))
    again = open_store(target)
    assert schema_version(again) == SCHEMA_VERSION + 1
    assert answer_exists(again, "a1")


def test_newer_schema_is_refused(target: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(target)
    # The store is at the current version; an older program knows one version less.
    monkeypatch.setattr(schema_module, "MIGRATIONS", schema_module.MIGRATIONS[:-1])
    with pytest.raises(StoreError, match="schemaversion"):
        open_store(target)


def test_answer_round_trip(store: Store) -> None:
    add_answer(store, "a1", now=NOW)
    assert answer_exists(store, "a1")
    assert not answer_exists(store, "a2")
    record = get_answer(store, "a1")
    assert record.question == "Vem kallar till SIP?"
    assert (record.status, record.responsible, record.region) == ("answered", "kommun", "Värmland")
    assert record.citations_json == CITATIONS  # read back exactly as written
    assert record.channel == "web"
    assert record.created_at == NOW and record.created_at.tzinfo == UTC


def test_unknown_answer_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="Svaret finns inte"):
        get_answer(store, "finns-inte")


def test_repeated_answer_id_keeps_first_record(store: Store) -> None:
    add_answer(store, "a1", question="första")
    add_answer(store, "a1", question="andra")
    assert get_answer(store, "a1").question == "första"


def test_record_answer_rejects_bad_values(store: Store) -> None:
    for bad_id in ("", " ", "x" * 201, "a\x00b"):
        with pytest.raises(InputError):
            add_answer(store, bad_id)
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


def test_nul_characters_are_dropped_from_stored_text(store: Store) -> None:
    add_answer(store, "a1", question="Vem\x00 kallar?")
    feedback = record_feedback(
        store, answer_id="a1", rating="down", comment="fel\x00 svar", channel="web"
    )
    assert get_answer(store, "a1").question == "Vem kallar?"
    assert feedback.comment == "fel svar" == list_feedback(store, "a1")[0].comment


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


def test_feedback_is_listed_by_time_then_id(store: Store) -> None:
    add_answer(store, "a1")
    late = record_feedback(
        store, answer_id="a1", rating="up", comment="sen", channel="web", now=NOW
    )
    early = record_feedback(
        store, answer_id="a1", rating="up", comment="tidig", channel="web",
        now=NOW - timedelta(hours=1),
    )
    same = record_feedback(
        store, answer_id="a1", rating="down", comment="samtidig", channel="web", now=NOW
    )
    assert [f.comment for f in list_feedback(store)] == ["tidig", "sen", "samtidig"]
    assert early.id > late.id and same.id > late.id


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


def test_bad_channel_and_comment_are_input_errors(store: Store) -> None:
    add_answer(store, "a1")
    with pytest.raises(InputError):
        record_feedback(store, answer_id="a1", rating="up", comment=None, channel="sms")
    with pytest.raises(InputError):
        record_feedback(
            store, answer_id="a1", rating="up", comment=42, channel="web"  # type: ignore[arg-type]
        )
    assert list_feedback(store) == []


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


def test_raw_personal_data_never_reaches_the_disk(
    store: Store, request: pytest.FixtureRequest
) -> None:
    question = (
        "Min klient 811228-9874 (pnr 8112289874, anna.svensson@kommun.se, 070-123 45 67) "
        "har LARO, vem ansvarar?"
    )
    add_answer(store, "a1", question=question)  # passed unredacted by mistake
    record_feedback(store, answer_id="a1", rating="down", comment=question, channel="teams")
    stored = get_answer(store, "a1").question
    assert PERSONNUMMER_LABEL in stored and EMAIL_LABEL in stored and PHONE_LABEL in stored
    on_disk = stored_bytes(store, request)
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
    set_conversation_region(store, "conv-1", None)  # forgetting twice is harmless
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


def test_close_store_closes_and_a_later_call_reopens(store: Store) -> None:
    add_answer(store, "före")
    close_store(store)
    assert store.link.connection is None
    close_store(store)  # closing twice is harmless
    add_answer(store, "efter")
    assert answer_exists(store, "före") and answer_exists(store, "efter")


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
    with pytest.raises(NotFoundError):
        record_feedback(store, answer_id="old", rating="up", comment=None, channel="web")

    again = purge(store, 90, now=NOW)
    assert again.total == 0


def test_purge_zero_days_removes_everything_and_bad_days_are_refused(store: Store) -> None:
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
    for bad in (-1, True, 1.5):
        with pytest.raises(InputError):
            purge(store, bad, now=NOW)  # type: ignore[arg-type]


def test_purge_without_now_uses_the_clock(store: Store) -> None:
    add_answer(store, "recent")
    add_answer(store, "old", now=datetime.now(UTC) - timedelta(days=2))
    assert purge(store, 1).total == 1
    assert answer_exists(store, "recent") and not answer_exists(store, "old")


def test_naive_and_other_timezones_are_read_as_utc(store: Store) -> None:
    stockholm_summer = timezone(timedelta(hours=2))
    add_answer(store, "tz", now=datetime(2025, 6, 1, 14, 0, tzinfo=stockholm_summer))
    add_answer(store, "naive", now=datetime(2025, 6, 1, 12, 0))
    add_answer(store, "micro", now=NOW + timedelta(microseconds=123456))
    assert get_answer(store, "tz").created_at == NOW
    assert get_answer(store, "naive").created_at == NOW
    assert get_answer(store, "micro").created_at == NOW + timedelta(microseconds=123456)
    # A purge compares moments to the microsecond, in UTC whatever zone it is given.
    cutoff = datetime(2025, 6, 1, 14, 0, 0, 100000, tzinfo=stockholm_summer)
    assert purge(store, 0, now=cutoff).answers == 2
    assert answer_exists(store, "micro")
