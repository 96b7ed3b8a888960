"""The Microsoft Teams bot: `POST /api/messages` on the Microsoft 365 Agents SDK.

This is the only module that imports `microsoft_agents.*` (and `jwt`, `aiohttp` for the
bot's own authentication); no SDK type leaves it. The rest of the app sees one function,
`build_teams_router(settings, answer_question, store)`, and plain data.

Incoming requests are authenticated as the Bot Connector does it: the bearer JWT's signature
against the published signing keys, audience = our app id, the Bot Framework issuer, expiry,
and the `serviceurl` claim against the activity's `serviceUrl`. Replies go back to the Bot
Connector with a token from Entra ID (client credentials). Without an app id the endpoint
runs in an anonymous development mode, for a local emulator only, and says so loudly. The
rule is judged by the caller's own address (a header can refuse, never admit; the body has
no say):

    anonymous iff no app id AND the ASGI peer is loopback AND no proxy header is present
              AND (the server listens on loopback OR ASSISTANT_TEAMS_ANONYMOUS=1)

so `assistant serve` on 127.0.0.1 keeps it, and the Docker image (0.0.0.0) refuses. Replies in
that mode go to a loopback `serviceUrl` only. Both modes are rate limited with the API's
token buckets: anonymous callers by address, Teams users (who all arrive through the Bot
Connector's few addresses) one by one.

Bodies are read and parsed here, not by the SDK, so that a cut-off, undecodable or absurdly
nested body is a 400 and never a traceback. The SDK logs pydantic errors with the offending
input (a question's text); `quiet_sdk_logs` rewrites those records without it.

Formatting (commands, reply text, the Teams citation entity, limits) is done by pure
functions over our own types, so it is tested without the SDK.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import ipaddress
import json
import logging
import math
import re
import string
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
import jwt
from fastapi import APIRouter, Request, Response
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    InvokeResponse,
    TurnContextProtocol,
)
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    ActivityHandler,
    AgentAuthConfiguration,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectionManager,
    JwtTokenValidator,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientManager,
)
from microsoft_agents.hosting.fastapi import CloudAdapter
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from assistant.channels.http.error_handlers import assistant_error_response
from assistant.channels.http.schemas import MAX_QUESTION_CHARS
from assistant.channels.http.security import TOO_MANY, RateLimiter, client_address
from assistant.errors import (
    AssistantError,
    AuthError,
    InputError,
    NotFoundError,
    RateLimitError,
    SettingsError,
)
from assistant.ingest.catalog import load_catalog
from assistant.models import SECTION_SEPARATOR, Answer, Citation
from assistant.redaction import redact
from assistant.search.regions import mentions
from assistant.settings import Settings
from assistant.store import (
    Store,
    citations_json,
    get_conversation_region,
    record_answer,
    record_feedback,
    set_conversation_region,
)

logger = logging.getLogger("assistant.teams")

AnswerQuestion = Callable[[str, str | None], Answer]
Rating = Literal["up", "down"]

# Teams' documented limits for citations: name ≤ 80, abstract ≤ 160 characters, at most
# 3 keywords of ≤ 28 characters. At most 10 citations keeps the reference list readable.
MAX_CITATIONS = 10
MAX_CITATION_NAME = 80
MAX_CITATION_ABSTRACT = 160
MIN_TITLE_CHARS = 30
MAX_KEYWORDS = 3
MAX_KEYWORD_CHARS = 28
# Teams rejects a message over 40 KB (older documentation; newer says 100 KB), counted as
# UTF-16 over the whole payload. The text caps keep a message readable on a phone too.
MAX_MESSAGE_BYTES_UTF16 = 40_000
MAX_ANSWER_CHARS = 3000
MAX_TEXT_CHARS = 4000
MAX_FEEDBACK_CHARS = 2000

PUBLIC_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
# Without a tenant the bot is multi-tenant: its tokens come from the botframework.com tenant.
MULTI_TENANT = "botframework.com"
_TOKEN_MARGIN_SECONDS = 300.0
# A request carrying one of these came through a proxy: its peer address is the proxy's.
_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
# A Teams activity nests 4–8 levels (entities, channelData, card values); anything far deeper
# is not an activity, and would make the SDK's validation and serialisation recurse.
MAX_JSON_DEPTH = 32
MAX_ECHO_CHARS = 60  # of a user's text repeated in a reply
MAX_LOGGED_ERRORS = 5  # validation errors described in one log line
# CommonMark lets a backslash escape exactly the ASCII punctuation; escaped, none of it is
# markup, and a URL or address with escaped ':', '.', '@' is no longer linked automatically.
_MARKDOWN_PUNCTUATION = frozenset(string.punctuation)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")

RESPONSIBLE_LABELS = {
    "kommun": "kommunen",
    "region": "regionen",
    "gemensamt": "kommunen och regionen gemensamt",
    "annan": "varken kommunen eller regionen",
}


def responsible_label(answer: Answer) -> str:
    """Who is responsible, in words; an `annan` actor by its name as the text writes it."""
    if answer.responsible == "annan":
        named = list(dict.fromkeys(r.actor for r in answer.responsibilities if r.party == "annan"))
        if named:
            return escape_markdown(", ".join(named))
    return RESPONSIBLE_LABELS[answer.responsible or "gemensamt"]
CLEAR_WORDS = frozenset({"alla", "ingen", "inga", "rensa", "bort", "av"})
HELP_WORDS = frozenset({"hjälp", "hjalp", "help", "?", "/hjälp", "/hjalp", "/help"})

WELCOME_TEXT = (
    "Hej! Jag svarar på frågor om samverkansöverenskommelserna mellan kommuner och "
    "regioner om psykisk ohälsa, psykisk funktionsnedsättning och beroende – bara utifrån "
    "avtalstexterna, och jag visar alltid vilka avsnitt svaret bygger på.\n\n"
    "Skriv en fråga, till exempel *Vem ansvarar för abstinensvård i Värmland?*, "
    "eller **hjälp** för att se vad jag kan."
)
APOLOGY_TEXT = "Något gick fel när frågan skulle besvaras. Försök igen om en stund."
NO_ANSWER_TEXT = "Jag hittar inget svar på frågan i överenskommelserna."
PRIVACY_NOTE = "Skriv inga personuppgifter (namn, personnummer) i frågor eller kommentarer."


@dataclass(frozen=True)
class Command:
    """What a Teams message asks for: help, a region choice, or a question."""

    kind: Literal["help", "region", "question"]
    text: str = ""  # the question, or the region argument as written


# --- Commands and regions (pure) -------------------------------------------------------


def clean_message_text(text: str) -> str:
    """The message without @-mention tags, HTML remnants and surrounding whitespace."""
    # In group chats and channels Teams puts "<at>Bot name</at>" in the text.
    text = re.sub(r"<at>.*?</at>", " ", text, flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"</?(?:p|br|div|li)\b[^>]*>", " ", text, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"</?[a-zA-Z][^>]*>", "", text))
    return " ".join(text.split())


def parse_command(text: str) -> Command:
    """Read `hjälp`, `region <namn>` or a question out of a cleaned message."""
    if not text or text.casefold() in HELP_WORDS:
        return Command("help")
    words = text.split()
    if words[0].casefold().lstrip("/") == "region" and len(words) <= 3:
        # "region Dalarna", "region Dalarnas län", "region alla"; longer text is a question
        # that happens to start with the word.
        return Command("region", " ".join(words[1:]))
    return Command("question", text)


def fold(text: str) -> str:
    """Lower-case without diacritics, so that `varmland` matches `Värmland`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def match_region(name: str, regions: Sequence[str]) -> str | None:
    """The covered region a user wrote (any casing, with or without å/ä/ö, `län`, genitive)."""
    words = [w for w in fold(name).replace("-", " ").split() if w not in {"lan", "region"}]
    wanted = " ".join(words)
    if not wanted:
        return None
    for region in regions:
        folded = fold(region)
        if wanted in {folded, folded + "s"}:
            return region
    return None


