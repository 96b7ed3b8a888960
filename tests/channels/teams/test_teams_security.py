"""Tests for the Teams endpoint's defences (issue 16): who may use the anonymous mode, the
rate limit, malformed and cut-off bodies, what the SDK may log, and escaping echoed text.

The peer-address rule is tested in process through the ASGI scope's client address
(httpx's ASGITransport sets it), so no traffic leaves loopback; everything else about HTTP
runs through a real uvicorn server on loopback.
"""

from __future__ import annotations

import logging
import socket
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ValidationError

from assistant.channels.http.app import create_app
from assistant.channels.teams import (
    anonymous_allowed,
    escape_markdown,
    quiet_sdk_logs,
    region_unknown_text,
)
from assistant.store import open_store
from tests.channels.dockerfile import image_settings
from tests.channels.teams.support import (
    APP_ID,
    LOOPBACK,
    REGIONS,
    REMOTE,
    Cloud,
    FakeAsk,
    anonymous_settings,
    bot_settings,
    expect_replies,
    make_app,
    message,
    new_conversation,
    post,
    post_as,
    reply_texts,
    token,
)

QUESTION = "Vem ansvarar för LARO i Värmland?"
PERSONNUMMER = "19811218-9876"
EVIL = "[Klicka_här](https://evil.example/login)"


# --- 1. Who may use the anonymous mode -------------------------------------------------

# (case, settings changes, peer, headers, allowed)
PEER_RULE = [
    ("loopback caller, loopback server", {}, LOOPBACK, {}, True),
    ("IPv6 loopback caller", {}, ("::1", 50123), {}, True),
    ("IPv4-mapped loopback caller", {}, ("::ffff:127.0.0.1", 50123), {}, True),
    ("other 127/8 caller", {}, ("127.0.0.2", 50123), {}, True),
    ("remote caller", {}, REMOTE, {}, False),
    ("private-network caller", {}, ("10.0.0.5", 50123), {}, False),
    ("remote caller claiming loopback", {}, REMOTE, {"X-Forwarded-For": "127.0.0.1"}, False),
    ("remote caller through a local proxy", {}, LOOPBACK, {"X-Forwarded-For": "198.51.100.4"},
     False),
    ("local proxy, Forwarded header", {}, LOOPBACK, {"Forwarded": "for=198.51.100.4"}, False),
    ("local proxy, X-Real-IP header", {}, LOOPBACK, {"X-Real-IP": "198.51.100.4"}, False),
    ("no peer address", {}, None, {}, False),
    ("named peer", {}, ("testclient", 50000), {}, False),
    ("server on all interfaces (Docker)", {"host": "0.0.0.0"}, LOOPBACK, {}, False),
    ("server on a LAN address", {"host": "192.168.1.20"}, LOOPBACK, {}, False),
    ("Docker with ASSISTANT_TEAMS_ANONYMOUS=1", {"host": "0.0.0.0", "teams_anonymous": True},
     LOOPBACK, {}, True),
    ("Docker with the flag, caller on the bridge",
     {"host": "0.0.0.0", "teams_anonymous": True}, ("172.17.0.1", 50123), {}, False),
    ("the flag does not open it to remote callers", {"teams_anonymous": True}, REMOTE, {},
     False),
    ("server on localhost", {"host": "localhost"}, LOOPBACK, {}, True),
    ("server on ::1", {"host": "::1"}, LOOPBACK, {}, True),
]


@pytest.mark.parametrize(
    ("changes", "peer", "headers", "allowed"),
    [case[1:] for case in PEER_RULE],
    ids=[case[0] for case in PEER_RULE],
)
def test_anonymous_mode_is_for_loopback_callers_only(
    changes: dict[str, Any],
    peer: tuple[str, int] | None,
    headers: dict[str, str],
    allowed: bool,
    cloud: Cloud,
    tmp_path: Path,
) -> None:
    settings = anonymous_settings(**changes)
    ask = FakeAsk()
    app = make_app(settings, ask, open_store(tmp_path / "store.sqlite3"))
    # The body says it comes from a local emulator; only the peer address may decide.
    response = post_as(app, peer, expect_replies(cloud, QUESTION), headers)
    if allowed:
        assert response.status_code == 200
        assert ask.calls == [(QUESTION, None)]
        assert any("[1]" in text for text in reply_texts(response))
    else:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert ask.calls == []


