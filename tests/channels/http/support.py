"""What the HTTP tests share besides fixtures: a tiny Swedish corpus, the contract's keys,
the bad-input table, and checks of the error shape and of event streams."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings, load_settings, project_root
from assistant.store import AnswerRecord, get_answer, open_store

QUESTION = "Vem ansvarar för abstinensvård i Värmland?"
ANSWER_KEYS = {
    "answer_id", "status", "answer", "responsible", "region", "citations", "warnings",
    "responsibilities", "regions",
}
CITATION_KEYS = {
    "n", "document_id", "title", "short_title", "region", "section", "page", "text", "quote",
    "score", "url",
}
JSON_HEADERS = {"content-type": "application/json"}

TEXTS = {
    "varmland-test": (
        "1. Inledning\n\nDenna överenskommelse gäller samverkan mellan Region Värmland och "
        "kommunerna i Värmlands län kring personer med skadligt bruk och beroende.\n\n"
        "2. Ansvar\n\nRegionen ansvarar för abstinensvård och avgiftning. Regionen ansvarar "
        "också för läkemedelsassisterad behandling vid opioidberoende.\n\n"
        "Kommunen ansvarar för boendestöd och sysselsättning. Kommunen ordnar bostad med "
        "särskild service enligt socialtjänstlagen. Avgiften är under 500 kr & <ingen> moms.\n\n"
        "\fRegionen ansvarar för:\n• psykiatrisk öppenvård\n• psykiatrisk slutenvård\n"
        "• läkemedel vid beroende\n\n"
        "3. Samordnad individuell plan\n\nDen som först uppmärksammar behovet kallar till SIP. "
        "Planen ska upprättas tillsammans med den enskilde.\n"
    ),
    "dalarna-test": (
        "1. Syfte\n\nÖverenskommelsen ska tydliggöra ansvaret mellan Region Dalarna och "
        "kommunerna för personer med missbruk.\n\n"
        "2. Ansvar\n\nKommunen ansvarar för boende och boendestöd. Regionen ansvarar för "
        "abstinensvård på sjukhus.\n"
    ),
    "vastmanland-test": (
        "1. Bakgrund\n\nDetta är ett förslag till överenskommelse i Västmanland.\n\n"
        "2. Ansvar\n\nRegionen ansvarar för psykiatrisk vård. Kommunen ansvarar för "
        "stöd i boendet.\n"
    ),
    "skr-test": (
        "Inledning\n\nVägledningen beskriver hur kommuner och regioner skriver "
        "överenskommelser om samverkan.\n\n"
        "Ansvarsfördelning\n\nÖverenskommelsen ska ange vem som ansvarar för abstinensvård, "
        "tillnyktring och behandling.\n"
    ),
}
SOURCE_URL = "https://www.regionvarmland.se/samverkan/avtal.pdf?v=2&sida=1"
SHORT_TITLE = "Värmland – beroende (test)"  # the one entry with a short title of its own
EXTENSION = "Förlängs automatiskt med 12 månader om en revidering har påbörjats."
CATALOG = {
    # id: (region, valid_from, valid_to, extension, draft, kind)
    "varmland-test": ("Värmland", None, "2099-12-31", None, False, "överenskommelse"),
    "dalarna-test": ("Dalarna", "2020-01-01", "2021-06-30", EXTENSION, False, "överenskommelse"),
    "vastmanland-test": ("Västmanland", None, None, None, True, "överenskommelse"),
    "skr-test": (None, None, None, None, False, "vägledning"),
}
EXPECTED_VALIDITY = {
    "varmland-test": "gällande",
    "dalarna-test": "utgången",
    "vastmanland-test": "förslag",
    "skr-test": "tills vidare",
}


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for doc_id, text in TEXTS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        region, valid_from, valid_to, extension, draft, kind = CATALOG[doc_id]
        entries.append(
            {
                "id": doc_id,
                "title": f"Överenskommelse för test ({doc_id})",
                "region": region,
                "parties": ["Regionen", "Kommunerna"],
                "target_groups": ["missbruk och beroende"],
                "age_scope": "vuxna",
                "kind": kind,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "extension": extension,
                "draft": draft,
                "source": f"{doc_id}.txt",
                "identity": "Dnr TEST-1" if doc_id == "dalarna-test" else None,
                **({"source_url": SOURCE_URL, "short_title": SHORT_TITLE}
                   if doc_id == "varmland-test" else {}),
            }
        )
    body = json.dumps({"documents": entries}, ensure_ascii=False)
    (folder / "catalog.json").write_text(body, encoding="utf-8")


def corpus_settings(root: Path, **changes: Any) -> Settings:
    """Settings for the tiny corpus written under `root` (corpus/, index/, data/ in it)."""
    write_corpus(root / "corpus")
    return load_settings(
        {},
        **{
            "corpus_dir": root / "corpus",
            "index_dir": root / "index",
            "data_dir": root / "data",
            "chunk_size": 200,
            "chunk_overlap": 60,
            # The decline threshold is calibrated for the real model, not the fake embedder.
            "min_support": 0.0,
            **changes,
        },
    )


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream body; data is parsed JSON."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: ") :])
        assert name is not None and data is not None, block
        events.append((name, data))
    return events


def assert_error(response: Any, status: int, code: str, fragment: str = "") -> str:
    """The response is the one error shape with this status and code; returns the message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert isinstance(message, str) and message.strip()
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert fragment.casefold() in message.casefold(), message
    return message