def names_region(question: str, regions: Sequence[str]) -> bool:
    """Whether the question names one of the covered regions itself."""
    words = set(re.findall(r"\w+", fold(question)))
    return any(fold(r) in words or fold(r) + "s" in words for r in regions)


def is_clear_word(argument: str) -> bool:
    """Whether a `region` argument asks to forget the choice (`alla`, `ingen`, …)."""
    return fold(argument.strip()) in {fold(w) for w in CLEAR_WORDS}


def list_regions(regions: Sequence[str]) -> str:
    """`Dalarna, Värmland och Västmanland`."""
    names = sorted(regions, key=fold)
    if not names:
        return "inga"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " och " + names[-1]


def genitive(name: str) -> str:
    """Swedish genitive of a place name: Dalarna → Dalarnas, Västmanland → Västmanlands."""
    return name if name.endswith(("s", "x", "z")) else name + "s"


def help_text(regions: Sequence[str], current: str | None) -> str:
    """How to use the bot, with the regions on offer and the conversation's choice."""
    chosen = (
        f"Just nu svarar jag utifrån **{genitive(current)}** överenskommelser i det här samtalet."
        if current
        else "Just nu är ingen region vald i det här samtalet."
    )
    return (
        "Jag svarar på frågor om samverkansöverenskommelserna – bara utifrån avtalstexterna. "
        "Varje svar visar vem som ansvarar och vilka avsnitt svaret bygger på; klicka på en "
        "hänvisning som [1] för att läsa stycket.\n\n"
        "- Skriv en fråga, t.ex. *Vem kallar till SIP i Dalarna?*\n"
        f"- **region <namn>** – svara utifrån en regions överenskommelser i det här samtalet. "
        f"Regioner: {list_regions(regions)}.\n"
        "- **region alla** – ta bort valet och sök i alla överenskommelser.\n"
        "- **hjälp** – visa den här texten.\n\n"
        f"{chosen} Nämner du en region i frågan gäller den före valet.\n\n"
        "Tumme upp eller ner under ett svar hjälper oss att förbättra tjänsten. "
        f"{PRIVACY_NOTE}"
    )


