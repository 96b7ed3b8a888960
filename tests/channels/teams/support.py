"""What the Teams tests share besides fixtures: a realistic answer and a fake ask path, the
fake Microsoft cloud (signing keys, token endpoint, Bot Connector), and activities, tokens
and requests as Teams and the Bot Connector send them."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from assistant.channels.http.error_handlers import install_error_handlers
from assistant.channels.teams import build_teams_router
from assistant.errors import AssistantError
from assistant.models import Answer, Citation
from assistant.settings import Settings, load_settings
from assistant.store import Store

APP_ID = "6f1c2a9e-0d3b-4c55-9a7e-1b2c3d4e5f60"
TENANT_ID = "0b3c6f4e-5a21-4e8f-9d7c-2a1b3c4d5e6f"
APP_PASSWORD = "test-client-secret"
KID = "test-signing-key"
BOT_ISSUER = "https://api.botframework.com"
PUBLIC_URL = "https://assistent.example.se"
REGIONS = ["Dalarna", "Värmland", "Västmanland"]

VARMLAND_TITLE = (
    "Överenskommelse om samverkan kring personer med psykiska funktionsnedsättningar och "
    "personer med skadligt bruk och beroendeproblematik"
)
VASTMANLAND_TITLE = (
    "Länsövergripande överenskommelse om samverkan kring vuxnas psykiska ohälsa, skadligt "
    "bruk och beroende"
)
VARMLAND_SHORT = "Värmland – psykisk funktionsnedsättning och beroende"
VASTMANLAND_SHORT = "Västmanland – vuxnas psykiska ohälsa och beroende"
# As answer/compose.py writes it.
DIFFERS_WARNING = (
    "Svaret skiljer sig mellan regioner. Ange region (eller en kommun) i frågan för ett svar "
    "som gäller just er."
)


# --- A realistic answer ------------------------------------------------------------------


def make_citation(n: int, **changes: Any) -> Citation:
    """A citation as the ask path returns it (relative passage URL)."""
    base = Citation(
        n=n,
        document_id="varmland-psykisk-funktionsnedsattning-beroende",
        title=VARMLAND_TITLE,
        short_title=VARMLAND_SHORT,
        region="Värmland",
        section="Bilaga › Personer med skadligt bruk och beroende",
        page=10,
        text=(
            "Regionen ansvarar för: • Att erbjuda medicinsk behandling vid abstinens och "
            "avgiftning. • Läkemedelsassisterad behandling vid opioidberoende (LARO)."
        ),
        quote="Regionen ansvarar för: • Att erbjuda medicinsk behandling vid abstinens.",
        score=0.83,
        url=f"/dokument/varmland-psykisk-funktionsnedsattning-beroende/c{n:03d}",
    )
    return replace(base, **changes)


def make_answer(question: str, asked_region: str | None, **changes: Any) -> Answer:
    """An answered question with two citations, a party and a warning."""
    base = Answer(
        id="ans-0001",
        question=question,
        status="answered",
        text=(
            "Regionen ansvarar för abstinensvård och avgiftning [1]. Kommunen ansvarar för "
            "stöd i boendet under och efter behandlingen [2]."
        ),
        responsible="region",
        region=asked_region or "Värmland",
        citations=(
            make_citation(1),
            make_citation(
                2,
                document_id="vastmanland-psykisk-ohalsa-vuxna",
                title=VASTMANLAND_TITLE,
                short_title=VASTMANLAND_SHORT,
                region="Västmanland",
                section="5. Ansvarsfördelning › 5.2 Kommunens ansvar",
                page=14,
                quote="Kommunen ansvarar för boendestöd.",
                score=0.71,
                url="/dokument/vastmanland-psykisk-ohalsa-vuxna/c042",
            ),
        ),
        warnings=(DIFFERS_WARNING,),
    )
    return replace(base, **changes)


@dataclass
class FakeAsk:
    """The ask path: records each call, answers realistically, or raises."""

    calls: list[tuple[str, str | None]] = field(default_factory=list)
    error: AssistantError | None = None

    def __call__(self, question: str, region: str | None) -> Answer:
        self.calls.append((question, region))
        if self.error is not None:
            raise self.error
        return make_answer(question, region)


# --- The fake Microsoft cloud ------------------------------------------------------------


@dataclass
class Cloud:
    """Signing keys, a token endpoint and a Bot Connector on one loopback server."""

    url: str
    jwks: dict[str, Any]
    posts: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def replies(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Message activities the connector received (not typing indicators)."""
        with self.lock:
            return [
                p
                for p in self.posts
                if p["body"].get("type") == "message"
                and (conversation_id is None or p["conversation"] == conversation_id)
            ]