@pytest.mark.parametrize(
    ("changes", "peer", "headers", "allowed"),
    [case[1:] for case in PEER_RULE],
    ids=[case[0] for case in PEER_RULE],
)
def test_anonymous_allowed_is_the_documented_rule(
    changes: dict[str, Any], peer: tuple[str, int] | None, headers: dict[str, str], allowed: bool
) -> None:
    scope = {
        "type": "http",
        "client": peer,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    assert anonymous_allowed(anonymous_settings(**changes), scope) is allowed
    # With an app id there is no anonymous mode at all, from anywhere.
    with_app_id = anonymous_settings(**changes).with_overrides(teams_app_id=APP_ID)
    assert anonymous_allowed(with_app_id, scope) is False


def test_an_app_id_turns_the_anonymous_mode_off_even_for_loopback(
    cloud: Cloud, tmp_path: Path
) -> None:
    settings = anonymous_settings(teams_app_id=APP_ID, teams_jwks_url=f"{cloud.url}/keys")
    ask = FakeAsk()
    app = make_app(settings, ask, open_store(tmp_path / "store.sqlite3"))
    response = post_as(app, LOOPBACK, expect_replies(cloud, QUESTION))
    assert response.status_code == 401
    assert ask.calls == []


def test_anonymous_replies_go_to_a_loopback_service_url_only(
    cloud: Cloud, tmp_path: Path
) -> None:
    ask = FakeAsk()
    app = make_app(anonymous_settings(), ask, open_store(tmp_path / "store.sqlite3"))
    remote = message(cloud, new_conversation(), "Vem?", serviceUrl="https://smba.example.net/")
    response = post_as(app, LOOPBACK, remote)
    assert response.status_code == 401
    assert ask.calls == []


@pytest.mark.parametrize(
    ("environ", "peer", "allowed"),
    [
        ({}, LOOPBACK, False),
        ({}, REMOTE, False),
        ({"ASSISTANT_TEAMS_ANONYMOUS": "1"}, LOOPBACK, True),
        ({"ASSISTANT_TEAMS_ANONYMOUS": "1"}, ("172.17.0.1", 50123), False),
        ({"ASSISTANT_TEAMS_APP_ID": APP_ID, "ASSISTANT_TEAMS_ANONYMOUS": "1"}, LOOPBACK, False),
    ],
)
def test_the_docker_image_refuses_anonymous_teams_unless_told(
    environ: dict[str, str], peer: tuple[str, int], allowed: bool
) -> None:
    settings = image_settings(**environ)
    assert settings.host == "0.0.0.0"
    assert anonymous_allowed(settings, {"type": "http", "client": peer, "headers": []}) is allowed


def test_start_up_says_when_the_endpoint_refuses_everyone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.teams"):
        make_app(anonymous_settings(host="0.0.0.0"), FakeAsk(), open_store(tmp_path / "a"))
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "ASSISTANT_TEAMS_ANONYMOUS" in text and "ASSISTANT_TEAMS_APP_ID" in text
    assert "ANONYMT UTVECKLINGSLÄGE" not in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),
        ({"X-Forwarded-For": "198.51.100.4"}, 401),
        ({"X-Forwarded-For": "127.0.0.1"}, 401),
        ({"Forwarded": "for=127.0.0.1"}, 401),
    ],
)
def test_anonymous_mode_over_http_refuses_what_a_proxy_forwarded(
    headers: dict[str, str], status: int, cloud: Cloud, serve: Any, tmp_path: Path
) -> None:
    ask = FakeAsk()
    url = serve(make_app(anonymous_settings(), ask, open_store(tmp_path / "store.sqlite3")))
    response = httpx.post(
        f"{url}/api/messages", json=expect_replies(cloud, QUESTION), headers=headers, timeout=30
    )
    assert response.status_code == status
    assert len(ask.calls) == (1 if status == 200 else 0)


