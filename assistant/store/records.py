"""What the store keeps, whichever backend holds it: our own records, the limits, and the
checks and clean-ups every value passes before a backend sees it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from assistant.errors import InputError
from assistant.redaction import redact

Rating = Literal["up", "down"]
Channel = Literal["web", "teams", "api"]
RATINGS: tuple[Rating, ...] = ("up", "down")
CHANNELS: tuple[Channel, ...] = ("web", "teams", "api")

MAX_STORED_QUESTION_CHARS = 2000  # a redacted question is kept to this length
MAX_COMMENT_CHARS = 2000
MAX_ID_CHARS = 200

ANSWER_NOT_FOUND = (
    "Svaret finns inte. Det kan ha rensats bort när lagringstiden gick ut; ställ frågan igen."
)


@dataclass(frozen=True)
class AnswerRecord:
    """An answer as stored: the redacted question and what was answered."""

    answer_id: str
    created_at: datetime
    question: str
    status: str
    responsible: str | None
    region: str | None
    citations_json: str
    channel: Channel


@dataclass(frozen=True)
class FeedbackRecord:
    """One thumbs up or down on an answer, with an optional redacted comment."""

    id: int
    answer_id: str
    rating: Rating
    comment: str | None
    channel: Channel
    created_at: datetime


# The columns both backends select, in this order, for `answer_from_row` / `feedback_from_row`.
ANSWER_COLUMNS = (
    "answer_id, created_at, question, status, responsible, region, citations_json, channel"
)
FEEDBACK_COLUMNS = "id, answer_id, rating, comment, channel, created_at"


def answer_from_row(row: Sequence[Any], moment: Callable[[Any], datetime]) -> AnswerRecord:
    """An answers row (ANSWER_COLUMNS), its time read by the backend's `moment`."""
    return AnswerRecord(
        answer_id=row[0], created_at=moment(row[1]), question=row[2], status=row[3],
        responsible=row[4], region=row[5], citations_json=row[6], channel=cast(Channel, row[7]),
    )


def feedback_from_row(row: Sequence[Any], moment: Callable[[Any], datetime]) -> FeedbackRecord:
    """A feedback row (FEEDBACK_COLUMNS), its time read by the backend's `moment`."""
    return FeedbackRecord(
        id=int(row[0]), answer_id=row[1], rating=cast(Rating, row[2]), comment=row[3],
        channel=cast(Channel, row[4]), created_at=moment(row[5]),
    )


@dataclass(frozen=True)
class StoreHealth:
    """Whether the store can be written, and if not, the backend's reason."""

    ok: bool
    problem: str = ""


@dataclass(frozen=True)
class PurgeReport:
    """How many rows `purge` removed, and the cut-off it used."""

    cutoff: datetime
    answers: int
    feedback: int
    conversations: int

    @property
    def total(self) -> int:
        """All rows removed."""
        return self.answers + self.feedback + self.conversations


def stored_question(question: str) -> str:
    """The question as it may be kept: redacted (again), without NUL, capped."""
    # Callers must redact before logging, and do; redacting again here is the second line of
    # defence: the store is kept for months, so one forgotten call site must not put a
    # personnummer on disk. redact() is idempotent, so the double pass changes nothing else.
    return _without_nul(redact(question))[:MAX_STORED_QUESTION_CHARS]


def stored_comment(comment: str | None) -> str | None:
    """A feedback comment as it may be kept: redacted, trimmed, capped; None when blank."""
    if comment is not None and not isinstance(comment, str):
        raise InputError("Kommentaren måste vara text.")
    cleaned = _without_nul(redact(comment.strip()))[:MAX_COMMENT_CHARS].strip() if comment else ""
    return cleaned or None


def check_id(value: str, name: str) -> None:
    """Reject empty, absurdly long or NUL-holding identifiers."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_ID_CHARS
        or "\x00" in value
    ):
        raise InputError(f"{name} måste vara en icke-tom text på högst {MAX_ID_CHARS} tecken.")


def check_channel(channel: str) -> None:
    """Reject channels other than web, teams and api."""
    if channel not in CHANNELS:
        raise InputError("Kanalen måste vara 'web', 'teams' eller 'api'.")


def check_rating(rating: str) -> None:
    """Reject ratings other than up and down."""
    if rating not in RATINGS:
        raise InputError("Betyget måste vara 'up' eller 'down'.")


def utc(moment: datetime | None) -> datetime:
    """The moment in UTC (now when None); a naive datetime is taken to be UTC already."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _without_nul(text: str) -> str:
    """The text without NUL characters, which PostgreSQL's text cannot hold (nor means one)."""
    return text.replace("\x00", "")
