"""What a Teams user sends, read into plain data (pure): commands, feedback, ids."""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.errors import InputError
from assistant.search.regions import canonical_region, fold

Rating = Literal["up", "down"]

MAX_FEEDBACK_CHARS = 2000
CLEAR_WORDS = frozenset({"alla", "ingen", "inga", "rensa", "bort", "av"})
HELP_WORDS = frozenset({"hjälp", "hjalp", "help", "?", "/hjälp", "/hjalp", "/help"})


@dataclass(frozen=True)
class Command:
    """What a Teams message asks for: help, a region choice, or a question."""

    kind: Literal["help", "region", "question"]
    text: str = ""  # the question, or the region argument as written


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


def match_region(name: str, regions: Sequence[str]) -> str | None:
    """The covered region a `region` argument names (as the API's `region` parameter reads
    it: any casing, with or without å/ä/ö, `län`, genitive, a municipality), else None."""
    try:
        region = canonical_region(name)
    except InputError:
        return None
    return region if region in regions else None


def is_clear_word(argument: str) -> bool:
    """Whether a `region` argument asks to forget the choice (`alla`, `ingen`, …)."""
    return fold(argument.strip()) in {fold(w) for w in CLEAR_WORDS}


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
