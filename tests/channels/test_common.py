"""Tests for assistant.channels.common: the region a channel answers for, and storing
answers (at once, or after the response by the writer)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from assistant.channels import common
from assistant.channels.common import AnswerWriter, covered_regions, record, resolve_region
from assistant.models import Answer
from assistant.store import answer_exists, get_answer, open_store


@pytest.mark.parametrize(
    ("question", "remembered", "region"),
    [
        ("Vem ansvarar för LARO?", "Dalarna", "Dalarna"),
        ("Vem ansvarar för LARO?", None, None),
        # A place the question names itself decides: a region, a municipality of another
        # region, one of the remembered region, or one without an agreement.
        ("Vem ansvarar för LARO i Värmland?", "Dalarna", None),
        ("Vem ansvarar för LARO i Karlstad?", "Dalarna", None),
        ("Vem ansvarar för LARO i Falun?", "Dalarna", None),
        ("Vem ansvarar för LARO i Malmö?", "Dalarna", None),
        # Everyday words that are also municipality names are no place ("vara", "mark").
        ("Vad ska vara med i planen?", "Dalarna", "Dalarna"),
    ],
)
def test_a_place_in_the_question_beats_the_remembered_region(
    question: str, remembered: str | None, region: str | None
) -> None:
    assert resolve_region(question, remembered) == region


def test_covered_regions_without_an_engine_are_none() -> None:
    assert covered_regions(None) == ()


def test_record_stores_the_redacted_question_and_reports_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(tmp_path / "store.sqlite3")
    answer = Answer(
        id="a-1", question="?", status="answered", text="Regionen [1].", responsible="region",
        region="Värmland", citations=(), warnings=(),
    )
    assert record(store, "Ring mig på 070-123 45 67", answer, "teams", answer_id="teams-1")
    stored = get_answer(store, "teams-1")
    assert stored.channel == "teams" and "070-123 45 67" not in stored.question
    with caplog.at_level(logging.WARNING):
        assert not record(None, "Vem?", answer, "api")
    assert any("lagras inte" in r.getMessage() for r in caplog.records)


def _answer(answer_id: str) -> Answer:
    return Answer(
        id=answer_id, question="?", status="answered", text="Regionen [1].",
        responsible="region", region="Värmland", citations=(), warnings=(),
    )


def test_the_writer_stores_after_the_call_returns_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "store.sqlite3")
    go = threading.Event()
    real = common.record

    def slow(*args: object, **kwargs: object) -> bool:
        go.wait(5)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(common, "record", slow)
    writer = AnswerWriter(store)
    for i in range(3):
        writer.submit("Ring 070-123 45 67", _answer(f"a-{i}"), "api")  # returns at once
    assert not answer_exists(store, "a-0")
    waited = threading.Thread(target=writer.wait_for, args=("a-2",))
    waited.start()
    waited.join(0.2)
    assert waited.is_alive()  # feedback on a-2 waits for it
    go.set()
    waited.join(5)
    assert not waited.is_alive() and answer_exists(store, "a-2")
    assert writer.flush()
    assert [get_answer(store, f"a-{i}").answer_id for i in range(3)] == ["a-0", "a-1", "a-2"]
    assert "070-123 45 67" not in get_answer(store, "a-0").question
    writer.wait_for("never-given")  # returns at once


def test_closing_the_writer_stores_what_waits_and_later_answers_at_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store.sqlite3")
    writer = AnswerWriter(store)
    for i in range(20):
        writer.submit("Vem?", _answer(f"b-{i}"), "web")
    writer.close()
    assert all(answer_exists(store, f"b-{i}") for i in range(20))
    writer.submit("Vem?", _answer("after"), "web")  # no thread any more: stored now
    assert answer_exists(store, "after")


def test_a_full_queue_stores_before_returning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "MAX_WAITING", 0)
    store = open_store(tmp_path / "store.sqlite3")
    AnswerWriter(store).submit("Vem?", _answer("c-1"), "api")
    assert answer_exists(store, "c-1")