def make_handler(cloud: Cloud) -> type[BaseHTTPRequestHandler]:
    """The request handler bound to one Cloud's records."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/keys":
                self._json(200, cloud.jwks)
            else:
                self._json(404, {})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/token":
                form = parse_qs(raw.decode())
                with cloud.lock:
                    cloud.token_requests.append(form)
                ok = (
                    form.get("grant_type") == ["client_credentials"]
                    and form.get("client_id") == [APP_ID]
                    and form.get("client_secret") == [APP_PASSWORD]
                    and form.get("scope") == ["https://api.botframework.com/.default"]
                )
                if not ok:
                    self._json(401, {"error": "invalid_client"})
                    return
                token = f"bf-token-{len(cloud.token_requests)}"
                with cloud.lock:
                    cloud.issued.append(token)
                self._json(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})
                return
            parts = self.path.split("?")[0].strip("/").split("/")
            if (
                len(parts) >= 4
                and parts[:2] == ["v3", "conversations"]
                and parts[3] == "activities"
            ):
                with cloud.lock:
                    number = len(cloud.posts) + 1
                    cloud.posts.append(
                        {
                            "path": self.path,
                            "conversation": parts[2],
                            "reply_to": parts[4] if len(parts) > 4 else None,
                            "authorization": self.headers.get("Authorization"),
                            "body": json.loads(raw),
                        }
                    )
                self._json(200, {"id": f"reply-{number}"})
                return
            self._json(404, {})

    return Handler


# --- The bot's app on a real server ------------------------------------------------------


@dataclass
class Bot:
    """A running bot: its URL, the ask path it calls, its store and settings."""

    url: str
    ask: FakeAsk
    store: Store
    settings: Settings


def bot_settings(cloud: Cloud, **changes: Any) -> Settings:
    """Settings of a bot with an app id, checking tokens against and replying via `cloud`."""
    return load_settings(
        environ={},
        **{
            "teams_app_id": APP_ID,
            "teams_app_password": APP_PASSWORD,
            "teams_tenant_id": TENANT_ID,
            "teams_jwks_url": f"{cloud.url}/keys",
            "teams_token_url": f"{cloud.url}/token",
            **changes,
        },
    )


def make_app(settings: Settings, ask: FakeAsk, store: Store) -> FastAPI:
    """The app as the factory builds it: the API's error handlers, the Teams router."""
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_teams_router(settings, ask, store, regions=lambda: REGIONS))
    return app


_counter = iter(range(1, 1_000_000))


def new_conversation() -> str:
    """A fresh Teams-like personal conversation id."""
    return f"a:1Teams-personal-chat-{next(_counter)}-" + "x" * 120


def message(cloud: Cloud, conversation: str, text: str, **changes: Any) -> dict[str, Any]:
    """A message activity as Teams sends it to a bot in a personal chat."""
    activity: dict[str, Any] = {
        "type": "message",
        "id": f"1718000000{next(_counter):03d}",
        "timestamp": "2025-06-10T08:15:00.123Z",
        "localTimestamp": "2025-06-10T10:15:00.123+02:00",
        "serviceUrl": f"{cloud.url}/",
        "channelId": "msteams",
        "from": {
            "id": "29:1AbCdEfGhIjK",
            "name": "Kim Handläggare",
            "aadObjectId": "9a8b7c6d-1111-2222-3333-444455556666",
        },
        "conversation": {"conversationType": "personal", "tenantId": TENANT_ID, "id": conversation},
        "recipient": {"id": f"28:{APP_ID}", "name": "Svarsassistenten"},
        "textFormat": "plain",
        "locale": "sv-SE",
        "text": text,
        "entities": [
            {
                "type": "clientInfo",
                "locale": "sv-SE",
                "country": "SE",
                "platform": "Web",
                "timezone": "Europe/Stockholm",
            }
        ],
        "channelData": {"tenant": {"id": TENANT_ID}},
    }
    activity.update(changes)
    return activity


def token(
    key: rsa.RSAPrivateKey, service_url: str, *, algorithm: str = "RS256", **claims: Any
) -> str:
    """A Bot Connector-style token; `claims` override or (with None) remove claims."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "serviceurl": service_url,
        "nbf": now - 10,
        "exp": now + 3600,
        "iss": BOT_ISSUER,
        "aud": APP_ID,
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    signer: Any = None if algorithm == "none" else key
    return jwt.encode(payload, signer, algorithm=algorithm, headers={"kid": KID})


def post(url: str, activity: dict[str, Any], bearer: str | None) -> httpx.Response:
    """POST an activity to the bot's /api/messages."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return httpx.post(f"{url}/api/messages", json=activity, headers=headers, timeout=30)


def send(
    bot: Bot, cloud: Cloud, key: rsa.RSAPrivateKey, activity: dict[str, Any]
) -> httpx.Response:
    """Post an activity with a valid token for its service URL."""
    return post(bot.url, activity, token(key, activity["serviceUrl"]))


LOOPBACK = ("127.0.0.1", 50123)
REMOTE = ("203.0.113.7", 50123)


def anonymous_settings(**changes: Any) -> Settings:
    """Settings without an app id, as `assistant serve` has them by default."""
    return load_settings(environ={}, **{"teams_app_id": "", **changes})


def post_as(
    app: Any, peer: tuple[str, int] | None, activity: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST an activity to the app in process, as if from the peer address `peer`."""

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=peer)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            return await client.post("/api/messages", json=activity, headers=headers or {})

    return asyncio.run(run())


def expect_replies(cloud: Cloud, text: str, **changes: Any) -> dict[str, Any]:
    """A message asking for its replies in the HTTP response, as the probe sent it."""
    return message(cloud, new_conversation(), text, deliveryMode="expectReplies", **changes)


def reply_texts(response: httpx.Response) -> list[str]:
    """The texts of the message activities an expectReplies response carries."""
    activities = response.json()["activities"]
    return [a["text"] for a in activities if a.get("type") == "message"]
