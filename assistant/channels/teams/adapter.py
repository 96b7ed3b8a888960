"""The bot on the SDK: the activity handler (messages, commands, greeting, feedback) and
the `POST /api/messages` route around the SDK's CloudAdapter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    InvokeResponse,
    TurnContextProtocol,
)
from microsoft_agents.hosting.core import (
    ActivityHandler,
    ClaimsIdentity,
    ConnectionManager,
    JwtTokenValidator,
)
from microsoft_agents.hosting.fastapi import CloudAdapter

from assistant.channels.common import record, resolve_region
from assistant.channels.http.security import RateLimiter, client_address
from assistant.channels.teams.auth import (
    ANONYMOUS_REFUSED,
    ClientCredentials,
    KeyLookup,
    announce_anonymous_mode,
    anonymous_allowed,
    auth_configuration,
    bot_token_url,
    check_service_url,
    over_limit,
    sender_key,
    verify_token,
)
from assistant.channels.teams.bodies import (
    describe_validation_error,
    quiet_sdk_logs,
    read_json,
    validation_error_of,
)
from assistant.channels.teams.messages import (
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
    WELCOME_TEXT,
    answer_reply,
    help_text,
    question_too_long_text,
    region_chosen_text,
    region_cleared_text,
    region_unknown_text,
    text_reply,
)
from assistant.errors import AssistantError, AuthError, InputError, NotFoundError
from assistant.models import Answer
from assistant.settings import Settings
from assistant.store import (
    Store,
    get_conversation_region,
    record_feedback,
    set_conversation_region,
)
from assistant.text import MAX_QUESTION_CHARS

logger = logging.getLogger("assistant.teams")

AnswerQuestion = Callable[[str, str | None], Answer]


def _parse_activity(body: Any) -> Activity:
    """The SDK's activity for a JSON body; InputError (422) when it is not one."""
    try:
        return Activity.model_validate(body)
    except Exception:  # a ValidationError, or the bare Exception some SDK validators raise
        raise InputError("Kroppen är ingen giltig aktivitet (Bot Framework-JSON).") from None


@dataclass(frozen=True)
class _Deps:
    """What a turn needs besides the activity."""

    settings: Settings
    answer_question: AnswerQuestion
    store: Store
    regions: Callable[[], Sequence[str]]


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
        regions = self._deps.regions()
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
        region = resolve_region(question, remembered)
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
        stored = await asyncio.to_thread(
            record, deps.store, question, answer, "teams", answer_id=stored_id
        )
        if not stored:
            return  # logged; the user has the answer already, only its feedback link is lost
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
    invalid = validation_error_of(error)
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


def build_teams_router(
    settings: Settings,
    answer_question: AnswerQuestion,
    store: Store,
    *,
    regions: Callable[[], Sequence[str]],
) -> APIRouter:
    """The `POST /api/messages` route for Teams, answering through `answer_question`;
    `regions()` gives the covered regions (for `hjälp` and `region <namn>`)."""
    configuration = auth_configuration(settings)
    quiet_sdk_logs()
    validator: JwtTokenValidator | None = None  # None: the anonymous mode
    if settings.teams_app_id:
        validator = JwtTokenValidator(configuration)
        # An instance attribute: the SDK's class-wide key cache stays untouched.
        validator._jwk_client_manager = KeyLookup(settings.teams_jwks_url)
    else:
        announce_anonymous_mode(settings)
    token_url = bot_token_url(settings)
    connections = ConnectionManager(
        lambda config: ClientCredentials(config, token_url),
        {"SERVICE_CONNECTION": configuration},
    )
    adapter = CloudAdapter(connection_manager=connections)
    adapter.on_turn_error = _report_turn_error
    deps = _Deps(settings, answer_question, store, regions)
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
            refused = over_limit(limiter, "addr:" + client_address(request.scope))
            if refused is not None:
                return refused
        else:
            identity = await verify_token(validator, request.headers.get("authorization"))
        body = await read_json(request)
        fields = body if isinstance(body, dict) else {}
        service_url = fields.get("serviceUrl")
        check_service_url(identity, service_url if isinstance(service_url, str) else "")
        if identity is not None:
            refused = over_limit(limiter, sender_key(fields))
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