def region_chosen_text(region: str) -> str:
    """Confirmation of `region <namn>`."""
    return (
        f"Jag svarar nu utifrån **{genitive(region)}** överenskommelser i det här samtalet. "
        "Nämner du en annan region i en fråga gäller den. Skriv **region alla** för att ta "
        "bort valet."
    )


def question_too_long_text(length: int) -> str:
    """Reply to a question over the API's length limit."""
    return (
        f"Frågan är för lång ({length} tecken); skriv den med högst {MAX_QUESTION_CHARS} "
        "tecken."
    )


def region_cleared_text() -> str:
    """Confirmation of `region alla`."""
    return "Ingen region är vald längre – jag söker i alla överenskommelser."


def escape_markdown(text: str) -> str:
    """The text with every ASCII punctuation character backslash-escaped, so that a user's
    words repeated in a reply are shown as written: no link, emphasis, markup or autolink."""
    return "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in text)


def escape_places(text: str, question: str) -> str:
    """The text with the places the user named in `question`, where it repeats them as
    written (a decline for a place without an agreement), escaped and on one line."""
    for words, _ in sorted(mentions(question), key=lambda m: -len(m[0])):
        written = words.strip()
        # A place name as matched can hold '_' (värmländsk_…) and line breaks with '-'.
        safe = escape_markdown(" ".join(written.split()))
        if safe != written:
            text = text.replace(written, safe)
    return text


def region_unknown_text(argument: str, regions: Sequence[str], current: str | None) -> str:
    """Reply to `region` with no or an unknown name: which regions exist."""
    # The argument is the user's own text: escaped, it cannot put a link in the bot's mouth.
    echoed = escape_markdown(shorten(argument, MAX_ECHO_CHARS))
    lead = (
        f"Jag har ingen överenskommelse för ”{echoed}”."
        if argument
        else (
            f"Vald region i det här samtalet: **{current}**."
            if current
            else "Ingen region är vald i det här samtalet."
        )
    )
    return (
        f"{lead} Regioner med överenskommelser: {list_regions(regions)}. "
        "Skriv till exempel **region Dalarna**, eller **region alla** för att ta bort valet."
    )


# --- Reply formatting (pure) ------------------------------------------------------------

_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_WITH_SPACE = re.compile(r"[ \t]*\[(\d+)\]")


def shorten(text: str, limit: int) -> str:
    """The text cut at a word boundary to at most `limit` characters, with `…` if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-") + "…"


def absolute_url(url: str, base_url: str) -> str:
    """A citation link made absolute against the public base URL."""
    if urlsplit(url).scheme in {"http", "https"}:
        return url
    return base_url.rstrip("/") + "/" + url.lstrip("/")


def citation_name(citation: Citation) -> str:
    """`<agreement title>, <section>, s. <page>`, within Teams' 80 characters."""
    section = citation.section.split(SECTION_SEPARATOR)[-1].strip() if citation.section else ""
    page = f", s. {citation.page}" if citation.page else ""
    # The heading and page tell the reader most; the title keeps at least its first words.
    section_room = MAX_CITATION_NAME - MIN_TITLE_CHARS - len(page) - len(", ")
    suffix = (", " + shorten(section, section_room) if section else "") + page
    title = shorten(citation.title, MAX_CITATION_NAME - len(suffix))
    return (title + suffix)[:MAX_CITATION_NAME]


