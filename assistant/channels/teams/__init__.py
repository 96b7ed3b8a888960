"""The Microsoft Teams bot: `POST /api/messages` on the Microsoft 365 Agents SDK.

The rest of the app sees one function, `build_teams_router(settings, answer_question,
store, regions=…)`, and plain data. Modules by role:

    messages   what a user sends, read into plain data: commands, feedback, ids (pure)
    replies    what the bot sends: answer replies with Teams' citation entity, help and
               region texts, within Teams' limits (pure; Markdown, why not a card: there)
    summary    what an answer's reply says at a glance, read as the chat widget reads it:
               party lines per region, warnings' short forms, sources by short title (pure)
    bodies     request bodies parsed before the SDK sees them; SDK log records without
               the input they quote (pydantic, no SDK)
    auth       who may call (the Bot Connector's JWT, the anonymous rule) and the bot's own
               Entra token for replies: SDK, `jwt`, `aiohttp`
    adapter    the activity handler and the route around the SDK's CloudAdapter: SDK

Only `auth` and `adapter` import `microsoft_agents.*` (and `auth` alone `jwt` and
`aiohttp`); no SDK type leaves them. Regions and recording come from `channels.common`.

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

A conversation's `region <namn>` is remembered; a question that names a region or a
municipality itself is answered for that place instead (`channels.common.resolve_region`).
Every module logs as `assistant.teams`.
"""

from assistant.channels.teams.adapter import AnswerQuestion, build_teams_router
from assistant.channels.teams.auth import ANONYMOUS_REFUSED, anonymous_allowed
from assistant.channels.teams.bodies import (
    MAX_JSON_DEPTH,
    describe_validation_error,
    quiet_sdk_logs,
)
from assistant.channels.teams.messages import (
    MAX_FEEDBACK_CHARS,
    Command,
    Rating,
    clean_message_text,
    conversation_key,
    is_clear_word,
    match_region,
    parse_command,
    parse_feedback,
    reply_answer_id,
)
from assistant.channels.teams.replies import (
    APOLOGY_TEXT,
    MAX_ANSWER_CHARS,
    MAX_CITATION_ABSTRACT,
    MAX_CITATION_NAME,
    MAX_CITATIONS,
    MAX_MESSAGE_BYTES_UTF16,
    MAX_TEXT_CHARS,
    NO_ANSWER_TEXT,
    WELCOME_TEXT,
    answer_reply,
    answer_text,
    citation_claim,
    citation_name,
    escape_markdown,
    escape_places,
    escape_shown,
    help_text,
    party_text,
    payload_size,
    region_unknown_text,
    sources_text,
    text_reply,
    warnings_text,
)
from assistant.channels.teams.summary import (
    PartyLine,
    party_lines,
    shorten,
    warning_form,
    warning_forms,
)

__all__ = [
    "ANONYMOUS_REFUSED",
    "APOLOGY_TEXT",
    "MAX_ANSWER_CHARS",
    "MAX_CITATIONS",
    "MAX_CITATION_ABSTRACT",
    "MAX_CITATION_NAME",
    "MAX_FEEDBACK_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_MESSAGE_BYTES_UTF16",
    "MAX_TEXT_CHARS",
    "NO_ANSWER_TEXT",
    "WELCOME_TEXT",
    "AnswerQuestion",
    "Command",
    "PartyLine",
    "Rating",
    "anonymous_allowed",
    "answer_reply",
    "answer_text",
    "build_teams_router",
    "citation_claim",
    "citation_name",
    "clean_message_text",
    "conversation_key",
    "describe_validation_error",
    "escape_markdown",
    "escape_places",
    "escape_shown",
    "help_text",
    "is_clear_word",
    "match_region",
    "parse_command",
    "parse_feedback",
    "party_lines",
    "party_text",
    "payload_size",
    "quiet_sdk_logs",
    "region_unknown_text",
    "reply_answer_id",
    "shorten",
    "sources_text",
    "text_reply",
    "warning_form",
    "warning_forms",
    "warnings_text",
]