def _long_ids() -> list[str]:
    return [f"dokument-{i}" for i in range(51)]


BAD_ASK: list[tuple[str, Any, int, str, str]] = [
    # (case, body: bytes sent as-is or JSON value, status, code, fragment of the message)
    ("malformed-json", b'{"question": ', 400, "invalid_json", "JSON"),
    ("unterminated-string", b'{"question": "Vem ansvarar', 400, "invalid_json", "JSON"),
    ("trailing-comma", b'{"question": "Vem?",}', 400, "invalid_json", "JSON"),
    ("not-utf8", b'{"question": "\xff\xfe"}', 400, "invalid_json", "JSON"),
    ("empty-body", b"", 422, "invalid_input", "JSON-kropp"),
    ("array-body", [QUESTION], 422, "invalid_input", "JSON-objekt"),
    ("string-body", QUESTION, 422, "invalid_input", "JSON-objekt"),
    ("null-body", None, 422, "invalid_input", ""),
    ("missing-question", {"region": "Värmland"}, 422, "invalid_input", "'question' saknas"),
    ("null-question", {"question": None}, 422, "invalid_input", "'question'"),
    ("number-question", {"question": 42}, 422, "invalid_input", "'question' måste vara text"),
    ("list-question", {"question": ["Vem?"]}, 422, "invalid_input", "'question'"),
    ("blank-question", {"question": " \n\t "}, 422, "invalid_input", "tom"),
    ("long-question", {"question": "a" * 1001}, 422, "invalid_input", "för lång"),
    ("no-words", {"question": "?!? 123"}, 422, "invalid_input", "bokstäver"),
    ("lone-surrogate", b'{"question": "Vem ansvarar \\ud800?"}', 422, "invalid_input",
     "ogiltiga tecken"),
    ("top-k-zero", {"question": QUESTION, "top_k": 0}, 422, "invalid_input", "'top_k'"),
    ("top-k-negative", {"question": QUESTION, "top_k": -3}, 422, "invalid_input", "minst 1"),
    ("top-k-too-big", {"question": QUESTION, "top_k": 21}, 422, "invalid_input", "högst 20"),
    ("top-k-string", {"question": QUESTION, "top_k": "5"}, 422, "invalid_input", "heltal"),
    ("top-k-bool", {"question": QUESTION, "top_k": True}, 422, "invalid_input", "heltal"),
    ("top-k-float", {"question": QUESTION, "top_k": 2.5}, 422, "invalid_input", "heltal"),
    ("top-k-huge", {"question": QUESTION, "top_k": 10**30}, 422, "invalid_input", "'top_k'"),
    ("region-unknown", {"question": QUESTION, "region": "Atlantis"}, 422, "invalid_input",
     "Okänd region"),
    ("region-number", {"question": QUESTION, "region": 12}, 422, "invalid_input",
     "'region' måste vara text"),
    ("region-too-long", {"question": QUESTION, "region": "V" * 101}, 422, "invalid_input",
     "'region'"),
    ("document-unknown", {"question": QUESTION, "document_ids": ["finns-inte"]}, 422,
     "invalid_input", "finns-inte"),
    ("document-ids-string", {"question": QUESTION, "document_ids": "skr-test"}, 422,
     "invalid_input", "'document_ids' måste vara en lista"),
    ("document-id-number", {"question": QUESTION, "document_ids": [5]}, 422, "invalid_input",
     "document_ids[0]"),
    ("document-ids-too-many", {"question": QUESTION, "document_ids": _long_ids()}, 422,
     "invalid_input", "högst 50"),
]


def index_dir() -> Path:
    """The built index to serve: ASSISTANT_INDEX_DIR, else the project's index/."""
    folder = Path(os.environ.get("ASSISTANT_INDEX_DIR") or project_root() / "index")
    if not (folder / "manifest.json").is_file():
        pytest.fail(f"Inget byggt index i {folder}: kör `assistant index` först.")
    return folder


def stored_answer(client: Any, settings: Settings, answer_id: str) -> AnswerRecord:
    """The stored answer with this id, once the app's writer has stored what it was given
    (answers are stored after their response)."""
    assert client.app.state.service.writer.flush(), "the answer writer did not catch up"
    return get_answer(open_store(settings.store_path), answer_id)
