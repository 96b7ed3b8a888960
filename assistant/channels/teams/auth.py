"""Who may call `/api/messages`, and the bot's own token for its replies.

Incoming: the Bot Connector's bearer JWT (signature, audience, issuer, expiry, the
`serviceurl` claim), or the anonymous development mode for a loopback caller. Outgoing:
Entra ID client-credentials tokens, cached until near expiry. Uses the SDK's validator and
token-provider base class, `jwt` and `aiohttp`.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from fastapi import Response
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AuthenticationConstants,
    ClaimsIdentity,
    JwtTokenValidator,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientManager,
)
from starlette.datastructures import Headers

from assistant.channels.http.error_handlers import assistant_error_response
from assistant.channels.http.security import TOO_MANY, RateLimiter
from assistant.errors import AuthError, RateLimitError, SettingsError
from assistant.settings import Settings

logger = logging.getLogger("assistant.teams")

PUBLIC_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
# Without a tenant the bot is multi-tenant: its tokens come from the botframework.com tenant.
MULTI_TENANT = "botframework.com"
_TOKEN_MARGIN_SECONDS = 300.0
# A request carrying one of these came through a proxy: its peer address is the proxy's.
_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class KeyLookup(_JwkClientManager):
    """The SDK's signing-key cache, optionally pinned to one JWKS URL (tests, other clouds)."""

    def __init__(self, jwks_url: str) -> None:
        super().__init__()
        self._jwks_url = jwks_url

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> Any:
        """The key for the token's `kid`, from the pinned URL or the SDK's choice."""
        return await super().get_signing_key(self._jwks_url or jwks_uri, header)


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SDK's view of our Entra app registration."""
    return AgentAuthConfiguration(
        client_id=settings.teams_app_id or None,
        tenant_id=settings.teams_tenant_id or None,
        client_secret=settings.teams_app_password or None,
        # Only the Bot Connector calls this endpoint, and its tokens carry this issuer.
        issuers=[AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER],
        validate_issuer=True,
        anonymous_allowed=not settings.teams_app_id,
    )


def _normalise_url(url: str) -> str:
    """A service URL compared the way the Bot Connector does, minus case and final slash."""
    return url.strip().rstrip("/").casefold()


def is_loopback(host: str | None) -> bool:
    """Whether a host is a loopback address (any of 127/8, ::1, IPv4-mapped) or `localhost`."""
    if not host:
        return False
    if host.casefold() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def anonymous_allowed(settings: Settings, scope: Mapping[str, Any]) -> bool:
    """Whether a request may use the anonymous mode: no app id, a loopback caller talking to
    us directly (the ASGI peer, no proxy header), and a loopback server or `teams_anonymous`."""
    if settings.teams_app_id:
        return False
    if not (is_loopback(settings.host) or settings.teams_anonymous):
        return False
    client = scope.get("client")
    if not client or not is_loopback(str(client[0])):
        return False
    # A local reverse proxy makes every caller look like loopback; its header gives it away.
    # A header can only refuse here, never admit.
    headers = Headers(raw=list(scope.get("headers") or []))
    return not any(name in headers for name in _PROXY_HEADERS)


ANONYMOUS_REFUSED = (
    "Teams-botten har inget app-id (ASSISTANT_TEAMS_APP_ID), och utan det tar den bara emot "
    "anrop direkt från den här datorn (loopback) till en server som lyssnar på loopback "
    "eller har ASSISTANT_TEAMS_ANONYMOUS=1."
)