def citation_keywords(citation: Citation) -> list[str]:
    """Short tags Teams shows with a citation: the region and the page."""
    words = [citation.region or "Nationell vägledning"]
    if citation.page:
        words.append(f"sida {citation.page}")
    return [w[:MAX_KEYWORD_CHARS] for w in words][:MAX_KEYWORDS]


def citation_claim(citation: Citation, base_url: str) -> dict[str, Any]:
    """One Teams citation (`Claim`): name, the quoted sentence as abstract, the passage link."""
    abstract = citation.quote.strip() or citation.text
    return {
        "@type": "Claim",
        "position": citation.n,
        "appearance": {
            "@type": "DigitalDocument",
            "name": citation_name(citation),
            "abstract": shorten(abstract, MAX_CITATION_ABSTRACT),
            "url": absolute_url(citation.url, base_url),
            "keywords": citation_keywords(citation),
        },
    }


def renumber_text(text: str, kept: set[int]) -> str:
    """The text without markers that point at no kept citation."""
    return _MARKER_WITH_SPACE.sub(
        lambda m: m.group(0) if int(m.group(1)) in kept else "", text
    ).strip()


def answer_text(answer: Answer, kept: Sequence[Citation], remembered_region: str | None) -> str:
    """The reply's Markdown: answer with [n] markers, party, region, warnings, references."""
    numbers = {c.n for c in kept}
    body = renumber_text(escape_places(answer.text, answer.question), numbers) or NO_ANSWER_TEXT
    body = shorten_keeping_lines(body, MAX_ANSWER_CHARS)
    used = {int(n) for n in _MARKER.findall(body)}
    blocks = [body]
    facts = []
    if answer.status == "answered" and answer.responsible:
        facts.append(f"**Ansvarig:** {responsible_label(answer)}")
    if answer.region:
        chosen = " (valt i samtalet)" if answer.region == remembered_region else ""
        facts.append(f"**Region:** {answer.region}{chosen}")
    if facts:
        blocks.append(" · ".join(facts))
    blocks.extend(f"⚠️ {w}" for w in answer.warnings)
    rest = " ".join(f"[{c.n}]" for c in kept if c.n not in used)
    if rest and answer.status == "no_support":
        blocks.append(f"Närmast liknande avsnitt – de besvarar inte frågan: {rest}")
    elif rest:
        blocks.append(f"Se även: {rest}")
    return "\n\n".join(blocks)


def shorten_keeping_lines(text: str, limit: int) -> str:
    """Like `shorten`, but keeps the text's line breaks (lists in an answer)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-\n") + " …"


def answer_reply(
    answer: Answer, base_url: str, *, remembered_region: str | None = None
) -> dict[str, Any]:
    """The Teams reply to an answer, as activity JSON: text, citation entity, AI label,
    feedback buttons; within Teams' limits."""
    kept = sorted(answer.citations, key=lambda c: c.n)[:MAX_CITATIONS]
    while True:
        payload = {
            "type": "message",
            "textFormat": "markdown",
            "text": shorten_keeping_lines(
                answer_text(answer, kept, remembered_region), MAX_TEXT_CHARS
            ),
            "entities": [
                {
                    "type": "https://schema.org/Message",
                    "@type": "Message",
                    "@context": "https://schema.org",
                    # The AI label; Teams shows "AI generated" next to the bot's name.
                    "additionalType": ["AIGeneratedContent"],
                    "citation": [citation_claim(c, base_url) for c in kept],
                }
            ],
            # Thumbs up/down under the message; a click arrives as message/submitAction.
            # Teams rejects a message with both this and the older feedbackLoopEnabled.
            "channelData": {"feedbackLoop": {"type": "default"}},
        }
        if not kept or payload_size(payload) <= MAX_MESSAGE_BYTES_UTF16:
            return payload
        kept = kept[:-1]


def text_reply(text: str) -> dict[str, Any]:
    """A plain bot message (help, welcome, region confirmations): no AI label, no feedback."""
    return {"type": "message", "textFormat": "markdown", "text": text[:MAX_TEXT_CHARS]}


def payload_size(payload: dict[str, Any]) -> int:
    """Bytes of the payload as UTF-16, the way Teams counts its message size limit."""
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-16-le"))


