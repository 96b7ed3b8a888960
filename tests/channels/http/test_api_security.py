"""API keys, the widget's keyless access, the admin key, rate limits, CORS and body limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

from assistant.channels.http import create_app
from assistant.channels.http.security import (
    RateLimiter,
    check_admin_key,
    from_allowed_browser,
    key_identity,
    key_matches,
)
from assistant.errors import AuthError, SettingsError
from assistant.pipeline import Engine
from assistant.settings import Settings, load_settings
from tests.channels.http.support import (
    QUESTION,
    assert_error,
)

KEY_A = "nyckel-for-journalsystemet-1"
KEY_B = "nyckel-for-intranatets-sok-2"
ADMIN = "administratorens-hemliga-nyckel"
WIDGET_ORIGIN = "https://intranat.kommun.se"
OTHER_ORIGIN = "https://annan.example.com"
ASK = {"question": QUESTION}


def make_client(engine: Engine, base: Settings, **changes: Any) -> TestClient:
    return TestClient(create_app(base.with_overrides(**changes), engine=engine))


@pytest.fixture
def keyed(built: tuple[Settings, Engine], settings: Settings) -> Iterator[TestClient]:
    with make_client(
        built[1], settings, api_keys=(KEY_A, KEY_B), cors_origins=(WIDGET_ORIGIN,)
    ) as client:
        yield client


# ── keys ──────────────────────────────────────────────────────────────────────────────


def test_key_matches_any_configured_key_and_nothing_else() -> None:
    keys = (KEY_A, KEY_B)
    assert key_matches(KEY_A, keys) and key_matches(KEY_B, keys)
    assert not key_matches(KEY_A[:-1], keys)
    assert not key_matches(KEY_A + "x", keys)
    assert not key_matches("", keys)
    assert not key_matches(KEY_A, ())
    assert not key_matches("\udcff", keys)  # a lone surrogate in a header is no crash
    assert key_identity(KEY_A) != key_identity(KEY_B)
    assert KEY_A not in key_identity(KEY_A)


def test_without_configured_keys_no_key_is_needed(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with make_client(built[1], settings) as client:
        assert client.post("/v1/ask", json=ASK).status_code == 200
        # A key sent anyway is ignored, not an error.
        assert client.post("/v1/ask", json=ASK, headers={"X-API-Key": "vad-som-helst"}).json()


def test_with_keys_every_v1_route_needs_one(keyed: TestClient) -> None:
    message = assert_error(keyed.post("/v1/ask", json=ASK), 401, "unauthorized", "X-API-Key")
    assert "nyckel" in message
    assert_error(keyed.post("/v1/ask/stream", json=ASK), 401, "unauthorized")
    assert_error(keyed.get("/v1/documents"), 401, "unauthorized")
    assert_error(
        keyed.post("/v1/answers/x/feedback", json={"rating": "up"}), 401, "unauthorized"
    )
    assert_error(
        keyed.post("/v1/ask", json=ASK, headers={"X-API-Key": KEY_A + "fel"}), 401,
        "unauthorized", "ogiltig",
    )
    for key in (KEY_A, KEY_B):
        headers = {"X-API-Key": key}
        body = keyed.post("/v1/ask", json=ASK, headers=headers).json()
        assert body["status"] == "answered"
        feedback = keyed.post(
            f"/v1/answers/{body['answer_id']}/feedback", json={"rating": "up"}, headers=headers
        )
        assert feedback.status_code == 201
        assert keyed.get("/v1/documents", headers=headers).status_code == 200


def test_probes_pages_and_widget_need_no_key(keyed: TestClient) -> None:
    paths = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/", "/dokument/varmland-test")
    for path in paths:
        assert keyed.get(path).status_code == 200, path


def test_a_refused_request_is_refused_before_its_body_is_read(keyed: TestClient) -> None:
    headers = {"content-type": "application/json"}
    assert_error(keyed.post("/v1/ask", content=b'{"question": ', headers=headers), 401,
                 "unauthorized")
    huge = b'{"question": "' + b"a" * 200_000 + b'"}'
    assert_error(keyed.post("/v1/ask", content=huge, headers=headers), 401, "unauthorized")
    authorised = {**headers, "X-API-Key": KEY_A}
    assert_error(keyed.post("/v1/ask", content=huge, headers=authorised), 413,
                 "payload_too_large")


# ── the widget: browsers on an allowed origin or on our own pages ─────────────────────


def test_widget_on_an_allowed_origin_needs_no_key(keyed: TestClient) -> None:
    response = keyed.post("/v1/ask/stream", json=ASK, headers={"Origin": WIDGET_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WIDGET_ORIGIN
    assert keyed.get("/v1/documents", headers={"Origin": WIDGET_ORIGIN}).status_code == 200
    refused = keyed.post("/v1/ask", json=ASK, headers={"Origin": OTHER_ORIGIN})
    assert_error(refused, 401, "unauthorized")
    # A wrong key is refused even from the widget's origin.
    wrong = keyed.post("/v1/ask", json=ASK, headers={"Origin": WIDGET_ORIGIN, "X-API-Key": "x"})
    assert_error(wrong, 401, "unauthorized")


def test_the_services_own_chat_page_needs_no_key(keyed: TestClient) -> None:
    # POSTs from the page carry Origin; its GETs only Sec-Fetch-Site.
    own = keyed.post("/v1/ask", json=ASK, headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    same = keyed.get("/v1/documents", headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
    cross = keyed.get("/v1/documents", headers={"Sec-Fetch-Site": "cross-site"})
    assert_error(cross, 401, "unauthorized")


def test_keyless_browsers_can_be_turned_off(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with make_client(
        built[1], settings, api_keys=(KEY_A,), cors_origins=(WIDGET_ORIGIN,),
        keyless_browsers=False,
    ) as client:
        response = client.post("/v1/ask", json=ASK, headers={"Origin": WIDGET_ORIGIN})
        assert_error(response, 401, "unauthorized")
        keyed = client.post(
            "/v1/ask", json=ASK, headers={"Origin": WIDGET_ORIGIN, "X-API-Key": KEY_A}
        )
        assert keyed.status_code == 200


def test_a_wildcard_origin_list_lets_no_site_skip_the_key(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    config = settings.with_overrides(api_keys=(KEY_A,), cors_origins=("*",))
    scope = {"type": "http", "scheme": "http"}
    headers = Headers({"origin": OTHER_ORIGIN, "host": "tjanst.kommun.se"})
    assert not from_allowed_browser(scope, headers, config)
    # Origin and Host agreeing proves nothing (DNS rebinding): only the public URL counts.
    rebound = Headers({"origin": "http://tjanst.kommun.se", "host": "tjanst.kommun.se"})
    assert not from_allowed_browser(scope, rebound, config)
    public = config.with_overrides(public_url="https://fragor.kommun.se/assistent/")
    behind_proxy = Headers({"origin": "https://fragor.kommun.se", "host": "10.0.0.5:8000"})
    assert from_allowed_browser(scope, behind_proxy, public)
    with make_client(built[1], config) as client:
        response = client.post("/v1/ask", json=ASK, headers={"Origin": OTHER_ORIGIN})
        assert_error(response, 401, "unauthorized")


# ── admin key ─────────────────────────────────────────────────────────────────────────


def test_admin_key_check(settings: Settings) -> None:
    with pytest.raises(AuthError, match="ASSISTANT_ADMIN_KEY"):
        check_admin_key(settings, ADMIN)
    configured = settings.with_overrides(admin_key=ADMIN)
    check_admin_key(configured, ADMIN)
    for wrong in (None, "", ADMIN[:-1], KEY_A):
        with pytest.raises(AuthError, match="X-Admin-Key"):
            check_admin_key(configured, wrong)


def test_admin_reload_needs_the_admin_key_not_an_api_key(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with make_client(built[1], settings) as client:
        message = assert_error(client.post("/v1/admin/reload"), 401, "unauthorized")
        assert "avstängda" in message
    with make_client(built[1], settings, api_keys=(KEY_A,), admin_key=ADMIN) as client:
        assert_error(client.post("/v1/admin/reload"), 401, "unauthorized", "X-Admin-Key")
        assert_error(
            client.post("/v1/admin/reload", headers={"X-API-Key": KEY_A}), 401, "unauthorized"
        )
        assert_error(
            client.post("/v1/admin/reload", headers={"X-Admin-Key": KEY_A}), 401,
            "unauthorized",
        )
        ok = client.post("/v1/admin/reload", headers={"X-Admin-Key": ADMIN})
        assert ok.status_code == 200 and ok.json()["status"] == "reloaded"


# ── rate limits ───────────────────────────────────────────────────────────────────────


def test_rate_limiter_refills_and_tells_how_long_to_wait() -> None:
    limiter = RateLimiter(per_minute=6)  # one token every 10 s, bursts of 6
    assert [limiter.take("a", now=100.0) for _ in range(6)] == [0.0] * 6
    wait = limiter.take("a", now=100.0)
    assert wait == pytest.approx(10.0)
    assert limiter.take("b", now=100.0) == 0.0  # another client has its own bucket
    assert limiter.take("a", now=105.0) == pytest.approx(5.0)
    assert limiter.take("a", now=110.0) == 0.0
    assert limiter.take("a", now=110.0) > 0
    assert limiter.take("a", now=1000.0) == 0.0  # refilled, but never beyond the burst


def test_rate_limiter_forgets_idle_clients_first() -> None:
    limiter = RateLimiter(per_minute=10, max_clients=100)
    for i in range(100):
        limiter.take(f"gammal-{i}", now=0.0)
    limiter.take("aktiv", now=59.0)
    for i in range(5):
        limiter.take(f"ny-{i}", now=61.0)
    buckets = limiter._buckets
    assert len(buckets) <= 100
    assert "aktiv" in buckets and "ny-4" in buckets and "gammal-0" not in buckets


def test_over_the_limit_is_a_429_per_key_and_per_address(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with make_client(
        built[1], settings, api_keys=(KEY_A, KEY_B), rate_limit_per_minute=3,
        cors_origins=(WIDGET_ORIGIN,),
    ) as client:
        a = {"X-API-Key": KEY_A}
        assert [client.get("/v1/documents", headers=a).status_code for _ in range(3)] == [200] * 3
        limited = client.post("/v1/ask", json=ASK, headers=a)
        message = assert_error(limited, 429, "rate_limited", "försök igen")
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["retry-after"] in message
        # Another key, and the keyless widget (counted by address), have their own buckets.
        assert client.get("/v1/documents", headers={"X-API-Key": KEY_B}).status_code == 200
        widget = {"Origin": WIDGET_ORIGIN}
        codes = [client.get("/v1/documents", headers=widget).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/v1/documents", headers=widget)
        # The widget can read the refusal: CORS headers are on it.
        assert refused.headers["access-control-allow-origin"] == WIDGET_ORIGIN
        assert "retry-after" in refused.headers["access-control-expose-headers"].lower()
        # Probes, pages and preflights are not counted.
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))
        assert client.get("/dokument/varmland-test").status_code == 200
        preflight = client.options(
            "/v1/ask",
            headers={**widget, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type,x-api-key"},
        )
        assert preflight.status_code == 200
        # A made-up key does not buy a fresh bucket.
        assert_error(
            client.get("/v1/documents", headers={"X-API-Key": "pahittad-nyckel-123456"}),
            401, "unauthorized",
        )


EVALUATOR = "utvarderarens-nyckel-utan-grans"


@pytest.mark.parametrize("api_keys", [(KEY_A,), ()])
def test_an_exempt_key_is_not_counted_by_the_limit(
    built: tuple[Settings, Engine], settings: Settings, api_keys: tuple[str, ...]
) -> None:
    with make_client(
        built[1], settings, api_keys=api_keys, rate_limit_per_minute=2,
        rate_limit_exempt_keys=(EVALUATOR,),
    ) as client:
        evaluator = {"X-API-Key": EVALUATOR}
        codes = [client.get("/v1/documents", headers=evaluator).status_code for _ in range(8)]
        assert codes == [200] * 8
        assert client.post("/v1/ask", json=ASK, headers=evaluator).status_code == 200
        # Everyone else is limited as before: by key, or by address where keys are optional.
        others = {"X-API-Key": KEY_A} if api_keys else {}
        codes = [client.get("/v1/documents", headers=others).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        # A key that is neither is refused (and counted as a guess), not waved through.
        assert_error(
            client.get("/v1/documents", headers={"X-API-Key": EVALUATOR + "x"}),
            401, "unauthorized",
        )
        assert client.get("/v1/documents", headers=evaluator).status_code == 200


def test_rate_limit_zero_is_off(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with make_client(built[1], settings, rate_limit_per_minute=0) as client:
        assert all(client.get("/v1/documents").status_code == 200 for _ in range(30))
    with make_client(built[1], settings, rate_limit_per_minute=5) as client:
        codes = [client.get("/v1/documents").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]


# ── CORS, body size, OpenAPI, settings ───────────────────────────────────────────────


def test_cors_preflight_allows_the_key_and_request_id_headers(keyed: TestClient) -> None:
    response = keyed.options(
        "/v1/ask",
        headers={
            "Origin": WIDGET_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key,x-request-id",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WIDGET_ORIGIN
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "x-api-key" in allowed and "x-request-id" in allowed
    foreign = keyed.options(
        "/v1/ask",
        headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in foreign.headers


def test_body_limit_follows_the_setting(
    built: tuple[Settings, Engine], settings: Settings
) -> None:
    with make_client(built[1], settings, max_body_bytes=2048) as client:
        small = {"question": QUESTION, "region": "x" * 100}
        assert client.post("/v1/ask", json=small).status_code != 413
        big = {"question": QUESTION, "region": "x" * 3000}
        assert_error(client.post("/v1/ask", json=big), 413, "payload_too_large")
        assert_error(
            client.post("/v1/answers/x/feedback", json={"rating": "up", "comment": "x" * 3000}),
            413, "payload_too_large",
        )


def test_openapi_describes_keys_and_refusals(keyed: TestClient) -> None:
    spec = keyed.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "in": "header", "name": "X-API-Key"}
    assert schemes["AdminKey"]["name"] == "X-Admin-Key"
    ask = spec["paths"]["/v1/ask"]["post"]
    assert ask["security"] == [{"ApiKey": []}, {}]
    assert {"401", "413", "429"} <= set(ask["responses"])
    assert {"401", "429"} <= set(spec["paths"]["/v1/documents"]["get"]["responses"])
    reload = spec["paths"]["/v1/admin/reload"]["post"]
    assert reload["security"] == [{"AdminKey": []}]
    assert {"401", "429", "503"} <= set(reload["responses"])  # 429: too many wrong keys
    assert "security" not in spec["paths"]["/healthz"]["get"]


def test_settings_refuse_short_keys_and_bad_limits() -> None:
    with pytest.raises(SettingsError, match="16 tecken"):
        load_settings({"ASSISTANT_API_KEYS": f"{KEY_A},kort"})
    with pytest.raises(SettingsError, match="16 tecken"):
        load_settings({"ASSISTANT_ADMIN_KEY": "kort"})
    with pytest.raises(SettingsError, match="A–Z"):
        load_settings({"ASSISTANT_ADMIN_KEY": "lång nyckel med mellanslag och å"})
    with pytest.raises(SettingsError, match="RATE_LIMIT"):
        load_settings({"ASSISTANT_RATE_LIMIT_PER_MINUTE": "-1"})
    with pytest.raises(SettingsError, match="MAX_BODY_BYTES"):
        load_settings({"ASSISTANT_MAX_BODY_BYTES": "10"})
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        load_settings({"ASSISTANT_LOG_LEVEL": "pratig"})
    loaded = load_settings(
        {
            "ASSISTANT_API_KEYS": f" {KEY_A} , {KEY_B} ",
            "ASSISTANT_KEYLESS_BROWSERS": "nej",
            "ASSISTANT_TRUSTED_PROXIES": "10.0.0.1,10.0.0.2",
        }
    )
    with pytest.raises(SettingsError, match="RATE_LIMIT_EXEMPT_KEYS"):
        load_settings({"ASSISTANT_RATE_LIMIT_EXEMPT_KEYS": "kort"})
    assert load_settings(
        {"ASSISTANT_RATE_LIMIT_EXEMPT_KEYS": f"{KEY_A},{KEY_B}"}
    ).rate_limit_exempt_keys == (KEY_A, KEY_B)
    assert loaded.api_keys == (KEY_A, KEY_B) and loaded.keyless_browsers is False
    assert loaded.trusted_proxies == ("10.0.0.1", "10.0.0.2")
