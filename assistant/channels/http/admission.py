"""Admission of heavy questions: a few at once, a few more waiting, the rest shed with 503.

A question's cost is its tokens (the embedder's own count, `embedding.question_tokens`), not
its characters: 1000 characters are 220 tokens of Swedish prose but 560 of random letters.
What is embedded is capped (`embedding.MAX_QUERY_TOKENS`), so no question costs more than
about 0.2 s of one core; but four clients sending such questions back to back would still
keep both cores busy and make every normal question wait. So a *heavy* question (over
`embedding.HEAVY_QUERY_TOKENS`, longer than any eval question) must take a turn: at most
`at_once` of them are answered at a time (the model lanes but one, so normal questions
always have a lane of their own), `waiting` more may queue for a turn, and any beyond are
refused at once with 503 `overloaded` and `Retry-After`. Normal questions are never queued
here; they share model calls as before (`embedding.QueryBatcher`).

The limit is global, not per client: fairness that rested on the client's address would
fail clients behind one proxy (they share it) and not stop one who rotates addresses.
Threads, not the event loop, wait for a turn: the ask path runs in worker threads for every
channel (API, stream, Teams), and at most `at_once + waiting` of them are held here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from assistant.errors import OverloadedError

T = TypeVar("T")
WAITING_PER_TURN = 4  # heavy questions that may queue for each turn
RETRY_AFTER_SECONDS = 2
BUSY = (
    "Tjänsten har för många långa frågor att besvara just nu. Försök igen om en stund, "
    "eller korta frågan."
)


@dataclass(eq=False)
class Admission:
    """The gate for heavy questions: `at_once` answered at a time, `waiting` more queued."""

    at_once: int
    waiting: int
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _turns: threading.Semaphore = field(init=False, repr=False)
    admitted: int = 0  # heavy questions running or waiting for a turn
    refused: int = 0  # heavy questions shed since the start

    def __post_init__(self) -> None:
        self._turns = threading.BoundedSemaphore(max(1, self.at_once))


def admission_for(workers: int) -> Admission:
    """The gate for a service with `workers` model lanes: every lane but one for heavy
    questions (at least one), four waiting per turn."""
    at_once = max(1, workers - 1)
    return Admission(at_once=at_once, waiting=WAITING_PER_TURN * at_once)


def run_heavy(admission: Admission, work: Callable[[], T]) -> T:
    """Run `work` in this (worker) thread when a turn is free; OverloadedError (503) at once
    when `at_once + waiting` heavy questions are already admitted."""
    with admission._lock:
        if admission.admitted >= admission.at_once + admission.waiting:
            admission.refused += 1
            raise OverloadedError(BUSY, RETRY_AFTER_SECONDS)
        admission.admitted += 1
    try:
        with admission._turns:
            return work()
    finally:
        with admission._lock:
            admission.admitted -= 1