def parse_feedback(value: object) -> tuple[Rating, str | None] | None:
    """Rating and comment from a `message/submitAction` feedback value; None if not one."""
    if not isinstance(value, dict) or value.get("actionName") != "feedback":
        return None
    action = value.get("actionValue")
    if not isinstance(action, dict):
        return None
    rating: Rating | None = {"like": "up", "dislike": "down"}.get(  # type: ignore[assignment]
        str(action.get("reaction", "")).lower()
    )
    if rating is None:
        return None
    feedback = action.get("feedback")
    # The default form sends a JSON string {"feedbackText": "…"}; be lenient with the rest.
    if isinstance(feedback, str):
        with contextlib.suppress(ValueError):
            feedback = json.loads(feedback)
    comment = feedback.get("feedbackText") if isinstance(feedback, dict) else feedback
    text = comment.strip()[:MAX_FEEDBACK_CHARS] if isinstance(comment, str) else ""
    return rating, (text or None)




def conversation_key(conversation_id: str) -> str:
    """A fixed-length store key for a Teams conversation (their ids can be very long)."""
    return "teams:" + hashlib.sha256(conversation_id.encode()).hexdigest()[:40]


def reply_answer_id(conversation_id: str, message_id: str) -> str:
    """The stored answer id of a bot reply: Teams rates a message by its id alone."""
    digest = hashlib.sha256(f"{conversation_id}\n{message_id}".encode()).hexdigest()
    return "teams-" + digest[:40]


def covered_regions(settings: Settings) -> list[str]:
    """The regions that have an agreement in the catalog."""
    try:
        catalog = load_catalog(settings.corpus_dir)
    except AssistantError:
        logger.warning("Teams: katalogen kunde inte läsas; inga regioner att välja")
        return []
    return sorted({m.region for m in catalog.values() if m.region}, key=fold)


# --- Authentication -------------------------------------------------------------------


class _KeyLookup(_JwkClientManager):
    """The SDK's signing-key cache, optionally pinned to one JWKS URL (tests, other clouds)."""

    def __init__(self, jwks_url: str) -> None:
        super().__init__()
        self._jwks_url = jwks_url

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> Any:
        """The key for the token's `kid`, from the pinned URL or the SDK's choice."""
        return await super().get_signing_key(self._jwks_url or jwks_uri, header)


def _auth_configuration(settings: Settings) -> AgentAuthConfiguration:
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


def _is_loopback(host: str | None) -> bool:
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
    if not (_is_loopback(settings.host) or settings.teams_anonymous):
        return False
    client = scope.get("client")
    if not client or not _is_loopback(str(client[0])):
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


async def _verify_token(validator: JwtTokenValidator, header: str | None) -> ClaimsIdentity:
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


def _check_service_url(identity: ClaimsIdentity | None, service_url: str) -> None:
    """AuthError unless replies may go to `service_url`: the token's `serviceurl` claim, or
    (anonymous, `identity` None) a loopback address, so nobody makes the bot post elsewhere."""
    if identity is None:
        if not _is_loopback(urlsplit(service_url).hostname):
            raise AuthError("Anonymt utvecklingsläge tar bara emot anrop från en lokal emulator.")
        return
    claimed = identity.claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
    if not isinstance(claimed, str) or _normalise_url(claimed) != _normalise_url(service_url):
        logger.warning("Teams: serviceurl i token stämmer inte med aktiviteten")
        raise AuthError("Ogiltig token.")


