"""Tests for assistant.teams: reply formatting, and the bot end to end over loopback HTTP.

The end-to-end tests run the router in a real uvicorn server and stand up a fake Microsoft
cloud on another loopback port: the signing keys (JWKS) the bot checks incoming tokens
against, the Entra token endpoint it gets its own token from, and the Bot Connector that
receives its replies. Incoming activities carry JWTs signed with a test RSA key.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from assistant.channels.teams import (
    MAX_CITATION_ABSTRACT,
    MAX_CITATION_NAME,
    MAX_CITATIONS,
    MAX_MESSAGE_BYTES_UTF16,
    MAX_TEXT_CHARS,
    Command,
    answer_reply,
    citation_name,
    clean_message_text,
    match_region,
    parse_command,
    parse_feedback,
    payload_size,
    reply_answer_id,
    shorten,
)
from assistant.errors import IndexUnavailableError
from assistant.settings import load_settings, project_root
from assistant.store import get_answer, list_feedback, open_store
from tests.channels.teams.support import (
    APP_ID,
    PUBLIC_URL,
    REGIONS,
    VARMLAND_SHORT,
    VASTMANLAND_SHORT,
    Bot,
    Cloud,
    FakeAsk,
    bot_settings,
    make_answer,
    make_app,
    make_citation,
    message,
    new_conversation,
    post,
    send,
    token,
)

# --- Unit tests: commands and formatting -----------------------------------------------


def test_clean_message_text_removes_mentions_and_markup() -> None:
    raw = "<at>Svarsassistenten</at>&nbsp;Vem kallar till <b>SIP</b>?<br>Barn &lt;18 år?\n"
    assert clean_message_text(raw) == "Vem kallar till SIP? Barn <18 år?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command("help")),
        ("hjälp", Command("help")),
        ("HJALP", Command("help")),
        ("region", Command("region", "")),
        ("region Dalarna", Command("region", "Dalarna")),
        ("/region dalarnas län", Command("region", "dalarnas län")),
        (
            "region och kommun – vem ansvarar för boendestöd?",
            Command("question", "region och kommun – vem ansvarar för boendestöd?"),
        ),
        ("Vem ansvarar för LARO?", Command("question", "Vem ansvarar för LARO?")),
    ],
)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("Dalarna", "Dalarna"),
        ("dalarnas län", "Dalarna"),
        ("VARMLAND", "Värmland"),
        ("värmland", "Värmland"),
        ("Vastmanlands lan", "Västmanland"),
        ("Region Västmanland", "Västmanland"),
        ("Karlstad", "Värmland"),  # as the API's region parameter reads it
        ("Skåne", None),
        ("Värm", None),
        ("", None),
    ],
)
def test_match_region(written: str, region: str | None) -> None:
    assert match_region(written, REGIONS) == region


def test_shorten_cuts_at_a_word_and_marks_it() -> None:
    text = "ett två tre fyra fem sex sju åtta nio tio"
    short = shorten(text, 20)
    assert len(short) <= 20
    assert short.endswith("…")
    assert text.startswith(short[:-1])
    assert shorten("kort", 20) == "kort"


def test_citation_name_has_short_title_section_and_page_within_teams_limit() -> None:
    name = citation_name(make_citation(1))
    assert len(name) <= MAX_CITATION_NAME
    assert name.startswith(VARMLAND_SHORT + " · ")
    assert "· Personer med" in name
    assert name.endswith(", s. 10")
    long_section = make_citation(1, section="Bilaga › " + "Mycket lång rubrik " * 10, page=None)
    long_name = citation_name(long_section)
    assert len(long_name) <= MAX_CITATION_NAME
    assert long_name.startswith(VARMLAND_SHORT + " · Mycket lång rubrik")
    # A citation without a short title is named by its title, cut to leave room.
    untitled = citation_name(make_citation(1, short_title=""))
    assert untitled.startswith("Överenskommelse om samverkan") and len(untitled) <= 80


def entity_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The one AI/citation entity of a reply."""
    entities = [e for e in payload.get("entities", []) if e.get("@type") == "Message"]
    assert len(entities) == 1
    return entities[0]


