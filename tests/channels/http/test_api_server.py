"""The API over real HTTP: `assistant serve` on loopback with the real index and model.

Starts the server as a subprocess exactly as an operator would, waits for /readyz, and
talks to it with httpx. The index is `index/` of the project, or ASSISTANT_INDEX_DIR.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.bench import running_server
from assistant.settings import load_settings, project_root
from assistant.store import list_feedback, open_store
from tests.channels.http.support import (
    ANSWER_KEYS,
    BAD_ASK,
    CITATION_KEYS,
    assert_error,
    index_dir,
    parse_sse,
)

pytestmark = pytest.mark.slow

VARMLAND = "varmland-psykisk-funktionsnedsattning-beroende"
QUESTION = "Vem ansvarar för abstinensvård i Värmland?"
START_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, data dir) of a running `assistant serve`; stopped after the module."""
    data = tmp_path_factory.mktemp("server-data")
    settings = load_settings(index_dir=index_dir(), workers=2)
    with running_server(settings, data, timeout=START_TIMEOUT) as (base, _):
        yield base, data


@pytest.fixture(scope="module")
def http(server: tuple[str, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=60) as client:
        yield client


def test_ask_answers_the_varmland_question_from_the_varmland_agreement(
    http: httpx.Client,
) -> None:
    response = http.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_KEYS
    assert all(set(c) == CITATION_KEYS for c in body["citations"])
    assert body["status"] == "answered"
    assert body["region"] == "Värmland"
    assert body["responsible"] == "region"
    assert all(c["region"] in ("Värmland", None) for c in body["citations"])
    varmland = [c for c in body["citations"] if c["document_id"] == VARMLAND]
    assert any("abstinensvård" in c["text"] for c in varmland)
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert any(body["citations"][n - 1]["document_id"] == VARMLAND for n in used)


def test_stream_arrives_in_pieces_and_ends_with_the_full_answer(http: httpx.Client) -> None:
    chunks: list[str] = []
    with http.stream("POST", "/v1/ask/stream", json={"question": "Vem kallar till SIP?"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        chunks.extend(r.iter_text())
    events = parse_sse("".join(chunks))
    names = [n for n, _ in events]
    assert names[0] == "meta" and names[-1] == "done" and names.count("delta") >= 2
    done = events[-1][1]
    assert set(done) == ANSWER_KEYS and done["citations"]
    assert "".join(d["text"] for n, d in events if n == "delta") == done["answer"]


def test_documents_report_real_validity(http: httpx.Client) -> None:
    docs = {d["document_id"]: d for d in http.get("/v1/documents").json()["documents"]}
    assert len(docs) == 5 and VARMLAND in docs
    missbruk = docs["dalarna-missbruk-beroende"]
    assert missbruk["valid_to"] == "2024-06-30" and missbruk["validity"] == "utgången"
    assert "förlängs överenskommelsen automatiskt" in missbruk["validity_note"]
    assert docs["dalarna-psykisk-funktionsnedsattning"]["validity"] == "förslag"
    assert docs["skr-stod-samverkansoverenskommelser"]["validity"] == "tills vidare"
    assert all(d["passages"] > 0 for d in docs.values())


def test_citation_link_opens_the_passage_view(http: httpx.Client) -> None:
    body = http.post("/v1/ask", json={"question": QUESTION}).json()
    citation = next(c for c in body["citations"] if c["document_id"] == VARMLAND)
    page = http.get(citation["url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="sv">' in html
    assert citation["title"] in html
    assert '<mark id="citat">' in html
    where = "sidan okänd" if citation["page"] is None else f"s. {citation['page']}"
    assert where in html
    assert "gällande" in html  # the Värmland agreement runs until 2028


def test_feedback_is_stored_in_the_data_directory(
    http: httpx.Client, server: tuple[str, Path]
) -> None:
    answer_id = http.post(
        "/v1/ask", json={"question": QUESTION}, headers={"X-Assistant-Channel": "web"}
    ).json()["answer_id"]
    response = http.post(
        f"/v1/answers/{answer_id}/feedback", json={"rating": "up", "comment": "Bra svar."}
    )
    assert response.status_code == 201
    stored = list_feedback(open_store(server[1] / "assistant.sqlite3"), answer_id)
    assert [(f.rating, f.comment) for f in stored] == [("up", "Bra svar.")]
    assert_error(
        http.post("/v1/answers/okant-svar/feedback", json={"rating": "up"}), 404, "not_found"
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [case[1:] for case in BAD_ASK],
    ids=[case[0] for case in BAD_ASK],
)
def test_bad_input_over_http(
    http: httpx.Client, body: Any, status: int, code: str, fragment: str
) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = http.post(
        "/v1/ask", content=content, headers={"content-type": "application/json"}
    )
    assert_error(response, status, code, fragment)


def test_other_bad_requests_over_http(http: httpx.Client) -> None:
    assert_error(http.get("/v1/ask"), 405, "method_not_allowed")
    assert_error(http.get("/v1/finns-inte"), 404, "not_found")
    assert_error(http.get(f"/dokument/{VARMLAND}/finns-inte"), 404, "not_found")
    huge = b'{"question": "' + b"a" * 100_000 + b'"}'
    assert_error(
        http.post("/v1/ask", content=huge, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )
    assert http.get("/healthz").json() == {"status": "ok"}


def probe_while(http: httpx.Client, threads: list[threading.Thread], pause: float) -> list[float]:
    """Start the threads; time `/healthz` every `pause` seconds until they are done."""
    for thread in threads:
        thread.start()
    probes = []
    while any(t.is_alive() for t in threads):
        started = time.perf_counter()
        assert http.get("/healthz").status_code == 200
        probes.append(time.perf_counter() - started)
        time.sleep(pause)
    for thread in threads:
        thread.join()
    return probes


def test_questions_run_off_the_event_loop(http: httpx.Client, server: tuple[str, Path]) -> None:
    questions = [
        "Vem ansvarar för boendestöd i Dalarna?",
        "Vem ansvarar för LARO i Västmanland?",
        "Vad är en SIP?",
        "Vem betalar för HVB-placering i Värmland?",
    ]
    results: list[int] = []

    def ask(question: str) -> None:
        with httpx.Client(base_url=server[0], timeout=120) as client:
            results.append(client.post("/v1/ask", json={"question": question}).status_code)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    probes = probe_while(http, threads, pause=0.05)
    assert results == [200] * len(questions)
    # The probes answer while the questions are being worked on: the loop is free.
    assert probes and max(probes) < 1.0, probes


def model_counters(http: httpx.Client) -> dict[str, float]:
    """The query cache's and model batches' samples of /metrics, by name."""
    from prometheus_client.parser import text_string_to_metric_families

    text = http.get("/metrics").text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith(("assistant_model_", "assistant_query_"))
    }


def test_concurrent_questions_share_model_calls_and_feedback_follows_at_once(
    http: httpx.Client, server: tuple[str, Path]
) -> None:
    topics = ["boendestöd", "LARO", "abstinensvård", "SIP", "HVB-placering", "läkarintyg"]
    regions = ["Värmland", "Dalarna", "Västmanland"]
    # Distinct questions never asked before in this server: none is in its query cache.
    questions = [
        f"Vem ansvarar för {topics[n % 6]} i {regions[n % 3]}? (samtidig fråga {n})"
        for n in range(16)
    ]
    before = model_counters(http)
    outcomes: dict[int, tuple[int, str | None, int]] = {}

    def ask_then_rate(n: int) -> None:
        with httpx.Client(base_url=server[0], timeout=120) as client:
            answer = client.post("/v1/ask", json={"question": questions[n]})
            body = answer.json()
            rated = client.post(
                f"/v1/answers/{body.get('answer_id')}/feedback", json={"rating": "up"}
            )
            outcomes[n] = (answer.status_code, body.get("region"), rated.status_code)

    threads = [threading.Thread(target=ask_then_rate, args=(n,)) for n in range(16)]
    probes = probe_while(http, threads, pause=0.02)

    # Every question answered for its own region, and rated right after its answer.
    assert outcomes == {n: (200, regions[n % 3], 201) for n in range(16)}
    after = model_counters(http)
    calls = after["assistant_model_calls_total"] - before["assistant_model_calls_total"]
    embedded = (
        after["assistant_model_questions_total"] - before["assistant_model_questions_total"]
    )
    assert embedded == 16
    # Sixteen questions at once on two model lanes: they shared calls.
    assert calls < 16 and after["assistant_model_batch_largest"] >= 2, (calls, after)
    assert after["assistant_model_waiting"] == 0
    # The event loop stayed free while the model worked.
    assert probes and max(probes) < 1.0, probes


def test_cli_ask_prints_answer_party_and_scores() -> None:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir())}
    command = [sys.executable, "-m", "assistant", "ask", QUESTION, "--top-k", "3"]
    text = subprocess.run(
        command, cwd=project_root(), env=env, capture_output=True, text=True, timeout=180,
        check=True,
    ).stdout
    assert "Ansvarig: regionen" in text and "Region: Värmland" in text
    assert "poäng: semantisk" in text and "sammanvägd" in text
    assert VARMLAND in text
    raw = subprocess.run(
        [*command, "--json"], cwd=project_root(), env=env, capture_output=True, text=True,
        timeout=180, check=True,
    ).stdout
    body = json.loads(raw)
    assert set(body) >= ANSWER_KEYS and len(body["citations"]) == 3
    assert [r["n"] for r in body["retrieval"]] == [1, 2, 3]
    assert all({"dense", "lexical", "fused"} <= set(r) for r in body["retrieval"])


def chromium() -> str:
    """Debian's Chromium (`make browser`); Playwright never downloads its own."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail("Chromium saknas: kör `make browser`.")
    return path


def test_passage_and_document_pages_pass_axe_in_a_real_browser(
    http: httpx.Client, server: tuple[str, Path]
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    body = http.post("/v1/ask", json={"question": QUESTION}).json()
    citation = next(c for c in body["citations"] if c["document_id"] == VARMLAND)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium())
        try:
            # The pages run no script of their own (CSP); axe must be let in to inspect them.
            page = browser.new_context(bypass_csp=True, locale="sv-SE").new_page()
            for path in (citation["url"], f"/dokument/{VARMLAND}"):
                page.goto(server[0] + path)
                assert page.locator("html").get_attribute("lang") == "sv"
                assert page.locator("main h1").count() == 1
                results = Axe().run(page)
                assert results.violations_count == 0, results.generate_report()
            page.goto(server[0] + citation["url"])
            mark = page.locator("mark#citat")
            assert mark.is_visible() and mark.inner_text().strip()
            assert page.locator("#stycke").is_visible()
        finally:
            browser.close()