def _sender_key(fields: Mapping[str, Any]) -> str:
    """The rate-limit bucket of a verified activity's sender (a Teams user, else the chat)."""
    sender = fields.get("from")
    conversation = fields.get("conversation")
    who = (
        (sender.get("aadObjectId") or sender.get("id") if isinstance(sender, dict) else None)
        or (conversation.get("id") if isinstance(conversation, dict) else None)
        or ""
    )
    return "teams:" + hashlib.sha256(str(who).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _over_limit(limiter: RateLimiter | None, client: str) -> Response | None:
    """The API's 429 (with Retry-After) when `client` has used up its requests, else None."""
    wait = limiter.take(client) if limiter is not None else 0.0
    if wait <= 0:
        return None
    seconds = max(1, math.ceil(wait))
    # The shared error response rather than a raise: the handler sets Retry-After for 503 only.
    error = RateLimitError(TOO_MANY.format(seconds=seconds))
    return assistant_error_response(error, {"Retry-After": str(seconds)})


# --- Bodies, and what the SDK may log about them ----------------------------------------


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON data nests lists and objects more than `limit` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


async def _read_json(request: Request) -> Any:
    """The request's JSON body; a 400 in the error shape when it cannot be one."""
    try:
        raw = await request.body()
    except ClientDisconnect:
        # Nobody reads the answer; a 400 keeps it out of the 5xx the alerts watch.
        logger.info("Teams: klienten kopplade ner innan kroppen var läst")
        raise HTTPException(400) from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: JSON nested thousands deep, which the decoder cannot follow.
        raise HTTPException(400) from None
    if _nested_deeper_than(body, MAX_JSON_DEPTH):
        raise HTTPException(400)
    return body


def _validation_error_of(error: BaseException | None) -> ValidationError | None:
    """A pydantic validation error, or the one an exception was raised from, if any."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, ValidationError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def describe_validation_error(error: ValidationError) -> str:
    """Where and how the data was wrong (`conversation: model_type`), never the values."""
    parts = []
    for problem in error.errors(include_url=False, include_context=False, include_input=False)[
        :MAX_LOGGED_ERRORS
    ]:
        # A location may hold an input's own dict keys: plain names and indexes only.
        where = ".".join(
            str(p) if isinstance(p, int) or _PLAIN_NAME.fullmatch(str(p)) else "…"
            for p in problem["loc"]
        )
        parts.append(f"{where or '(hela)'}: {problem['type']}")
    more = error.error_count() - len(parts)
    extra = f" (och {more} till)" if more > 0 else ""
    return f"{error.title}: {'; '.join(parts)}{extra}"


class _WithoutInput(logging.Filter):
    """Rewrite a record carrying a pydantic validation error: pydantic quotes the offending
    value (`input_value=…`, a question's text) in the message and in the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record; drop the input it quotes."""
        args = record.args if isinstance(record.args, tuple) else ()
        found = [a for a in (record.msg, *args) if isinstance(a, ValidationError)]
        exc = record.exc_info[1] if record.exc_info else None
        traced = _validation_error_of(exc)
        if not found and traced is None:
            return True
        if isinstance(record.msg, ValidationError):
            record.msg = describe_validation_error(record.msg)
        record.args = tuple(
            describe_validation_error(a) if isinstance(a, ValidationError) else a for a in args
        )
        if traced is not None:
            record.exc_info, record.exc_text = None, None
            if not found:
                record.msg = f"{record.msg} [{describe_validation_error(traced)}]"
        # It was the input that was wrong, and the caller gets a 4xx for it: not an error
        # of ours to alert on.
        if record.levelno > logging.INFO:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


def quiet_sdk_logs() -> None:
    """Put `_WithoutInput` on every logger of the Microsoft SDK (idempotent)."""
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name == "microsoft_agents" or name.startswith("microsoft_agents.")
    ]
    for name in names:
        sdk_logger = logging.getLogger(name)
        if not any(isinstance(f, _WithoutInput) for f in sdk_logger.filters):
            sdk_logger.addFilter(_WithoutInput())


def _parse_activity(body: Any) -> Activity:
    """The SDK's activity for a JSON body; InputError (422) when it is not one."""
    try:
        return Activity.model_validate(body)
    except Exception:  # a ValidationError, or the bare Exception some SDK validators raise
        raise InputError("Kroppen är ingen giltig aktivitet (Bot Framework-JSON).") from None


# --- Outgoing calls: a token for the Bot Connector -----------------------------------------


class _ClientCredentials(AccessTokenProviderBase):
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


# --- The bot --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Deps:
    """What a turn needs besides the activity."""

    settings: Settings
    answer_question: AnswerQuestion
    store: Store
    names_place: Callable[[str], bool] | None


class _AssistantBot(ActivityHandler):
    """Answers messages, handles `hjälp`/`region`, greets, and stores feedback."""

    def __init__(self, deps: _Deps, base_url: str) -> None:
        self._deps = deps
        self._base_url = base_url

    async def on_message_activity(self, turn_context: TurnContextProtocol) -> None:
        """A user's message: a command or a question."""
        activity = turn_context.activity
        conversation = conversation_key(activity.conversation.id)
        command = parse_command(clean_message_text(activity.text or ""))
        store = self._deps.store
        if command.kind == "question":
            await self._answer(turn_context, command.text, conversation)
            return
        regions = covered_regions(self._deps.settings)
        current = await asyncio.to_thread(get_conversation_region, store, conversation)
        if command.kind == "help":
            await _send(turn_context, text_reply(help_text(regions, current)))
            return
        if is_clear_word(command.text):
            await asyncio.to_thread(set_conversation_region, store, conversation, None)
            await _send(turn_context, text_reply(region_cleared_text()))
            return
        region = match_region(command.text, regions)
        if region is None:
            reply = region_unknown_text(command.text, regions, current)
        else:
            await asyncio.to_thread(set_conversation_region, store, conversation, region)
            reply = region_chosen_text(region)
        await _send(turn_context, text_reply(reply))

    async def _answer(
        self, turn_context: TurnContextProtocol, question: str, conversation: str
    ) -> None:
        """Run the ask path and reply with the answer, its citations and warnings."""
        deps = self._deps
        if len(question) > MAX_QUESTION_CHARS:
            # The API's limit holds here too: a Teams message may be 28 kB, and the cost of a
            # question grows with its length.
            await _send(turn_context, text_reply(question_too_long_text(len(question))))
            return
        await turn_context.send_activity(Activity(type="typing"))
        remembered = await asyncio.to_thread(get_conversation_region, deps.store, conversation)
        region = remembered
        if remembered:
            names_place = deps.names_place or (
                lambda q: names_region(q, covered_regions(deps.settings))
            )
            # A place named in the question beats the conversation's earlier choice.
            if names_place(question):
                region = None
        try:
            answer = await asyncio.to_thread(deps.answer_question, question, region)
        except AssistantError as exc:
            logger.info("Teams: frågan kunde inte besvaras (%s)", exc.code)
            await _send(turn_context, text_reply(exc.message))
            return
        payload = answer_reply(answer, self._base_url, remembered_region=region)
        sent = await _send(turn_context, payload)
        message_id = sent or answer.id
        stored_id = reply_answer_id(turn_context.activity.conversation.id, message_id)
        try:
            await asyncio.to_thread(
                record_answer,
                deps.store,
                answer_id=stored_id,
                question=redact(question),
                status=answer.status,
                responsible=answer.responsible,
                region=answer.region,
                citations_json=citations_json(answer),
                channel="teams",
            )
        except AssistantError as exc:
            # The user has the answer already; only its feedback link is lost.
            logger.error("Teams: svaret kunde inte lagras (%s)", exc.code)
            return
        logger.info(
            "Teams: svar %s (%s) skickat, lagrat som %s", answer.id, answer.status, stored_id
        )

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContextProtocol
    ) -> None:
        """Greet once, when the bot itself is added to a chat or team."""
        bot = turn_context.activity.recipient
        if bot is not None and any(m.id == bot.id for m in members_added):
            await _send(turn_context, text_reply(WELCOME_TEXT))

    async def on_invoke_activity(self, turn_context: TurnContextProtocol) -> InvokeResponse | None:
        """Feedback buttons (`message/submitAction`); any other invoke is a bad request."""
        activity = turn_context.activity
        if activity.name != "message/submitAction":
            # The manifest declares no other invoke. The SDK would answer 501 (a 5xx for a
            # client's input) and, for `adaptiveCard/action` with a bad value, fail to
            # serialise its own error response: a 500.
            return InvokeResponse(status=400)
        parsed = parse_feedback(activity.value)
        if parsed is None or not activity.reply_to_id:
            return InvokeResponse(status=400)
        rating, comment = parsed
        answer_id = reply_answer_id(activity.conversation.id, activity.reply_to_id)
        try:
            await asyncio.to_thread(
                record_feedback,
                self._deps.store,
                answer_id=answer_id,
                rating=rating,
                comment=comment,
                channel="teams",
            )
        except NotFoundError:
            # An answer past its retention time; Teams would show the user an error for
            # anything but 200, and there is nothing the user can do about it.
            logger.warning("Teams: återkoppling på okänt svar %s ignoreras", answer_id)
        except AssistantError as exc:
            logger.error("Teams: återkopplingen kunde inte lagras (%s)", exc.code)
            return InvokeResponse(status=exc.status)
        return InvokeResponse(status=200)