def test_answer_reply_carries_markers_citations_label_feedback_and_facts() -> None:
    payload = answer_reply(make_answer("Vem ansvarar?", None), PUBLIC_URL)
    text = payload["text"]
    assert "[1]" in text and "[2]" in text
    party, body, warnings, sources = text.split("\n\n")
    assert party == "**Regionen ansvarar** · Värmland"
    assert body.startswith("Regionen ansvarar för abstinensvård")
    assert warnings == "⚠️ Skiljer sig mellan regioner"
    assert sources == f"Källor: {VARMLAND_SHORT} [1] · {VASTMANLAND_SHORT} [2]"
    entity = entity_of(payload)
    assert entity["additionalType"] == ["AIGeneratedContent"]
    assert entity["@context"] == "https://schema.org"
    first, second = entity["citation"]
    assert first["@type"] == "Claim" and first["position"] == 1
    appearance = first["appearance"]
    assert appearance["@type"] == "DigitalDocument"
    assert appearance["abstract"] == make_citation(1).quote
    assert appearance["url"] == (
        PUBLIC_URL + "/dokument/varmland-psykisk-funktionsnedsattning-beroende/c001"
    )
    assert "Värmland" in appearance["keywords"]
    assert second["appearance"]["name"] == f"{VASTMANLAND_SHORT} · 5.2 Kommunens ansvar, s. 14"
    assert payload["channelData"] == {"feedbackLoop": {"type": "default"}}
    assert "feedbackLoopEnabled" not in payload["channelData"]


def test_answer_reply_keeps_at_most_ten_citations_and_drops_their_markers() -> None:
    citations = tuple(make_citation(n) for n in range(1, 15))
    text = " ".join(f"Mening {n} [{n}]." for n in range(1, 15))
    payload = answer_reply(make_answer("?", None, text=text, citations=citations), PUBLIC_URL)
    positions = [c["position"] for c in entity_of(payload)["citation"]]
    assert positions == list(range(1, MAX_CITATIONS + 1))
    assert "[10]" in payload["text"]
    assert "[11]" not in payload["text"] and "[14]" not in payload["text"]
    assert "Mening 11." in payload["text"]


def test_answer_reply_respects_teams_length_limits() -> None:
    huge = "Ett mycket långt svar med många ord och hänvisningar [1]. " * 400
    citations = tuple(
        make_citation(
            n,
            title="Å" * 300,
            section=" › ".join(["Rubrik " * 20] * 5),
            quote="Citat " * 200,
            url="/dokument/" + "x" * 3000,
        )
        for n in range(1, 13)
    )
    answer = make_answer("?", None, text=huge, citations=citations, warnings=("Varning " * 50,))
    payload = answer_reply(answer, PUBLIC_URL)
    assert len(payload["text"]) <= MAX_TEXT_CHARS
    assert payload_size(payload) <= MAX_MESSAGE_BYTES_UTF16
    claims = entity_of(payload)["citation"]
    assert 1 <= len(claims) <= MAX_CITATIONS
    for claim in claims:
        assert len(claim["appearance"]["name"]) <= MAX_CITATION_NAME
        assert len(claim["appearance"]["abstract"]) <= MAX_CITATION_ABSTRACT
        assert all(len(k) <= 28 for k in claim["appearance"]["keywords"])
    # Every marker left in the text points at a citation that is sent.
    positions = {c["position"] for c in claims}
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", payload["text"])}
    assert markers <= positions


def test_answer_reply_for_a_declined_question_shows_passages_as_not_answering() -> None:
    answer = make_answer(
        "Vem betalar parkeringen?",
        None,
        status="no_support",
        text="Överenskommelserna säger inget om det.",
        responsible=None,
        region=None,
        warnings=(),
    )
    payload = answer_reply(answer, PUBLIC_URL)
    assert payload["text"].startswith("Överenskommelserna säger inget om det.")
    assert "ansvarar**" not in payload["text"] and "Gäller" not in payload["text"]
    assert payload["text"].endswith(
        f"de besvarar inte frågan: {VARMLAND_SHORT} [1] · {VASTMANLAND_SHORT} [2]"
    )
    assert len(entity_of(payload)["citation"]) == 2


def test_answer_reply_uses_relative_base_when_absolute_urls_are_given() -> None:
    answer = make_answer("?", None, citations=(make_citation(1, url="https://x.se/d/1"),))
    claim = entity_of(answer_reply(answer, PUBLIC_URL))["citation"][0]
    assert claim["appearance"]["url"] == "https://x.se/d/1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {
                "actionName": "feedback",
                "actionValue": {"reaction": "like", "feedback": '{"feedbackText":"Bra!"}'},
            },
            ("up", "Bra!"),
        ),
        (
            {"actionName": "feedback", "actionValue": {"reaction": "dislike", "feedback": ""}},
            ("down", None),
        ),
        (
            {"actionName": "feedback", "actionValue": {"reaction": "dislike", "feedback": "fel"}},
            ("down", "fel"),
        ),
        ({"actionName": "feedback", "actionValue": {"reaction": "meh"}}, None),
        ({"actionName": "other", "actionValue": {"reaction": "like"}}, None),
        ("nonsense", None),
    ],
)
def test_parse_feedback(value: object, expected: tuple[str, str | None] | None) -> None:
    assert parse_feedback(value) == expected