async def verify_token(validator: JwtTokenValidator, header: str | None) -> ClaimsIdentity:
    """The claims of the Bot Connector's bearer token; AuthError for anything else."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Anropet saknar en giltig Bearer-token.")
    try:
        identity = await validator.validate_token(token.strip())
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        # Only the type: the message can echo claims from an attacker's token.
        logger.warning("Teams: token avvisad (%s)", type(exc).__name__)
        raise AuthError("Ogiltig token.") from None
    if "exp" not in identity.claims:
        # The SDK checks exp only when present; the Bot Connector always sets it.
        logger.warning("Teams: token utan giltighetstid avvisad")
        raise AuthError("Ogiltig token.")
    return identity


def check_service_url(identity: ClaimsIdentity | None, service_url: str) -> None:
    """AuthError unless replies may go to `service_url`: the token's `serviceurl` claim, or
    (anonymous, `identity` None) a loopback address, so nobody makes the bot post elsewhere."""
    if identity is None:
        if not is_loopback(urlsplit(service_url).hostname):
            raise AuthError("Anonymt utvecklingsläge tar bara emot anrop från en lokal emulator.")
        return
    claimed = identity.claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
    if not isinstance(claimed, str) or _normalise_url(claimed) != _normalise_url(service_url):
        logger.warning("Teams: serviceurl i token stämmer inte med aktiviteten")
        raise AuthError("Ogiltig token.")


def sender_key(fields: Mapping[str, Any]) -> str:
    """The rate-limit bucket of a verified activity's sender (a Teams user, else the chat)."""
    sender = fields.get("from")
    conversation = fields.get("conversation")
    who = (
        (sender.get("aadObjectId") or sender.get("id") if isinstance(sender, dict) else None)
        or (conversation.get("id") if isinstance(conversation, dict) else None)
        or ""
    )
    return "teams:" + hashlib.sha256(str(who).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def over_limit(limiter: RateLimiter | None, client: str) -> Response | None:
    """The API's 429 (with Retry-After) when `client` has used up its requests, else None."""
    wait = limiter.take(client) if limiter is not None else 0.0
    if wait <= 0:
        return None
    seconds = max(1, math.ceil(wait))
    # The shared error response rather than a raise: the handler sets Retry-After for 503 only.
    error = RateLimitError(TOO_MANY.format(seconds=seconds))
    return assistant_error_response(error, {"Retry-After": str(seconds)})


class ClientCredentials(AccessTokenProviderBase):
    """Entra client-credentials tokens for the bot's replies, cached until near expiry."""

    def __init__(self, configuration: AgentAuthConfiguration, token_url: str) -> None:
        self._configuration = configuration
        self._token_url = token_url
        self._cache: dict[tuple[str, ...], tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    @property
    def configuration(self) -> AgentAuthConfiguration:
        """The app registration the tokens are for."""
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        """A bearer token for `scopes`, fetched from the token endpoint when not cached."""
        key = tuple(scopes)
        async with self._lock:
            cached = self._cache.get(key)
            if cached and not force_refresh and cached[1] > time.monotonic():
                return cached[0]
            token, lifetime = await self._fetch(scopes)
            self._cache[key] = (token, time.monotonic() + lifetime - _TOKEN_MARGIN_SECONDS)
            return token

    async def _fetch(self, scopes: list[str]) -> tuple[str, float]:
        """One client-credentials request."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self._configuration.CLIENT_ID or "",
            "client_secret": self._configuration.CLIENT_SECRET or "",
            "scope": " ".join(scopes),
        }
        problem = "Teams-botten fick ingen åtkomsttoken från Entra ID"
        try:
            timeout = aiohttp.ClientTimeout(total=15)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self._token_url, data=form) as response,
            ):
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.error("Teams: tokenhämtning misslyckades (%s)", type(exc).__name__)
            raise SettingsError(f"{problem}; kontrollera nätverket.") from None
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error") if isinstance(body, dict) else None
            logger.error("Teams: tokenendpunkten svarade %s (%s)", status, error)
            raise SettingsError(
                f"{problem}; kontrollera ASSISTANT_TEAMS_APP_ID, ASSISTANT_TEAMS_APP_PASSWORD "
                "och ASSISTANT_TEAMS_TENANT_ID."
            )
        return str(body["access_token"]), float(body.get("expires_in", 3600))

    def get_token_credential(self) -> Any:
        """Not used on the Bot Connector path."""
        raise NotImplementedError

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        """Not used: the bot acts as itself, never on behalf of a user."""
        raise NotImplementedError

    async def get_agentic_application_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> str | None:
        """Not used: no agentic identities."""
        raise NotImplementedError

    async def get_agentic_instance_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> tuple[str, str]:
        """Not used: no agentic identities."""
        raise NotImplementedError

    async def get_agentic_user_token(
        self,
        tenant_id: str,
        agent_app_instance_id: str,
        agentic_user_id: str,
        scopes: list[str],
    ) -> str | None:
        """Not used: no agentic identities."""
        raise NotImplementedError


def bot_token_url(settings: Settings) -> str:
    """The Entra token endpoint for the bot's tenant."""
    tenant = settings.teams_tenant_id or MULTI_TENANT
    return settings.teams_token_url or PUBLIC_TOKEN_URL.format(tenant=tenant)


def announce_anonymous_mode(settings: Settings) -> None:
    """Say at start-up, loudly, what the endpoint does without an app id."""
    if not (is_loopback(settings.host) or settings.teams_anonymous):
        logger.warning(
            "Teams: /api/messages avvisar alla anrop. ASSISTANT_TEAMS_APP_ID är inte satt och "
            "servern lyssnar på %s, inte bara på loopback. Sätt ASSISTANT_TEAMS_APP_ID för "
            "drift, eller ASSISTANT_TEAMS_ANONYMOUS=1 för lokal utveckling (då tas anrop emot "
            "från loopback utan token).",
            settings.host,
        )
        return
    # A short block, not a wall: the console indents its further lines under the first.
    logger.warning(
        "Teams: ANONYMT UTVECKLINGSLÄGE (ASSISTANT_TEAMS_APP_ID är inte satt).\n"
        "/api/messages tar emot anrop utan token, bara från den här datorn (loopback)%s.\n"
        "Använd aldrig detta i drift.",
        "" if is_loopback(settings.host) else
        f", fast servern lyssnar på {settings.host} (ASSISTANT_TEAMS_ANONYMOUS=1)",
    )