async def _send(turn_context: TurnContextProtocol, payload: dict[str, Any]) -> str | None:
    """Send activity JSON as a reply; the id the channel gave the message."""
    response = await turn_context.send_activity(Activity.model_validate(payload))
    return response.id if response is not None else None


async def _report_turn_error(turn_context: TurnContextProtocol, error: Exception) -> None:
    """Log a failed turn and tell the user briefly, without internals."""
    invalid = _validation_error_of(error)
    if invalid is not None:
        # Its traceback would quote the data that failed, which may be the question.
        logger.error("Teams: tur misslyckades (%s)", describe_validation_error(invalid))
    else:
        logger.error("Teams: tur misslyckades (%s)", type(error).__name__, exc_info=error)
    if turn_context.activity.type != "message":
        return
    try:
        await _send(turn_context, text_reply(APOLOGY_TEXT))
    except Exception as exc:  # the channel itself may be what failed
        logger.error("Teams: felmeddelandet kunde inte skickas (%s)", type(exc).__name__)


# --- Wiring ---------------------------------------------------------------------------


def _token_url(settings: Settings) -> str:
    """The Entra token endpoint for the bot's tenant."""
    tenant = settings.teams_tenant_id or MULTI_TENANT
    return settings.teams_token_url or PUBLIC_TOKEN_URL.format(tenant=tenant)


