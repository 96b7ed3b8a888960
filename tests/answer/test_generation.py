"""Generated answers against a small OpenAI-compatible server on loopback.

The server returns scripted replies and records every request, so the tests see exactly what
the assistant sends and what it does with good, bad and missing replies.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.generation import GENERATED_WARNING, check_reply, claims, generate
from assistant.index.build import build_index
from assistant.models import Answer, Chunk, Citation, Hit, RegionQuery
from assistant.pipeline import Engine, ask, load_engine
from assistant.search.query import make_query
from assistant.search.retrieval import Retrieval
from assistant.settings import Settings, load_settings
from tests.fakes import FakeEmbedder

QUESTION = "Vem ansvarar för abstinensvård i Värmland?"
PASSAGES = (
    "Regionen ansvarar för abstinensvård och avgiftning.",
    "Kommunen ansvarar för boendestöd och sysselsättning.",
    "Den som först uppmärksammar behovet kallar till SIP.",
)


# ── the fake chat server ───────────────────────────────────────────────────────────────


@dataclass
class Script:
    """One scripted response: a reply text (or a raw body), a status and a delay."""

    content: str | None = None
    status: int = 200
    delay: float = 0.0
    raw: Any = None  # sent as JSON instead of a chat completion when set
    finish_reason: str = "stop"


@dataclass
class FakeChat:
    """A running fake endpoint: queue replies in `script`, read requests from `requests`."""

    url: str
    script: list[Script] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def reply(self, content: str, **kwargs: Any) -> None:
        self.script.append(Script(content=content, **kwargs))


def _handler(chat: FakeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            chat.requests.append(
                {"path": self.path, "headers": dict(self.headers.items()), "body": body}
            )
            step = chat.script.pop(0) if chat.script else Script(status=500)
            if step.delay and chat.stop.wait(step.delay):
                return
            if step.raw is not None:
                payload = step.raw
            else:
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": body.get("model", ""),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": step.content},
                            "finish_reason": step.finish_reason,
                        }
                    ],
                }
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(step.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    fake = FakeChat(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    fake.url = f"http://{host!s}:{port}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    fake.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def settings(chat: FakeChat, tmp_path: Path) -> Settings:
    return load_settings(
        {},
        data_dir=tmp_path / "data",
        llm_url=chat.url,
        llm_model="qwen2.5:7b-instruct",
        llm_api_key="hemlig-nyckel",
        llm_timeout=5.0,
    )


# ── a hand-made retrieval and extractive answer ────────────────────────────────────────


def _chunk(i: int, text: str) -> Chunk:
    return Chunk(
        id=f"c{i}",
        document_id="varmland-test",
        text=text,
        trail=("2. Ansvar",),
        page_start=10 + i,
        page_end=10 + i,
        start=0,
        end=len(text),
    )


def _retrieval(question: str = QUESTION) -> Retrieval:
    hits = tuple(
        Hit(chunk=_chunk(i, text), dense=0.9, lexical=1.0, fused=1.0 - 0.1 * i, rank=i + 1)
        for i, text in enumerate(PASSAGES)
    )
    return Retrieval(
        query=make_query(question, RegionQuery(region="Värmland", mentioned=("Värmland",))),
        hits=hits,
        searched_documents=("varmland-test",),
    )


def _extractive(found: Retrieval) -> Answer:
    citations = tuple(
        Citation(
            n=n,
            document_id=hit.chunk.document_id,
            title="Överenskommelse om samverkan i Värmland",
            short_title="Värmland – missbruk och beroende",
            region="Värmland",
            section=hit.chunk.section,
            page=hit.chunk.page_start,
            text=hit.chunk.text,
            quote=hit.chunk.text,
            score=hit.fused,
            url=f"/dokument/varmland-test/{hit.chunk.id}#stycke",
        )
        for n, hit in enumerate(found.hits, start=1)
    )
    return Answer(
        id="a1",
        question=found.question,
        status="answered",
        text="Regionen ansvarar för abstinensvård och avgiftning [1].",
        responsible="region",
        region="Värmland",
        citations=citations,
        warnings=("En tidigare varning.",),
    )


def _generate(settings: Settings, question: str = QUESTION) -> tuple[Answer, Answer]:
    found = _retrieval(question)
    extractive = _extractive(found)
    return extractive, generate(settings, found, extractive)


CITED = _extractive(_retrieval()).citations


# ── accepted replies ───────────────────────────────────────────────────────────────────


def test_good_reply_replaces_the_text_and_keeps_everything_else(
    chat: FakeChat, settings: Settings
) -> None:
    reply = (
        "Regionen ansvarar för abstinensvård och avgiftning [1]. "
        "Kommunen ansvarar för boendestöd [2]."
    )
    chat.reply(reply)
    extractive, answer = _generate(settings)
    assert answer.text == reply
    assert answer.citations == extractive.citations
    assert (answer.id, answer.status, answer.responsible, answer.region) == (
        "a1",
        "answered",
        "region",
        "Värmland",
    )
    assert answer.warnings == ("En tidigare varning.", GENERATED_WARNING)


def test_request_carries_passages_question_model_and_key(
    chat: FakeChat, settings: Settings
) -> None:
    chat.reply("Regionen ansvarar för abstinensvård [1].")
    _generate(settings)
    assert len(chat.requests) == 1
    request = chat.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer hemlig-nyckel"
    body = request["body"]
    assert body["model"] == "qwen2.5:7b-instruct"
    assert body["temperature"] == 0
    assert body["stream"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and "[n]" in system["content"]
    assert "Underlaget besvarar inte frågan." in system["content"]
    assert user["role"] == "user"
    content = user["content"]
    for n, passage in enumerate(PASSAGES, start=1):
        assert f"[{n}] Dokument: Överenskommelse om samverkan i Värmland" in content
        assert passage in content
        assert f"Sida: {10 + n - 1}" in content
    assert "Avsnitt: 2. Ansvar" in content
    assert "Region: Värmland" in content
    assert content.rstrip().endswith(f"Fråga: {QUESTION}")
    # Passages come in the citation order, so [n] means the same to model and reader.
    assert content.index(PASSAGES[0]) < content.index(PASSAGES[1]) < content.index(PASSAGES[2])


def test_no_key_no_authorization_header(chat: FakeChat, settings: Settings) -> None:
    chat.reply("Regionen ansvarar för abstinensvård [1].")
    _generate(settings.with_overrides(llm_api_key=""))
    assert "Authorization" not in chat.requests[0]["headers"]


def test_personal_data_in_the_question_is_not_sent(chat: FakeChat, settings: Settings) -> None:
    chat.reply("Regionen ansvarar för abstinensvård [1].")
    _generate(settings, "Vem ansvarar för abstinensvård för 19121212-1212 i Värmland?")
    content = chat.requests[0]["body"]["messages"][1]["content"]
    assert "19121212-1212" not in content
    assert "[personnummer]" in content


def test_markdown_bullets_and_marker_lists_are_tidied(chat: FakeChat, settings: Settings) -> None:
    chat.reply(
        "**Ansvar i Värmland**\n\nI Värmland gäller följande:\n"
        "- Regionen ansvarar för abstinensvård.[1]\n"
        "* Kommunen ansvarar för boendestöd och sysselsättning [1, 2]."
    )
    _, answer = _generate(settings)
    assert answer.text == (
        "Ansvar i Värmland:\n\nI Värmland gäller följande:\n"
        "• Regionen ansvarar för abstinensvård.[1]\n"
        "• Kommunen ansvarar för boendestöd och sysselsättning [1] [2]."
    )
    assert GENERATED_WARNING in answer.warnings


def test_thinking_block_is_dropped(chat: FakeChat, settings: Settings) -> None:
    chat.reply("<think>Avsnitt 1 säger det, utan källa här.</think>\nRegionen ansvarar [1].")
    _, answer = _generate(settings)
    assert answer.text == "Regionen ansvarar [1]."


# ── rejected replies fall back to the extractive answer ───────────────────────────────


@pytest.mark.parametrize(
    "reply",
    [
        # a claim without a marker
        "Regionen ansvarar för abstinensvård [1]. Kommunen ansvarar för boendestöd.",
        "Regionen ansvarar för abstinensvård [1].\n• Kommunen ordnar boende",
        # out of range, zero, malformed
        "Regionen ansvarar för abstinensvård [4].",
        "Regionen ansvarar för abstinensvård [0].",
        "Regionen ansvarar för abstinensvård [1-2].",
        "Regionen ansvarar för abstinensvård [källa 1].",
        "Regionen ansvarar för abstinensvård [1.",
        "Regionen ansvarar för abstinensvård (1).",
        # empty, nothing but white space or thinking
        "",
        "   \n ",
        "<think>Jag vet inte.</think>",
        # no marker at all
        "Regionen ansvarar för abstinensvård och avgiftning.",
        # not Swedish
        "The region is responsible for withdrawal care [1].",
        # the model says the passages do not answer
        "Underlaget besvarar inte frågan.",
        "Underlaget besvarar inte frågan helt, men regionen nämns [1].",
    ],
)
def test_bad_reply_falls_back(
    chat: FakeChat, settings: Settings, reply: str, caplog: pytest.LogCaptureFixture
) -> None:
    chat.reply(reply)
    with caplog.at_level(logging.WARNING, logger="assistant.generation"):
        extractive, answer = _generate(settings)
    assert answer == extractive
    assert len(chat.requests) == 1
    assert "avvisades" in caplog.text
    assert QUESTION not in caplog.text


def test_server_error_falls_back(
    chat: FakeChat, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    chat.script.append(Script(status=500, raw={"error": {"message": "model not loaded"}}))
    with caplog.at_level(logging.WARNING, logger="assistant.generation"):
        extractive, answer = _generate(settings)
    assert answer == extractive
    assert "HTTP 500" in caplog.text
    assert QUESTION not in caplog.text


def test_timeout_falls_back(
    chat: FakeChat, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    chat.reply("Regionen ansvarar för abstinensvård [1].", delay=3.0)
    with caplog.at_level(logging.WARNING, logger="assistant.generation"):
        extractive, answer = _generate(settings.with_overrides(llm_timeout=0.3))
    assert answer == extractive
    assert "ingen respons" in caplog.text


@pytest.mark.parametrize(
    "raw",
    [
        {"choices": []},
        {"choices": [{"message": {"role": "assistant", "content": None}}]},
        {"object": "error"},
        "inte json alls",
    ],
)
def test_unusable_body_falls_back(chat: FakeChat, settings: Settings, raw: Any) -> None:
    chat.script.append(Script(raw=raw))
    extractive, answer = _generate(settings)
    assert answer == extractive


def test_truncated_reply_falls_back(chat: FakeChat, settings: Settings) -> None:
    chat.reply("Regionen ansvarar för abstinensvård [1].", finish_reason="length")
    extractive, answer = _generate(settings)
    assert answer == extractive


def test_unreachable_endpoint_falls_back(settings: Settings) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extractive, answer = _generate(settings.with_overrides(llm_url=f"http://127.0.0.1:{port}/v1"))
    assert answer == extractive


# ── the claim check on its own ─────────────────────────────────────────────────────────


def test_claims_split_sentences_but_not_abbreviations() -> None:
    text = (
        "Regionen ansvarar t.ex. för avgiftning [1]. Kommunen ordnar boende. [2] Se även SIP [3]."
    )
    assert claims(text) == [
        "Regionen ansvarar t.ex. för avgiftning [1].",
        "Kommunen ordnar boende [2].",
        "Se även SIP [3].",
    ]


def test_lead_ins_and_headings_need_no_marker() -> None:
    text, problem = check_reply(
        "### I Värmland\nRegionen ansvarar för:\n1. abstinensvård [1]\n2. avgiftning [1]", CITED
    )
    assert problem == ""
    assert text == "I Värmland:\nRegionen ansvarar för:\n1. abstinensvård [1]\n2. avgiftning [1]"


def test_a_bare_heading_line_is_a_claim() -> None:
    # A line without a colon could be a statement; without a marker it is not accepted.
    assert check_reply("Regionen ansvarar\nför abstinensvård [1].", CITED)[0] is None
    # A closing "lead-in" introduces nothing, so it is a claim too.
    assert (
        check_reply("Regionen ansvarar för abstinensvård [1].\nKommunen ansvarar för:", CITED)[0]
        is None
    )


def _mixed() -> tuple[Citation, ...]:
    """Passages [1] Värmland, [2] Dalarna, [3] national guidance."""
    cited = _extractive(_retrieval()).citations
    return (
        cited[0],
        replace(cited[1], region="Dalarna", document_id="dalarna-test"),
        replace(cited[2], region=None, document_id="skr-test"),
    )


@pytest.mark.parametrize(
    "reply",
    [
        "I Värmland: Regionen ansvarar för abstinensvård [1].\n"
        "I Dalarna: Kommunen ansvarar för boendestöd [2].",
        "I Värmland:\n• Regionen ansvarar för abstinensvård [1].\n"
        "• Vägledningen nämner SIP [3].\nI Region Dalarna:\n• Kommunen ansvarar [2].",
        "Regionen ansvarar för abstinensvård [1]. Vägledningen kräver SIP [1] [3].",
    ],
)
def test_answers_per_region_are_accepted(reply: str) -> None:
    assert check_reply(reply, _mixed()) == (reply, "")


@pytest.mark.parametrize(
    "reply",
    [
        # one claim resting on two regions' agreements
        "Regionen ansvarar för abstinensvård [1] [2].",
        "Regionen ansvarar för abstinensvård [1, 2].",
        # a region's paragraph citing another region
        "I Värmland: Regionen ansvarar för abstinensvård [1].\nKommunen ansvarar för boende [2].",
        "I Dalarna:\n• Regionen ansvarar för abstinensvård [1].",
    ],
)
def test_blended_regions_are_rejected(reply: str) -> None:
    text, problem = check_reply(reply, _mixed())
    assert text is None
    assert "region" in problem


# ── through the ask pipeline ───────────────────────────────────────────────────────────

CORPUS = {
    "varmland-test": (
        "Värmland",
        "1. Inledning\n\nDenna överenskommelse gäller samverkan mellan Region Värmland och "
        "kommunerna i Värmlands län kring personer med skadligt bruk och beroende.\n\n"
        "2. Ansvar\n\nRegionen ansvarar för abstinensvård och avgiftning. Regionen ansvarar "
        "också för läkemedelsassisterad behandling vid opioidberoende.\n\n"
        "Kommunen ansvarar för boendestöd och sysselsättning.\n",
    ),
    "dalarna-test": (
        "Dalarna",
        "1. Syfte\n\nÖverenskommelsen ska tydliggöra ansvaret mellan Region Dalarna och "
        "kommunerna för personer med missbruk.\n\n"
        "2. Ansvar\n\nKommunen ansvarar för boende och boendestöd. Regionen ansvarar för "
        "abstinensvård på sjukhus.\n",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("generation-corpus")
    folder = root / "corpus"
    folder.mkdir()
    entries = []
    for doc_id, (region, text) in CORPUS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        entries.append(
            {
                "id": doc_id,
                "title": f"Överenskommelse för {region}",
                "region": region,
                "parties": ["Regionen", "Kommunerna"],
                "target_groups": ["missbruk och beroende"],
                "age_scope": "vuxna",
                "kind": "överenskommelse",
                "valid_from": None,
                "valid_to": None,
                "extension": None,
                "draft": False,
                "source": f"{doc_id}.txt",
            }
        )
    (folder / "catalog.json").write_text(
        json.dumps({"documents": entries}, ensure_ascii=False), encoding="utf-8"
    )
    settings = load_settings(
        {},
        corpus_dir=folder,
        index_dir=root / "index",
        data_dir=root / "data",
        chunk_size=200,
        chunk_overlap=60,
        min_support=0.0,  # the decline threshold is calibrated for the real model
    )
    fake = FakeEmbedder()
    build_index(settings, fake, progress=False)
    return load_engine(settings, embedder=fake)


def test_ask_uses_the_generated_answer_when_configured(engine: Engine, chat: FakeChat) -> None:
    plain = ask(engine, QUESTION).answer
    assert plain.status == "answered"
    assert not chat.requests  # off by default: no call without llm_url
    assert GENERATED_WARNING not in plain.warnings

    on = replace(engine, settings=engine.settings.with_overrides(llm_url=chat.url))
    chat.reply("Regionen ansvarar för abstinensvård och avgiftning [1].")
    answer = ask(on, QUESTION).answer
    assert answer.text == "Regionen ansvarar för abstinensvård och avgiftning [1]."
    assert answer.warnings[-1] == GENERATED_WARNING
    assert [c.document_id for c in answer.citations] == [c.document_id for c in plain.citations]
    assert all(c.region == "Värmland" for c in answer.citations)
    content = chat.requests[0]["body"]["messages"][1]["content"]
    assert "Regionen ansvarar för abstinensvård och avgiftning." in content
    assert "Fråga: " + QUESTION in content
    assert "model" not in chat.requests[0]["body"]  # no llm_model set

    chat.reply("Regionen ansvarar för allt, även sådant som inte står i texten.")
    fallback = ask(on, QUESTION).answer
    assert fallback.text == plain.text
    assert GENERATED_WARNING not in fallback.warnings
