"""Personal data through the real app: never in the log output, never in the database.

Questions and comments carrying personnummer, samordningsnummer, e-mail addresses and phone
numbers in every common format go through /v1/ask, /v1/ask/stream and feedback; then the
JSON log output (debug level) and every byte of the SQLite files are searched. Digit strings
that only look like numbers (law references, invalid checksums) must survive unchanged.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.channels.http import create_app
from assistant.pipeline import Engine
from assistant.settings import Settings
from assistant.store import get_answer, list_feedback, open_store

# (what it is, as written in a question, what it becomes)
PERSONAL = [
    ("personnummer, 10 siffror med bindestreck", "811218-9876", "[personnummer]"),
    ("personnummer, 10 siffror utan skiljetecken", "8112189876", "[personnummer]"),
    ("personnummer, 12 siffror med bindestreck", "19811218-9876", "[personnummer]"),
    ("personnummer, 12 siffror utan skiljetecken", "198112189876", "[personnummer]"),
    ("personnummer, över 100 år (plus)", "121212+1212", "[personnummer]"),
    ("personnummer, 2000-tal", "20121212-1212", "[personnummer]"),
    ("samordningsnummer, 10 siffror", "701063-2391", "[personnummer]"),
    ("samordningsnummer, 12 siffror", "197010632391", "[personnummer]"),
    ("samordningsnummer utan skiljetecken", "7010632391", "[personnummer]"),
    ("e-post", "anna.svensson@karlstad.se", "[e-post]"),
    ("e-post med plus och bindestreck", "lars+soc@region-varmland.se", "[e-post]"),
    ("mobil med mellanslag", "070-123 45 67", "[telefon]"),
    ("mobil i ett", "0701234567", "[telefon]"),
    ("mobil internationellt", "+46 70 123 45 67", "[telefon]"),
    ("mobil 0046", "0046701234567", "[telefon]"),
    ("växel med riktnummer", "054-540 10 00", "[telefon]"),
    ("Stockholm", "08-123 456 78", "[telefon]"),
]
# Look like numbers, are not personal data: kept as they are.
NOT_PERSONAL = ["paragraf 2017:30", "SFS 2001:453", "8112189875", "1234567890", "2024-06-30"]
MARKER = "Ekorrhjulsfrågan"  # a word that exists only in the questions


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def database_bytes(store_path: Path) -> bytes:
    """The SQLite file and its journal files, as stored on disk."""
    files = [store_path, *store_path.parent.glob(store_path.name + "-*")]
    return b"".join(p.read_bytes() for p in files if p.is_file())


def test_personal_data_never_reaches_the_logs_or_the_database(
    built: tuple[Settings, Engine], settings: Settings, json_log: io.StringIO
) -> None:
    asked: list[tuple[str, str]] = []  # (answer id, what was in the question)
    with TestClient(create_app(settings, engine=built[1])) as client:
        for i, (kind, value, _) in enumerate(PERSONAL):
            question = f"{MARKER} {i}: vem ansvarar för abstinensvård för {value} ({kind})?"
            path = "/v1/ask/stream" if i % 3 == 0 else "/v1/ask"
            response = client.post(path, json={"question": question},
                                   headers={"X-Assistant-Channel": "web" if i % 2 else "api"})
            assert response.status_code == 200, response.text
            if path == "/v1/ask":
                answer_id = response.json()["answer_id"]
            else:
                done = response.text.rsplit("event: done\ndata: ", 1)[1]
                answer_id = json.loads(done.split("\n", 1)[0])["answer_id"]
            comment = f"Ring {value} om svaret är fel"
            feedback = client.post(
                f"/v1/answers/{answer_id}/feedback", json={"rating": "down", "comment": comment}
            )
            assert feedback.status_code == 201
            # Personal data in a path segment of a refused request, too.
            client.post(f"/v1/answers/{value}/feedback", json={"rating": "up"})
            asked.append((answer_id, value))
        kept = f"{MARKER}: gäller {', '.join(NOT_PERSONAL)} fortfarande?"
        kept_id = client.post("/v1/ask", json={"question": kept}).json()["answer_id"]

    log = json_log.getvalue()
    assert log, "no log output captured"
    for line in log.splitlines():
        json.loads(line)
    stored = database_bytes(settings.store_path)
    store = open_store(settings.store_path)
    for answer_id, value in asked:
        for form in {value, digits(value)} - {""}:
            assert form not in log, f"{value!r} in the log"
            assert form.encode() not in stored, f"{value!r} in the database"
        record = get_answer(store, answer_id)
        assert "[" in record.question and MARKER in record.question
        (feedback,) = list_feedback(store, answer_id)
        assert feedback.comment is not None and feedback.comment.startswith("Ring [")
    # No question text in the logs at all, not even redacted.
    assert MARKER not in log
    assert get_answer(store, kept_id).question == kept


@pytest.mark.parametrize(("kind", "value", "label"), PERSONAL, ids=[k for k, _, _ in PERSONAL])
def test_every_format_is_redacted_in_the_stored_question(
    built: tuple[Settings, Engine],
    settings: Settings,
    kind: str,
    value: str,
    label: str,
) -> None:
    with TestClient(create_app(settings, engine=built[1])) as client:
        body = client.post("/v1/ask", json={"question": f"Gäller det {value}?"}).json()
    question = get_answer(open_store(settings.store_path), body["answer_id"]).question
    assert question == f"Gäller det {label}?", kind
