"""Feedback on an answer that is on its way into the store (written after its response,
perhaps by another replica) is stored once the answer is; an unknown id is still a 404."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from assistant.channels.common import record
from assistant.channels.http.service import create_service, feedback_on
from assistant.errors import NotFoundError
from assistant.models import Answer
from assistant.settings import load_settings
from assistant.store import list_feedback, open_store

GIVEN = "0123456789abcdef0123456789abcdef"


def _answer(answer_id: str) -> Answer:
    return Answer(
        id=answer_id, question="?", status="answered", text="Regionen [1].",
        responsible="region", region="Dalarna", citations=(), warnings=(),
    )


def test_feedback_waits_for_an_answer_another_replica_is_storing(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path / "data")
    service = create_service(settings)
    other = open_store(settings.store_path)  # another replica's store on the same database
    late = threading.Timer(0.3, record, (other, "Vem?", _answer(GIVEN), "web"))
    late.start()
    saved = feedback_on(service, answer_id=GIVEN, rating="up", comment=None, channel="web")
    late.join()
    assert saved.answer_id == GIVEN and [f.rating for f in list_feedback(other, GIVEN)] == ["up"]


def test_feedback_on_this_replicas_waiting_answer_needs_no_grace(tmp_path: Path) -> None:
    service = create_service(load_settings({}, data_dir=tmp_path / "data"))
    service.writer.submit("Vem?", _answer(GIVEN), "api")
    saved = feedback_on(service, answer_id=GIVEN, rating="down", comment="Fel", channel="api")
    assert saved.rating == "down"
    service.writer.close()


def test_unknown_ids_are_not_found(tmp_path: Path) -> None:
    service = create_service(load_settings({}, data_dir=tmp_path / "data"))
    started = time.monotonic()
    with pytest.raises(NotFoundError):
        feedback_on(service, answer_id="inte-ett-svar", rating="up", comment=None, channel="api")
    assert time.monotonic() - started < 0.5  # not of the form answers are given: no grace
    with pytest.raises(NotFoundError):
        feedback_on(service, answer_id="f" * 32, rating="up", comment=None, channel="api")
