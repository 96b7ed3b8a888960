"""HTTP API v1 through TestClient: every route, the error shape and the bad-input table.

The engine is built from a tiny Swedish corpus with the fake embedder, so these tests are
fast; `test_api_server.py` runs the real index and model behind a real uvicorn server.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant.answer.validity import validity_of
from assistant.channels.common import covered_regions
from assistant.channels.http import create_app
from assistant.channels.http import service as api_service
from assistant.channels.http.error_handlers import field_name, validation_message
from assistant.channels.http.pages import find_quote, render_text, stitch
from assistant.channels.http.streaming import word_groups
from assistant.models import Chunk, DocumentMeta
from assistant.pipeline import Engine
from assistant.settings import Settings, load_settings
from assistant.store import get_answer, list_feedback, open_store
from tests.channels.http.support import (
    ANSWER_KEYS,
    BAD_ASK,
    CITATION_KEYS,
    EXPECTED_VALIDITY,
    EXTENSION,
    JSON_HEADERS,
    QUESTION,
    SHORT_TITLE,
    SOURCE_URL,
    TEXTS,
    assert_error,
    parse_sse,
    stored_answer,
)

# ── /v1/ask ───────────────────────────────────────────────────────────────────────────


def test_ask_answers_in_the_contract_shape(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_KEYS
    assert body["status"] == "answered"
    assert body["region"] == "Värmland"
    assert body["responsible"] == "region"
    assert "abstinensvård" in body["answer"]
    assert 1 <= len(body["citations"]) <= 5
    for n, citation in enumerate(body["citations"], start=1):
        assert set(citation) == CITATION_KEYS
        assert citation["n"] == n
        # A region in the question restricts the answer to it and national guidance.
        assert citation["region"] in ("Värmland", None)
        # The catalog's own short title, or (the guidance has none) the derived one.
        assert citation["short_title"] == (
            SHORT_TITLE if citation["region"] else "Nationell vägledning – missbruk och beroende"
        )
        assert citation["url"].startswith(f"/dokument/{citation['document_id']}/")
        assert citation["quote"] in citation["text"]
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", body["answer"])]
    assert markers, body["answer"]
    used = body["citations"][markers[0] - 1]
    assert used["document_id"] == "varmland-test"
    assert used["short_title"] == SHORT_TITLE
    assert "Regionen ansvarar för abstinensvård" in used["quote"]
    assert used["page"] == 1
    assert isinstance(body["warnings"], list)


def test_ask_records_the_redacted_question_for_feedback(
    client: TestClient, settings: Settings
) -> None:
    question = "Min klient 19121212-1212 i Karlstad, vem ansvarar för abstinensvård?"
    body = client.post("/v1/ask", json={"question": question}).json()
    stored = stored_answer(client, settings, body["answer_id"])
    assert "19121212-1212" not in stored.question and "[personnummer]" in stored.question
    assert stored.channel == "api"
    assert stored.status == body["status"]
    assert body["region"] == "Värmland"  # Karlstad is a Värmland municipality


def test_widget_channel_header_is_recorded(client: TestClient, settings: Settings) -> None:
    body = client.post(
        "/v1/ask", json={"question": QUESTION}, headers={"X-Assistant-Channel": "web"}
    ).json()
    assert stored_answer(client, settings, body["answer_id"]).channel == "web"
    odd = client.post(
        "/v1/ask", json={"question": QUESTION}, headers={"X-Assistant-Channel": "<script>"}
    ).json()
    assert stored_answer(client, settings, odd["answer_id"]).channel == "api"


def test_region_parameter_beats_the_question_and_accepts_municipalities(
    client: TestClient,
) -> None:
    body = client.post(
        "/v1/ask", json={"question": "Vem ansvarar för abstinensvård?", "region": "Falun"}
    ).json()
    assert body["region"] == "Dalarna"
    assert {c["region"] for c in body["citations"]} <= {"Dalarna", None}


def test_region_without_agreement_is_an_answer_not_an_error(client: TestClient) -> None:
    asked = "Vem ansvarar för abstinensvård?"
    response = client.post("/v1/ask", json={"question": asked, "region": "Skåne"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "no_support"
    assert "Skåne" in body["answer"]
    assert body["citations"] == []
    # A place the question names is answered, with a note, whatever the request's region.
    named = client.post("/v1/ask", json={"question": QUESTION, "region": "Skåne"}).json()
    assert named["region"] == "Värmland"
    assert named["warnings"][0].startswith("Frågan nämner Värmland")


def test_unsupported_answer_still_lists_the_nearest_passages(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    strict = replace(built[1], settings=built[1].settings.with_overrides(min_support=2.0))
    with TestClient(create_app(settings, engine=strict)) as client:
        body = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert body["status"] == "no_support" and body["responsible"] is None
    assert body["citations"] and all(set(c) == CITATION_KEYS for c in body["citations"])
    assert "[" not in body["answer"]


def test_document_filter_and_top_k(client: TestClient) -> None:
    body = client.post(
        "/v1/ask",
        json={
            "question": "Vem ansvarar för abstinensvård?",
            "document_ids": ["skr-test"],
            "top_k": 1,
            "region": None,
        },
    ).json()
    assert [c["document_id"] for c in body["citations"]] == ["skr-test"]


def test_question_is_trimmed_and_may_be_1000_characters(client: TestClient) -> None:
    question = ("abstinensvård " * 80)[:1000]
    response = client.post("/v1/ask", json={"question": f"  \n{question}\t "})
    assert response.status_code == 200, response.text


def test_public_url_makes_citation_links_absolute(
    built: tuple[Settings, Engine], settings: Settings, tmp_path: Path
) -> None:
    app = create_app(
        settings.with_overrides(public_url="https://assistent.example.se/"), engine=built[1]
    )
    with TestClient(app) as client:
        body = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert body["citations"][0]["url"].startswith("https://assistent.example.se/dokument/")


# ── /v1/ask/stream ────────────────────────────────────────────────────────────────────


def test_stream_sends_meta_deltas_citations_warnings_done(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/v1/ask/stream", json={"question": QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "meta"
    assert names[-4:] == ["citations", "responsibilities", "warnings", "done"]
    assert set(names[1:-4]) == {"delta"} and len(names) - 5 >= 2
    meta, done = events[0][1], events[-1][1]
    assert set(done) == ANSWER_KEYS
    assert meta == {k: done[k] for k in ("answer_id", "status", "region", "responsible")}
    assert "".join(data["text"] for name, data in events if name == "delta") == done["answer"]
    assert events[-4][1] == {"citations": done["citations"]}
    assert events[-3][1] == {
        "responsibilities": done["responsibilities"], "regions": done["regions"]
    }
    assert events[-2][1] == {"warnings": done["warnings"]}
    # The same question over /v1/ask gives the same answer (but its own id).
    plain = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert {**plain, "answer_id": done["answer_id"]} == done
    assert stored_answer(client, settings, done["answer_id"]).status == "answered"


def test_stream_errors_before_streaming_are_plain_error_responses(client: TestClient) -> None:
    assert_error(client.post("/v1/ask/stream", json={"question": " "}), 422, "invalid_input")
    assert_error(
        client.post("/v1/ask/stream", content=b'{"question', headers=JSON_HEADERS),
        400,
        "invalid_json",
    )


def test_stream_failure_after_start_is_an_error_event(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.channels.http import routes

    def broken(body: dict[str, Any]) -> Iterator[str]:
        yield 'event: meta\ndata: {"answer_id": "x"}\n\n'
        raise RuntimeError("trasig hemlighet")

    monkeypatch.setattr(routes, "answer_events", broken)
    response = client.post("/v1/ask/stream", json={"question": QUESTION})
    events = parse_sse(response.text)
    assert [n for n, _ in events] == ["meta", "error"]
    assert events[-1][1]["error"]["code"] == "internal_error"
    assert "hemlighet" not in response.text


# ── documents and passage view ───────────────────────────────────────────────────────


def test_documents_lists_the_catalog_with_validity(
    client: TestClient, built: tuple[Settings, Engine]
) -> None:
    body = client.get("/v1/documents").json()
    assert body["today"] == date.today().isoformat()
    docs = {d["document_id"]: d for d in body["documents"]}
    assert list(docs) == list(TEXTS)
    assert {k: d["validity"] for k, d in docs.items()} == EXPECTED_VALIDITY
    expired = docs["dalarna-test"]
    assert expired["valid_to"] == "2021-06-30" and expired["extension"] == EXTENSION
    assert "2021-06-30" in expired["validity_note"] and EXTENSION in expired["validity_note"]
    assert expired["identity"] == "Dnr TEST-1"
    assert docs["skr-test"]["region"] is None and docs["skr-test"]["kind"] == "vägledning"
    rows = built[1].index.document_rows
    assert all(d["passages"] == len(rows[k]) for k, d in docs.items())
    assert docs["varmland-test"]["url"] == "/dokument/varmland-test"
    assert docs["varmland-test"]["source_url"] == SOURCE_URL
    assert docs["dalarna-test"]["source_url"] is None
    # Every document has a short title: the catalog's own, else region – first target
    # group and the year it applies from.
    assert {k: d["short_title"] for k, d in docs.items()} == {
        "varmland-test": SHORT_TITLE,
        "dalarna-test": "Dalarna – missbruk och beroende 2020",
        "vastmanland-test": "Västmanland – missbruk och beroende",
        "skr-test": "Nationell vägledning – missbruk och beroende",
    }


def test_passage_and_document_pages_link_to_the_source(
    client: TestClient, built: tuple[Settings, Engine]
) -> None:
    index = built[1].index
    link = (
        '<a href="https://www.regionvarmland.se/samverkan/avtal.pdf?v=2&amp;sida=1" '
        'rel="noopener noreferrer">'
    )
    chunk = index.chunks[index.document_rows["varmland-test"][0]]
    for path in (f"/dokument/varmland-test/{chunk.id}", "/dokument/varmland-test"):
        html = client.get(path).text
        assert "<dt>Källa</dt>" in html and link in html, path
    other = index.chunks[index.document_rows["dalarna-test"][0]]
    assert "Källa" not in client.get(f"/dokument/dalarna-test/{other.id}").text


def test_citation_link_shows_the_passage_in_its_section_with_the_quote_marked(
    client: TestClient, built: tuple[Settings, Engine]
) -> None:
    body = client.post("/v1/ask", json={"question": QUESTION}).json()
    citation = next(c for c in body["citations"] if c["document_id"] == "varmland-test")
    url = urlsplit(citation["url"])
    assert parse_qs(url.query)["citat"] == [citation["quote"]]
    assert url.fragment == "stycke"
    page = client.get(citation["url"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]  # no scripts at all
    html = page.text
    assert '<html lang="sv">' in html and "<main" in html and "<h1>" in html
    assert 'id="stycke"' in html
    marked = re.search(r'<mark id="citat">(.*?)</mark>', html, re.S)
    assert marked is not None
    assert " ".join(unquote(marked.group(1)).split()) == " ".join(citation["quote"].split())
    assert "Överenskommelse för test (varmland-test)" in html
    assert "s. 1" in html and "gällande" in html and "Värmland" in html
    # The rest of the section is shown around the cited passage, each sentence once.
    index = built[1].index
    cited = next(c for c in index.chunks if f"/{c.id}?" in citation["url"])
    neighbours = [
        index.chunks[r] for r in index.document_rows["varmland-test"]
        if index.chunks[r].trail == cited.trail and index.chunks[r].id != cited.id
    ]
    assert neighbours, "the test corpus should give the cited section several passages"
    for sentence in ("Kommunen ordnar bostad med särskild service", "psykiatrisk slutenvård"):
        assert html.count(sentence) == 1
    assert "Den som först uppmärksammar behovet" not in html  # another section


def test_passage_view_escapes_text_and_the_quote_parameter(
    client: TestClient, built: tuple[Settings, Engine]
) -> None:
    index = built[1].index
    chunk = next(c for c in index.chunks if "<ingen>" in c.text)
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    html = client.get(f"/dokument/varmland-test/{chunk.id}", params={"citat": evil}).text
    assert "<script" not in html and "<img" not in html and "onerror=alert" not in html.lower()
    assert "&lt;ingen&gt;" in html and "500 kr &amp;" in html
    assert "kunde inte markeras" in html
    marked = client.get(
        f"/dokument/varmland-test/{chunk.id}", params={"citat": "under 500 kr & <ingen> moms"}
    ).text
    assert '<mark id="citat">under 500 kr &amp; &lt;ingen&gt; moms</mark>' in marked


def test_passage_view_of_a_page_less_expired_document(
    client: TestClient, built: tuple[Settings, Engine]
) -> None:
    index = built[1].index
    chunk = index.chunks[index.document_rows["dalarna-test"][-1]]
    html = client.get(f"/dokument/dalarna-test/{chunk.id}").text
    assert "utgången" in html and "2021-06-30" in html and EXTENSION in html
    assert "Observera" in html
    assert "<mark" not in html


def test_old_link_finds_its_passage_by_the_quote(client: TestClient) -> None:
    quote = "Kommunen ansvarar för boende och boendestöd."
    response = client.get("/dokument/dalarna-test/borttagen-passage", params={"citat": quote})
    assert response.status_code == 200
    assert f'<mark id="citat">{quote}</mark>' in response.text


def test_whole_document_page_has_an_anchor_per_passage(
    client: TestClient, built: tuple[Settings, Engine]
) -> None:
    index = built[1].index
    html = client.get("/dokument/varmland-test").text
    for row in index.document_rows["varmland-test"]:
        assert f'id="p-{index.chunks[row].id}"' in html
    assert html.count("Regionen ansvarar för abstinensvård och avgiftning.") == 1


def test_browser_gets_an_html_error_page_for_a_dead_link(client: TestClient) -> None:
    response = client.get("/dokument/finns-inte/x", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in response.text and "Sidan finns inte" in response.text


# ── feedback ──────────────────────────────────────────────────────────────────────────


def test_feedback_is_stored_redacted(client: TestClient, settings: Settings) -> None:
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["answer_id"]
    response = client.post(
        f"/v1/answers/{answer_id}/feedback",
        json={"rating": "down", "comment": "Fel region, ring mig på 070-123 45 67"},
        headers={"X-Assistant-Channel": "web"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["answer_id"] == answer_id and body["rating"] == "down"
    (stored,) = list_feedback(open_store(settings.store_path), answer_id)
    assert stored.id == body["feedback_id"] and stored.rating == "down"
    assert stored.channel == "web"
    assert stored.comment is not None and "070-123" not in stored.comment
    again = client.post(f"/v1/answers/{answer_id}/feedback", json={"rating": "up"})
    assert again.status_code == 201
    assert [f.rating for f in list_feedback(open_store(settings.store_path), answer_id)] == [
        "down", "up",
    ]


def test_feedback_right_after_each_of_many_answers(client: TestClient) -> None:
    # The answer is committed before its response is sent, so feedback may follow at once.
    for n in range(10):
        answer_id = client.post("/v1/ask", json={"question": f"{QUESTION} ({n})"}).json()[
            "answer_id"
        ]
        response = client.post(f"/v1/answers/{answer_id}/feedback", json={"rating": "up"})
        assert response.status_code == 201, response.text


def test_a_clean_shutdown_closes_the_store_and_keeps_every_answer(
    built: tuple[Settings, Engine], settings: Settings, tmp_path: Path
) -> None:
    app = create_app(settings, engine=built[1], static_dir=tmp_path / "static")
    with TestClient(app) as test_client:
        ids = [
            test_client.post("/v1/ask", json={"question": QUESTION}).json()["answer_id"]
            for _ in range(3)
        ]
        store = app.state.service.store
        assert store.link.connection is not None
    assert store.link.connection is None  # closed by the lifespan
    journal = Path(f"{settings.store_path}-journal")
    assert not journal.exists() or journal.stat().st_size == 0  # nothing left half-written
    assert [get_answer(open_store(settings.store_path), i).answer_id for i in ids] == ids


# ── health, readiness, start page, widget, OpenAPI ────────────────────────────────────


def test_health_and_readiness(client: TestClient, built: tuple[Settings, Engine]) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["documents"] == 4 and ready["passages"] == len(built[1].index.chunks)
    assert ready["embedder"] == "fake:bag-of-words"
    assert ready["store"] == "ok"
    assert "assistant_store_ready 1.0" in client.get("/metrics").text


def test_without_an_index_the_app_starts_and_says_why(tmp_path: Path) -> None:
    settings = load_settings(
        {}, index_dir=tmp_path / "inget-index", data_dir=tmp_path / "data"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        message = assert_error(client.get("/readyz"), 503, "index_unavailable", "index")
        assert "assistant index" in message
        response = client.post("/v1/ask", json={"question": QUESTION})
        assert_error(response, 503, "index_unavailable")
        assert response.headers["retry-after"]
        assert_error(client.post("/v1/ask/stream", json={"question": QUESTION}), 503,
                     "index_unavailable")
        assert_error(client.get("/v1/documents"), 503, "index_unavailable")
        # Bad input is still reported as such.
        assert_error(client.post("/v1/ask", json={}), 422, "invalid_input")


def test_without_a_store_questions_are_answered_and_feedback_is_503(
    built: tuple[Settings, Engine], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "inte-en-mapp"
    blocker.write_text("en fil där datamappen skulle ligga", "utf-8")
    settings = built[0].with_overrides(data_dir=blocker / "data")
    with TestClient(create_app(settings, engine=built[1])) as client:
        body = client.post("/v1/ask", json={"question": QUESTION}).json()
        assert body["status"] == "answered"
        response = client.post(f"/v1/answers/{body['answer_id']}/feedback", json={"rating": "up"})
        assert_error(response, 503, "store_unavailable")
        assert client.get("/readyz").json()["store"] == "unavailable"
        assert "assistant_store_ready 0.0" in client.get("/metrics").text
    assert any("Lagringen" in r.getMessage() for r in caplog.records)


def test_a_store_that_breaks_while_serving_degrades_and_readiness_shows_it(
    built: tuple[Settings, Engine], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = built[0].with_overrides(data_dir=tmp_path / "data")
    with TestClient(create_app(settings, engine=built[1])) as client:
        first = client.post("/v1/ask", json={"question": QUESTION}).json()
        settings.store_path.write_bytes(b"\x00inte en databas" * 1024)  # the disk failed
        with caplog.at_level(logging.ERROR):
            body = client.post("/v1/ask", json={"question": "Vem kallar till SIP?"})
        assert body.status_code == 200 and body.json()["status"] == "answered"
        response = client.post(f"/v1/answers/{first['answer_id']}/feedback", json={"rating": "up"})
        assert_error(response, 503, "store_unavailable")
        assert response.headers["retry-after"]
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["store"] == "unavailable"
        assert "assistant_store_ready 0.0" in client.get("/metrics").text
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("går inte att använda" in m for m in errors)
    assert any("kunde inte lagras" in m for m in errors)


def test_start_page_and_widget_come_from_the_static_folder(
    built: tuple[Settings, Engine], settings: Settings, tmp_path: Path
) -> None:
    static = tmp_path / "static"
    with TestClient(create_app(settings, engine=built[1], static_dir=static)) as client:
        home = client.get("/")
        assert home.status_code == 200 and '<html lang="sv">' in home.text
        assert 'href="/docs"' in home.text
        assert_error(client.get("/widget.js"), 404, "not_found")
        static.mkdir()
        (static / "index.html").write_text("<!doctype html><title>Chatt</title>", "utf-8")
        (static / "widget.js").write_text("console.log('hej');", "utf-8")
        assert client.get("/").text == "<!doctype html><title>Chatt</title>"
        widget = client.get("/widget.js")
        assert widget.status_code == 200 and widget.text == "console.log('hej');"
        assert widget.headers["content-type"].startswith("text/javascript")


def test_openapi_documents_the_routes_with_swedish_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/v1/ask", "post"),
        ("/v1/ask/stream", "post"),
        ("/v1/documents", "get"),
        ("/v1/answers/{answer_id}/feedback", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/dokument/{document_id}/{chunk_id}", "get"),
    ]:
        assert method in paths[path], path
    ask = paths["/v1/ask"]["post"]
    examples = ask["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"]["question"] == QUESTION for e in examples.values())
    assert {"400", "422", "503"} <= set(ask["responses"])
    assert "text/event-stream" in paths["/v1/ask/stream"]["post"]["responses"]["200"]["content"]
    schemas = spec["components"]["schemas"]
    assert schemas["AskRequest"]["examples"][0]["question"] == QUESTION
    assert schemas["AskResponse"]["examples"][0]["citations"][0]["region"] == "Värmland"
    assert client.get("/docs").status_code == 200


def test_teams_endpoint_is_mounted(client: TestClient) -> None:
    # Mounted: a 401 in the error shape, not a 404. Without an app id only loopback peers
    # may call, and the test client's peer ("testclient") is not one, so the caller is
    # refused before the body (and its serviceUrl) is read.
    response = client.post(
        "/api/messages",
        json={"type": "message", "serviceUrl": "https://evil.example", "text": "hej"},
    )
    assert_error(response, 401, "unauthorized")


def test_the_channels_regions_are_those_of_the_loaded_index(
    built: tuple[Settings, Engine],
) -> None:
    # What Teams offers for `region <namn>` and lists in `hjälp`: no catalog read per message.
    assert covered_regions(built[1]) == ("Dalarna", "Värmland", "Västmanland")


def test_cors_is_off_by_default_and_follows_the_setting(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    preflight = {
        "origin": "https://intranat.example.se",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-assistant-channel",
    }
    with TestClient(create_app(settings, engine=built[1])) as client:
        response = client.options("/v1/ask", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    allowed = settings.with_overrides(cors_origins=("https://intranat.example.se",))
    with TestClient(create_app(allowed, engine=built[1])) as client:
        response = client.options("/v1/ask", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://intranat.example.se"


# ── bad input: always 4xx in the one error shape ───────────────────────────────────


def _send(client: TestClient, path: str, body: Any) -> Any:
    if isinstance(body, bytes):
        return client.post(path, content=body, headers=JSON_HEADERS)
    return client.post(path, content=json.dumps(body).encode(), headers=JSON_HEADERS)


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [case[1:] for case in BAD_ASK],
    ids=[case[0] for case in BAD_ASK],
)
def test_bad_ask_input_is_a_4xx_in_the_error_shape(
    client: TestClient, body: Any, status: int, code: str, fragment: str
) -> None:
    assert_error(_send(client, "/v1/ask", body), status, code, fragment)


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [case[1:] for case in BAD_ASK[::4]],
    ids=[case[0] for case in BAD_ASK[::4]],
)
def test_bad_stream_input_is_a_4xx_in_the_error_shape(
    client: TestClient, body: Any, status: int, code: str, fragment: str
) -> None:
    assert_error(_send(client, "/v1/ask/stream", body), status, code, fragment)


def test_form_encoded_body_is_refused(client: TestClient) -> None:
    response = client.post("/v1/ask", data={"question": QUESTION})
    assert_error(response, 422, "invalid_input", "Content-Type: application/json")


def test_oversized_body_is_refused(client: TestClient, settings: Settings) -> None:
    body = {"question": QUESTION, "region": "x" * (settings.max_body_bytes + 10)}
    assert_error(_send(client, "/v1/ask", body), 413, "payload_too_large")
    raw = json.dumps(body).encode()

    def pieces() -> Iterator[bytes]:  # no Content-Length: the body is counted as it comes
        for start in range(0, len(raw), 4096):
            yield raw[start : start + 4096]

    streamed = client.post("/v1/ask", content=pieces(), headers=JSON_HEADERS)
    assert "content-length" not in streamed.request.headers
    assert_error(streamed, 413, "payload_too_large")


def test_bad_feedback_input(client: TestClient) -> None:
    answer_id = client.post("/v1/ask", json={"question": QUESTION}).json()["answer_id"]
    path = f"/v1/answers/{answer_id}/feedback"
    assert_error(_send(client, path, b'{"rating": '), 400, "invalid_json")
    assert_error(_send(client, path, {}), 422, "invalid_input", "'rating' saknas")
    assert_error(_send(client, path, {"rating": "meh"}), 422, "invalid_input", "'up' eller")
    assert_error(_send(client, path, {"rating": 1}), 422, "invalid_input", "'rating'")
    assert_error(
        _send(client, path, {"rating": "up", "comment": "x" * 2001}), 422, "invalid_input",
        "högst 2000 tecken",
    )
    assert_error(
        _send(client, path, {"rating": "up", "comment": 5}), 422, "invalid_input", "text"
    )
    assert_error(
        _send(client, "/v1/answers/finns-inte/feedback", {"rating": "up"}), 404, "not_found"
    )
    assert_error(
        _send(client, f"/v1/answers/{'a' * 201}/feedback", {"rating": "up"}), 422,
        "invalid_input", "'answer_id'",
    )


def test_unknown_routes_methods_documents_and_passages(client: TestClient) -> None:
    assert_error(client.get("/v1/finns-inte"), 404, "not_found")
    assert_error(client.get("/v1/ask"), 405, "method_not_allowed", "GET")
    assert_error(client.delete("/v1/documents"), 405, "method_not_allowed")
    assert_error(client.get("/dokument/finns-inte/x"), 404, "not_found", "Dokumentet")
    assert_error(client.get("/dokument/finns-inte"), 404, "not_found")
    assert_error(client.get("/dokument/varmland-test/finns-inte"), 404, "not_found", "Passagen")
    assert_error(
        client.get("/dokument/varmland-test/x", params={"citat": "x" * 2001}),
        422, "invalid_input", "'citat'",
    )


def test_unexpected_failure_is_a_generic_500_with_the_traceback_in_the_log(
    built: tuple[Settings, Engine],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("hemlig intern detalj")

    monkeypatch.setattr(api_service, "ask", broken)
    app = create_app(settings, engine=built[1])
    with (
        caplog.at_level(logging.ERROR, logger="assistant.api"),
        TestClient(app, raise_server_exceptions=False) as client,
    ):
        response = client.post("/v1/ask", json={"question": QUESTION})
    assert_error(response, 500, "internal_error")
    assert "hemlig" not in response.text
    assert any("hemlig intern detalj" in str(r.exc_info) for r in caplog.records if r.exc_info)


# ── the pieces, directly ─────────────────────────────────────────────────────────────


def _chunk(ident: str, text: str, start: int, lead_in: str = "") -> Chunk:
    return Chunk(
        id=ident,
        document_id="d",
        text=f"{lead_in}\n[…]\n{text}" if lead_in else text,
        lead_in=lead_in or None,
        trail=("1. Ansvar",),
        page_start=None,
        page_end=None,
        start=start,
        end=start + len(text),
    )


def test_stitch_keeps_the_cited_passage_whole_and_shows_each_sentence_once() -> None:
    doc = "Första meningen här. Andra meningen här. Tredje meningen här. Fjärde meningen här."
    a = _chunk("a", doc[0:40], 0)
    b = _chunk("b", doc[21:61], 21, lead_in="Ingress:")
    c = _chunk("c", doc[41:], 41)
    pieces = stitch([c, a, b], cited=b)
    assert [(p.chunk.id, p.cited) for p in pieces] == [("a", False), ("b", True), ("c", False)]
    assert pieces[1].text == doc[21:61]  # whole, without the lead-in
    assert " ".join(p.text for p in pieces) == doc
    assert " ".join(p.text for p in stitch([a, b, c])) == doc


def test_find_quote_ignores_white_space_and_render_text_escapes() -> None:
    text = "Regionen ansvarar för:\n• abstinensvård\n\nKommunen <ansvarar> & ordnar."
    span = find_quote(text, "för: •   abstinensvård")
    assert span is not None and text[span[0] : span[1]] == "för:\n• abstinensvård"
    assert find_quote(text, "finns inte") is None and find_quote(text, "  ") is None
    html = render_text(text, span, "citat")
    assert html == (
        '<p>Regionen ansvarar <mark id="citat">för:<br>\n• abstinensvård</mark></p>\n'
        "<p>Kommunen &lt;ansvarar&gt; &amp; ordnar.</p>"
    )


@pytest.mark.parametrize(
    "text", ["", "Ett", "Regionen ansvarar för abstinensvård [1]. I Dalarna: kommunen [2].",
             "  mellanslag  först\noch radbrytning "],
)
def test_word_groups_join_back_to_the_text(text: str) -> None:
    groups = word_groups(text, 3)
    assert "".join(groups) == text
    assert all(len(g.split()) <= 3 for g in groups)


def test_validity_statuses() -> None:
    def meta(**changes: Any) -> DocumentMeta:
        base = DocumentMeta(
            id="x", title="X", region="Värmland", parties=(), target_groups=(), age_scope="",
            kind="överenskommelse", valid_from=None, valid_to=None, extension=None,
            draft=False, source="x.txt",
        )
        return DocumentMeta(**{**base.__dict__, **changes})

    today = date(2025, 6, 1)
    assert validity_of(meta(), today).status == "tills vidare"
    assert validity_of(meta(valid_to=date(2025, 6, 1)), today).status == "gällande"
    expired = validity_of(meta(valid_to=date(2025, 5, 31), extension="Förlängs."), today)
    assert expired.status == "utgången" and expired.expired and "Förlängs." in expired.description
    assert validity_of(meta(valid_from=date(2025, 7, 1)), today).status == "kommande"
    draft = validity_of(meta(draft=True, valid_to=date(2024, 1, 1)), today)
    assert draft.status == "förslag" and draft.expired and "2024-01-01" in draft.description


def test_validation_messages_name_the_field() -> None:
    assert field_name(("body", "document_ids", 2)) == "document_ids[2]"
    assert field_name(("query", "citat")) == "citat"
    message = validation_message(
        [
            {"type": "missing", "loc": ("body", "question")},
            {"type": "less_than_equal", "loc": ("body", "top_k"), "ctx": {"le": 20}},
            {"type": "missing", "loc": ("body", "question")},
        ]
    )
    assert message == "Fältet 'question' saknas. Fältet 'top_k' får vara högst 20."