def build_teams_router(
    settings: Settings,
    answer_question: AnswerQuestion,
    store: Store,
    *,
    names_place: Callable[[str], bool] | None = None,
) -> APIRouter:
    """The `POST /api/messages` route for Teams, answering through `answer_question`.

    `names_place(question)` says whether a question names a region or municipality itself
    (then it beats the conversation's `region` choice); default: a covered region's name.
    """
    configuration = _auth_configuration(settings)
    quiet_sdk_logs()
    validator: JwtTokenValidator | None = None  # None: the anonymous mode
    if settings.teams_app_id:
        validator = JwtTokenValidator(configuration)
        # An instance attribute: the SDK's class-wide key cache stays untouched.
        validator._jwk_client_manager = _KeyLookup(settings.teams_jwks_url)
    else:
        _announce_anonymous_mode(settings)
    token_url = _token_url(settings)
    connections = ConnectionManager(
        lambda config: _ClientCredentials(config, token_url),
        {"SERVICE_CONNECTION": configuration},
    )
    adapter = CloudAdapter(connection_manager=connections)
    adapter.on_turn_error = _report_turn_error
    deps = _Deps(settings, answer_question, store, names_place)
    per_minute = settings.rate_limit_per_minute
    limiter = RateLimiter(per_minute) if per_minute > 0 else None
    router = APIRouter()

    @router.post("/api/messages", include_in_schema=False)
    async def messages(request: Request) -> Response:
        """Bot Framework activities from the Bot Connector (Teams)."""
        # Who is calling is settled before the body is read: a refused caller cannot make
        # the service parse anything.
        identity: ClaimsIdentity | None = None
        if validator is None:
            if not anonymous_allowed(settings, request.scope):
                raise AuthError(ANONYMOUS_REFUSED)
            refused = _over_limit(limiter, "addr:" + client_address(request.scope))
            if refused is not None:
                return refused
        else:
            identity = await _verify_token(validator, request.headers.get("authorization"))
        body = await _read_json(request)
        fields = body if isinstance(body, dict) else {}
        service_url = fields.get("serviceUrl")
        _check_service_url(identity, service_url if isinstance(service_url, str) else "")
        if identity is not None:
            refused = _over_limit(limiter, _sender_key(fields))
            if refused is not None:
                return refused
        request.state.claims_identity = identity if identity is not None else ClaimsIdentity()
        activity = _parse_activity(body)
        if urlsplit(activity.service_url or "").scheme not in {"http", "https"}:
            raise InputError("Aktiviteten saknar en giltig serviceUrl.")
        if not activity.type or not activity.conversation or not activity.conversation.id:
            raise InputError("Aktiviteten saknar type eller conversation.id.")
        base_url = settings.public_url or str(request.base_url)
        response = await adapter.process(request, _AssistantBot(deps, base_url))
        return response if response is not None else Response(status_code=202)

    return router


def _announce_anonymous_mode(settings: Settings) -> None:
    """Say at start-up, loudly, what the endpoint does without an app id."""
    if not (_is_loopback(settings.host) or settings.teams_anonymous):
        logger.warning(
            "Teams: /api/messages avvisar alla anrop. ASSISTANT_TEAMS_APP_ID är inte satt och "
            "servern lyssnar på %s, inte bara på loopback. Sätt ASSISTANT_TEAMS_APP_ID för "
            "drift, eller ASSISTANT_TEAMS_ANONYMOUS=1 för lokal utveckling (då tas anrop emot "
            "från loopback utan token).",
            settings.host,
        )
        return
    logger.warning(
        "\n%s\nTEAMS: ANONYMT UTVECKLINGSLÄGE. ASSISTANT_TEAMS_APP_ID är inte satt, så "
        "/api/messages tar emot oautentiserade anrop från den här datorn (loopback)%s. "
        "Använd aldrig detta i drift.\n%s",
        "!" * 78,
        "" if _is_loopback(settings.host) else
        f" trots att servern lyssnar på {settings.host} (ASSISTANT_TEAMS_ANONYMOUS=1)",
        "!" * 78,
    )