@pytest.mark.slow
def test_anonymous_mode_is_rate_limited_over_http(
    cloud: Cloud, serve: Any, tmp_path: Path
) -> None:
    ask = FakeAsk()
    settings = anonymous_settings(rate_limit_per_minute=2)
    url = serve(make_app(settings, ask, open_store(tmp_path / "store.sqlite3")))
    statuses = [post(url, expect_replies(cloud, QUESTION), None) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    refused = statuses[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(ask.calls) == 2


@pytest.mark.slow
def test_teams_users_are_rate_limited_one_by_one(
    cloud: Cloud, serve: Any, signing_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    settings = bot_settings(cloud, rate_limit_per_minute=2)
    ask = FakeAsk()
    url = serve(make_app(settings, ask, open_store(tmp_path / "store.sqlite3")))

    def send_as(user: str) -> int:
        activity = message(cloud, new_conversation(), QUESTION)
        activity["from"] = {"id": f"29:{user}", "aadObjectId": f"aad-{user}"}
        return post(url, activity, token(signing_key, activity["serviceUrl"])).status_code

    # Every Teams user comes through the Bot Connector's few addresses: the limit is per user.
    assert [send_as("kim") for _ in range(3)] == [202, 202, 429]
    assert send_as("alex") == 202
    assert len(ask.calls) == 3


# --- 3. Malformed and cut-off bodies ---------------------------------------------------

DEEP = 30_000  # as the probe sent it; 60 kB of brackets, within the body limit
DEEP_OBJECTS = 10_000  # '{"a":' is five bytes: as deep as the body limit allows
# (case, body) — raw bytes as a client might send them.
MALFORMED = [
    ("arrays nested 30,000 deep", b"[" * DEEP + b"]" * DEEP),
    ("objects nested 10,000 deep", b'{"a":' * DEEP_OBJECTS + b"1" + b"}" * DEEP_OBJECTS),
    ("a deep value inside an activity",
     b'{"type":"message","value":' + b"[" * DEEP + b"]" * DEEP + b"}"),
    ("an activity nested 200 deep", b'{"type":"message","value":' + b"[" * 200 + b"]" * 200
     + b',"serviceUrl":"http://127.0.0.1:9/","conversation":{"id":"c"}}'),
    ("not JSON", b"{not json"),
    ("invalid UTF-8", b'{"type":"message","text":"\xff\xfe"}'),
    ("empty", b""),
]


@pytest.fixture
def real_app_url(serve: Any, tmp_path: Path) -> Iterator[str]:
    """The whole app (middleware, error handlers, metrics) on loopback, anonymous mode."""
    settings = anonymous_settings(data_dir=tmp_path / "data")
    yield serve(create_app(settings))


def server_errors(url: str) -> list[str]:
    """The request-metric lines with a 5xx status."""
    metrics = httpx.get(f"{url}/metrics", timeout=10).text
    return [
        line
        for line in metrics.splitlines()
        if line.startswith("assistant_http_requests") and 'status="5' in line
    ]


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records at ERROR or above, and any record carrying a traceback."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info or r.exc_text
    ]


@pytest.mark.slow
@pytest.mark.parametrize("body", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_are_400_in_the_error_shape_without_tracebacks(
    body: bytes, real_app_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = httpx.post(
            f"{real_app_url}/api/messages",
            content=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
    assert response.status_code in (400, 422), response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert problems(caplog) == []
    assert server_errors(real_app_url) == []


@pytest.mark.slow
def test_a_client_gone_mid_body_leaves_no_500_and_no_traceback(
    real_app_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    parts = urlsplit(real_app_url)
    head = (
        "POST /api/messages HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 5000\r\n\r\n"
    )
    with caplog.at_level(logging.INFO):
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            sock.sendall(head.encode() + b'{"type": "message", "text": "Vem an')
            time.sleep(0.2)
        deadline = time.monotonic() + 10
        while "/api/messages" not in httpx.get(f"{real_app_url}/metrics").text:
            assert time.monotonic() < deadline, "the request was never counted"
            time.sleep(0.05)
    assert problems(caplog) == []
    assert server_errors(real_app_url) == []


# Invokes the bot does not handle. The SDK answers them 501, and fails with a 500 on its own
# error response for an adaptive-card action with a bad value.
UNHANDLED_INVOKES = [
    ("unknown name", {"name": "foo/bar"}),
    ("no name", {}),
    ("adaptive-card action with a bad value", {"name": "adaptiveCard/action", "value": {"x": 1}}),
    ("adaptive-card action without a value", {"name": "adaptiveCard/action"}),
    ("sign-in", {"name": "signin/verifyState", "value": {"state": "1"}}),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "changes", [c[1] for c in UNHANDLED_INVOKES], ids=[c[0] for c in UNHANDLED_INVOKES]
)
def test_unhandled_invokes_are_400_not_5xx(
    changes: dict[str, Any], cloud: Cloud, real_app_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    invoke = message(cloud, new_conversation(), "", type="invoke", **changes)
    del invoke["text"]
    with caplog.at_level(logging.INFO):
        response = post(real_app_url, invoke, None)
    assert response.status_code == 400
    assert problems(caplog) == []
    assert server_errors(real_app_url) == []


def test_an_over_long_question_is_refused_without_asking(cloud: Cloud, tmp_path: Path) -> None:
    ask = FakeAsk()
    app = make_app(anonymous_settings(), ask, open_store(tmp_path / "store.sqlite3"))
    question = "Vem ansvarar för boendestöd när " + "x" * 1000
    response = post_as(app, LOOPBACK, expect_replies(cloud, question))
    assert response.status_code == 200
    (text,) = reply_texts(response)
    assert "för lång" in text and "1000" in text
    assert ask.calls == []
    exactly = post_as(app, LOOPBACK, expect_replies(cloud, "V" * 1000))
    assert exactly.status_code == 200 and ask.calls == [("V" * 1000, None)]


# --- 6. No question text in the SDK's logs -----------------------------------------------

# Activities the SDK's validation rejects, each carrying the question (and a personnummer).
CARRYING_TEXT = [
    ("text as an object", {"text": {"fråga": f"{QUESTION} {PERSONNUMMER}"}}),
    ("conversation as text", {"conversation": f"{QUESTION} {PERSONNUMMER}"}),
    ("recipient as a list", {"recipient": [QUESTION, PERSONNUMMER]}),
    ("text as a list", {"text": [QUESTION, PERSONNUMMER]}),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "changes", [c[1] for c in CARRYING_TEXT], ids=[c[0] for c in CARRYING_TEXT]
)
def test_invalid_activities_leave_no_question_text_in_the_logs(
    changes: dict[str, Any], cloud: Cloud, real_app_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    activity = message(cloud, new_conversation(), "x")
    activity.update(changes)
    with caplog.at_level(logging.DEBUG):
        response = post(real_app_url, activity, None)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for record in caplog.records:
        logged = handler.format(record)
        assert "LARO" not in logged and PERSONNUMMER not in logged, record.name
    assert problems(caplog) == []


class _Shape(BaseModel):
    text: str


def test_sdk_records_with_validation_errors_lose_their_input(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quiet_sdk_logs()
    with pytest.raises(ValidationError) as caught:
        _Shape.model_validate({"text": {"fråga": QUESTION}})
    sdk_logger = logging.getLogger("microsoft_agents.activity.activity")
    with caplog.at_level(logging.DEBUG):
        sdk_logger.error("Validation error for Activity: %s", caught.value, exc_info=caught.value)
        sdk_logger.error(caught.value)
        sdk_logger.warning("Ett vanligt meddelande %s", "utan fel")
    first, second, plain = caplog.records
    for record in (first, second):
        assert "LARO" not in record.getMessage()
        assert record.exc_info is None and record.exc_text is None
        assert record.levelno == logging.INFO
        assert "text" in record.getMessage() and "string_type" in record.getMessage()
    assert plain.getMessage() == "Ett vanligt meddelande utan fel"
    assert plain.levelno == logging.WARNING


# --- 7. The user's text is escaped where it is echoed ---------------------------------------

ESCAPES = [
    (EVIL, r"\[Klicka\_här\]\(https\:\/\/evil\.example\/login\)"),
    ("**fet** _kursiv_ `kod`", r"\*\*fet\*\* \_kursiv\_ \`kod\`"),
    ("<b>html</b> &amp;", r"\<b\>html\<\/b\> \&amp\;"),
    ("# rubrik", r"\# rubrik"),
    ("www.evil.example", r"www\.evil\.example"),
    ("anna@kommun.se", r"anna\@kommun\.se"),
    ("a\\b", r"a\\b"),
    ("Värmland", "Värmland"),
    ("Dalarnas län", "Dalarnas län"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "escaped"), ESCAPES)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_escape_markdown_escapes_every_ascii_punctuation_character() -> None:
    # CommonMark lets a backslash escape exactly these; escaped, none of them means anything.
    assert escape_markdown(string.punctuation) == "".join("\\" + c for c in string.punctuation)


@pytest.mark.parametrize(("text", "escaped"), ESCAPES[:6])
def test_unknown_region_echo_is_escaped(text: str, escaped: str) -> None:
    reply = region_unknown_text(text, REGIONS, None)
    assert f"”{escaped}”" in reply


def test_a_link_in_a_region_command_is_not_echoed_as_a_link(
    cloud: Cloud, tmp_path: Path
) -> None:
    app = make_app(anonymous_settings(), FakeAsk(), open_store(tmp_path / "store.sqlite3"))
    response = post_as(app, LOOPBACK, expect_replies(cloud, f"region {EVIL}"))
    assert response.status_code == 200
    (text,) = reply_texts(response)
    assert "](https://" not in text and "[Klicka_här]" not in text
    assert r"\[Klicka\_här\]\(https\:\/\/evil\.example\/login\)" in text