@pytest.fixture(scope="module")
def bot(cloud: Cloud, serve: Any, tmp_path_factory: pytest.TempPathFactory) -> Bot:
    settings = bot_settings(cloud, public_url=PUBLIC_URL)
    store = open_store(tmp_path_factory.mktemp("teams") / "store.sqlite3")
    ask = FakeAsk()
    return Bot(serve(make_app(settings, ask, store)), ask, store, settings)


# --- End-to-end tests ----------------------------------------------------------------------


@pytest.mark.slow
def test_message_is_answered_with_citation_entity_and_real_bearer_token(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    activity = message(cloud, conversation, "Vem ansvarar för abstinensvård i Värmland?")
    response = send(bot, cloud, signing_key, activity)
    assert response.status_code == 202
    assert bot.ask.calls[-1] == ("Vem ansvarar för abstinensvård i Värmland?", None)

    (reply,) = cloud.replies(conversation)
    # The reply goes to the activity it answers, with a token from the token endpoint.
    assert reply["reply_to"] == activity["id"]
    assert reply["authorization"] in {f"Bearer {t}" for t in cloud.issued}
    body = reply["body"]
    assert body["replyToId"] == activity["id"]
    assert body["conversation"]["id"] == conversation
    assert body["recipient"]["id"] == activity["from"]["id"]
    assert "[1]" in body["text"] and "[2]" in body["text"]
    assert body["text"].startswith("**Regionen ansvarar** · Värmland\n\n")
    assert "\n\n⚠️ Skiljer sig mellan regioner\n\n" in body["text"]
    assert "Ange region" not in body["text"]  # the detail is not repeated
    (entity,) = [e for e in body["entities"] if e.get("@type") == "Message"]
    assert entity["additionalType"] == ["AIGeneratedContent"]
    assert [c["position"] for c in entity["citation"]] == [1, 2]
    appearance = entity["citation"][0]["appearance"]
    assert appearance["url"].startswith(PUBLIC_URL + "/dokument/")
    assert appearance["abstract"] == make_citation(1).quote
    assert body["channelData"]["feedbackLoop"] == {"type": "default"}

    # The answer is stored (for feedback) under the id Teams will rate it by.
    reply_id = f"reply-{cloud.posts.index(reply) + 1}"
    stored = get_answer(bot.store, reply_answer_id(conversation, reply_id))
    assert stored.channel == "teams"
    assert stored.status == "answered" and stored.responsible == "region"
    assert json.loads(stored.citations_json)[0]["n"] == 1


@pytest.mark.slow
def test_outgoing_token_is_fetched_once_and_reused(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem kallar till SIP?"))
    before = len(cloud.token_requests)
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för LARO?"))
    assert len(cloud.token_requests) == before
    assert before >= 1
    assert all(
        r["authorization"] == f"Bearer {cloud.issued[0]}" for r in cloud.replies(conversation)
    )


BAD_TOKENS = {
    "missing": lambda key, url: None,
    "unsigned": lambda key, url: token(key, url, algorithm="none"),
    "forged": lambda key, url: token(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), url
    ),
    "wrong_audience": lambda key, url: token(key, url, aud="00000000-0000-0000-0000-000000000000"),
    "expired": lambda key, url: token(
        key, url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200
    ),
    "no_expiry": lambda key, url: token(key, url, exp=None),
    "wrong_issuer": lambda key, url: token(key, url, iss="https://evil.example.com"),
    "wrong_serviceurl": lambda key, url: token(key, "https://smba.trafficmanager.net/emea/"),
    "no_serviceurl": lambda key, url: token(key, url, serviceurl=None),
    "garbage": lambda key, url: "not.a.jwt",
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_are_rejected_with_401(
    case: str, bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    activity = message(cloud, conversation, "Vem ansvarar för abstinensvård?")
    calls = len(bot.ask.calls)
    response = post(bot.url, activity, BAD_TOKENS[case](signing_key, activity["serviceUrl"]))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert len(bot.ask.calls) == calls
    assert cloud.replies(conversation) == []


@pytest.mark.slow
def test_feedback_invoke_is_stored_with_the_answer_it_rates(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för boendestöd?"))
    (reply,) = cloud.replies(conversation)
    reply_id = f"reply-{cloud.posts.index(reply) + 1}"
    invoke = message(
        cloud,
        conversation,
        "",
        type="invoke",
        name="message/submitAction",
        replyToId=reply_id,
        value={
            "actionName": "feedback",
            "actionValue": {
                "reaction": "dislike",
                "feedback": json.dumps({"feedbackText": "Fel avsnitt, ring mig 070-123 45 67"}),
            },
        },
    )
    del invoke["text"]
    response = send(bot, cloud, signing_key, invoke)
    assert response.status_code == 200
    (feedback,) = list_feedback(bot.store, reply_answer_id(conversation, reply_id))
    assert feedback.rating == "down"
    assert feedback.channel == "teams"
    assert feedback.comment is not None and feedback.comment.startswith("Fel avsnitt")
    assert "070-123 45 67" not in feedback.comment

    # Feedback on a message that is not a stored answer is acknowledged, not stored.
    unknown = dict(invoke, replyToId="no-such-message", id="1718009999999")
    assert send(bot, cloud, signing_key, unknown).status_code == 200
    assert list_feedback(bot.store, reply_answer_id(conversation, "no-such-message")) == []


@pytest.mark.slow
def test_region_command_is_remembered_for_the_conversation(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    other = new_conversation()

    send(bot, cloud, signing_key, message(cloud, conversation, "region dalarna"))
    assert "**Dalarnas**" in cloud.replies(conversation)[-1]["body"]["text"]

    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för LARO?"))
    assert bot.ask.calls[-1] == ("Vem ansvarar för LARO?", "Dalarna")
    assert cloud.replies(conversation)[-1]["body"]["text"].startswith(
        "**Regionen ansvarar** · Dalarna (vald i samtalet)\n\n"
    )

    # A region named in the question beats the remembered one.
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för LARO i Värmland?"))
    assert bot.ask.calls[-1] == ("Vem ansvarar för LARO i Värmland?", None)

    # Another conversation is not affected.
    send(bot, cloud, signing_key, message(cloud, other, "Vem ansvarar för LARO?"))
    assert bot.ask.calls[-1] == ("Vem ansvarar för LARO?", None)

    send(bot, cloud, signing_key, message(cloud, conversation, "region Skåne"))
    unknown = cloud.replies(conversation)[-1]["body"]["text"]
    assert "Skåne" in unknown and "Dalarna, Värmland och Västmanland" in unknown

    send(bot, cloud, signing_key, message(cloud, conversation, "Region alla"))
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för LARO?"))
    assert bot.ask.calls[-1] == ("Vem ansvarar för LARO?", None)


@pytest.mark.slow
def test_a_municipality_in_the_question_beats_the_remembered_region(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    send(bot, cloud, signing_key, message(cloud, conversation, "region Dalarna"))
    # Karlstad is in Värmland: the question's own place decides, not the conversation's.
    question = "Vem ansvarar för LARO i Karlstad?"
    send(bot, cloud, signing_key, message(cloud, conversation, question))
    assert bot.ask.calls[-1] == (question, None)
    assert "(vald i samtalet)" not in cloud.replies(conversation)[-1]["body"]["text"]
    # A place without an agreement decides too: the question is not answered for Dalarna.
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar i Malmö?"))
    assert bot.ask.calls[-1] == ("Vem ansvarar i Malmö?", None)
    send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för LARO?"))
    assert bot.ask.calls[-1] == ("Vem ansvarar för LARO?", "Dalarna")


@pytest.mark.slow
def test_help_explains_usage_and_lists_regions(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    calls = len(bot.ask.calls)
    send(bot, cloud, signing_key, message(cloud, conversation, "<at>Svarsassistenten</at> hjälp"))
    (reply,) = cloud.replies(conversation)
    text = reply["body"]["text"]
    assert "region alla" in text and "Dalarna, Värmland och Västmanland" in text
    assert "entities" not in reply["body"] or not any(
        e.get("@type") == "Message" for e in reply["body"]["entities"]
    )
    assert len(bot.ask.calls) == calls


@pytest.mark.slow
def test_welcome_when_the_bot_is_added_only(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    added = message(
        cloud,
        conversation,
        "",
        type="conversationUpdate",
        membersAdded=[{"id": f"28:{APP_ID}"}],
    )
    del added["text"]
    assert send(bot, cloud, signing_key, added).status_code == 202
    (welcome,) = cloud.replies(conversation)
    assert welcome["body"]["text"].startswith("Hej! Jag svarar på frågor")

    someone = dict(added, id="1718000099999", membersAdded=[{"id": "29:someone-else"}])
    send(bot, cloud, signing_key, someone)
    assert len(cloud.replies(conversation)) == 1


@pytest.mark.slow
def test_ask_path_errors_reach_the_user_in_swedish(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    conversation = new_conversation()
    bot.ask.error = IndexUnavailableError("Indexet laddas, försök igen om en stund.")
    try:
        send(bot, cloud, signing_key, message(cloud, conversation, "Vem ansvarar för SIP?"))
    finally:
        bot.ask.error = None
    (reply,) = cloud.replies(conversation)
    assert reply["body"]["text"] == "Indexet laddas, försök igen om en stund."


@pytest.mark.slow
def test_bad_bodies_with_a_valid_token_are_input_errors(
    bot: Bot, cloud: Cloud, signing_key: rsa.RSAPrivateKey
) -> None:
    service_url = f"{cloud.url}/"
    good = token(signing_key, service_url)
    no_conversation = {"type": "message", "serviceUrl": service_url, "text": "hej"}
    assert post(bot.url, no_conversation, good).status_code == 422
    response = httpx.post(
        f"{bot.url}/api/messages",
        content=b"{not json",
        headers={"Authorization": f"Bearer {good}", "Content-Type": "application/json"},
    )
    # The token is good, so the caller learns that its body is no JSON.
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


@pytest.mark.slow
def test_anonymous_mode_only_without_app_id_and_only_for_loopback(
    cloud: Cloud, serve: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(environ={}, teams_app_id="", teams_token_url=f"{cloud.url}/token")
    ask = FakeAsk()
    with caplog.at_level(logging.WARNING, logger="assistant.teams"):
        url = serve(make_app(settings, ask, open_store(tmp_path / "anon.sqlite3")))
    assert any("ANONYMT UTVECKLINGSLÄGE" in r.getMessage() for r in caplog.records)

    conversation = new_conversation()
    requests_before = len(cloud.token_requests)
    response = post(url, message(cloud, conversation, "Vem ansvarar för LARO?"), None)
    assert response.status_code == 202
    (reply,) = cloud.replies(conversation)
    assert reply["authorization"] is None
    assert len(cloud.token_requests) == requests_before
    # With no base URL configured, links point at the server that was asked.
    link = next(e for e in reply["body"]["entities"] if e.get("@type") == "Message")
    assert link["citation"][0]["appearance"]["url"].startswith(url + "/dokument/")

    remote = message(cloud, new_conversation(), "Vem?", serviceUrl="https://smba.example.net/")
    assert post(url, remote, None).status_code == 401


# --- The deployment kit ---------------------------------------------------------------------

KIT = project_root() / "teams"


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of an 8-bit RGBA, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    assert (depth, color_type) == (8, 6)
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = [raw[r * stride : (r + 1) * stride] for r in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter "none", as icons.py writes them
    return width, height, [row[1:] for row in rows]


def test_manifest_template_is_complete_and_within_teams_limits() -> None:
    text = (KIT / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert manifest["manifestVersion"] == "1.19"
    assert manifest["id"] == "{{APP_ID}}"
    (bot_entry,) = manifest["bots"]
    assert bot_entry["botId"] == "{{APP_ID}}"
    assert set(bot_entry["scopes"]) <= {"personal", "team", "groupChat"}
    assert "{{HOST}}" in manifest["validDomains"]
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    for command in bot_entry["commandLists"][0]["commands"]:
        assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert set(re.findall(r"\{\{(\w+)\}\}", text)) == {
        "APP_ID",
        "HOST",
        "ORGANISATION",
        "PRIVACY_URL",
        "TERMS_URL",
    }
    assert (KIT / manifest["icons"]["color"]).exists()
    assert (KIT / manifest["icons"]["outline"]).exists()


def test_icons_have_the_sizes_and_colours_teams_requires() -> None:
    width, height, rows = read_png(KIT / "color.png")
    assert (width, height) == (192, 192)
    width, height, rows = read_png(KIT / "outline.png")
    assert (width, height) == (32, 32)
    pixels = [row[i : i + 4] for row in rows for i in range(0, len(row), 4)]
    # White on transparent: every pixel is white, and the background is see-through.
    assert all(p[:3] == b"\xff\xff\xff" for p in pixels)
    alphas = [p[3] for p in pixels]
    assert alphas[0] == 0 and max(alphas) == 255
    assert 0.2 < sum(a > 0 for a in alphas) / len(alphas) < 0.8
