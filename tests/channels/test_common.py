"""Tests for assistant.channels.common: the region a channel answers for, and recording."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.channels.common import covered_regions, record, resolve_region
from assistant.models import Answer
from assistant.store import get_answer, open_store


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
