"""What every channel shares: which regions there are, which one a question is for, and
storing an answer so that it can be rated.

The HTTP API, the widget's stream and Teams all store through `record` (the HTTP routes
through an `AnswerWriter`, after the response has gone), and Teams resolves a
conversation's remembered region through `resolve_region`. An explicit region (the API's
and the CLI's `region` parameter) is a filter the caller chose and goes to `ask` as it is:
there the pipeline lets it beat the question's own words.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import AssistantError
from assistant.models import Answer
from assistant.pipeline import Engine
from assistant.redaction import redact
from assistant.search.regions import fold, mentions
from assistant.store import Channel, Store, citations_json, record_answer

__all__ = ["AnswerWriter", "Channel", "covered_regions", "record", "resolve_region"]

logger = logging.getLogger("assistant.channels")

# Answers waiting for the writer at most; beyond, an answer is stored before its response
# (a stuck store slows answers down instead of filling the memory).
MAX_WAITING = 1000
WAIT_SECONDS = 5.0  # feedback on an answer still being written waits this long for it


def covered_regions(engine: Engine | None) -> Sequence[str]:
    """The regions with an agreement in the loaded index, in alphabetical order; none
    while no index is loaded."""
    if engine is None:
        return ()
    regions = {meta.region for meta in engine.index.documents.values() if meta.region}
    return tuple(sorted(regions, key=fold))


def resolve_region(question: str, remembered: str | None) -> str | None:
    """The region to answer for: the `remembered` choice (a Teams conversation's `region`
    command) unless the question names a region or municipality itself; then None, so that
    the place in the question decides, as it does without a choice."""
    if remembered is None or not mentions(question):
        return remembered
    return None


def record(
    store: Store | None,
    question: str,
    answer: Answer,
    channel: Channel,
    *,
    answer_id: str | None = None,
) -> bool:
    """Store an answer, its question redacted, for feedback (blocking): under `answer_id`,
    else the answer's own id. False, and logged, when it could not be stored."""
    stored_id = answer_id or answer.id
    if store is None:
        logger.warning("Svar %s lagras inte: lagringen är inte öppen", stored_id)
        return False
    try:
        record_answer(
            store,
            answer_id=stored_id,
            question=redact(question),
            status=answer.status,
            responsible=answer.responsible,
            region=answer.region,
            citations_json=citations_json(answer),
            channel=channel,
        )
    except AssistantError as exc:
        logger.error("Svar %s (%s) kunde inte lagras: %s", stored_id, channel, exc.message)
        return False
    except Exception:
        # Storing is for feedback only; the user still gets the answer.
        logger.exception("Svar %s (%s) kunde inte lagras", stored_id, channel)
        return False
    return True


@dataclass(frozen=True)
class _Write:
    question: str
    answer: Answer
    channel: Channel
    done: threading.Event


class AnswerWriter:
    """Stores answers on a thread of its own, after their responses have gone.

    Storing (redaction and a commit: about 1 ms with SQLite, a round trip with PostgreSQL)
    is for feedback only, so it is no part of an answer's time. Answers are written in the
    order they were given. Feedback on an answer that is still waiting to be written waits
    for it (`wait_for`); `close` writes what is left before the store closes.
    """

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Write | threading.Event | None] = queue.SimpleQueue()
        self._waiting: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, question: str, answer: Answer, channel: Channel) -> None:
        """Store the answer soon; at once (blocking) when too many are waiting."""
        with self._lock:
            if self._closed or len(self._waiting) >= MAX_WAITING:
                later = False
            else:
                later = True
                done = self._waiting[answer.id] = threading.Event()
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="assistant-answer-writer", daemon=True
                    )
                    self._thread.start()
        if later:
            self._queue.put(_Write(question, answer, channel, done))
        else:
            record(self.store, question, answer, channel)

    def wait_for(self, answer_id: str, timeout: float = WAIT_SECONDS) -> None:
        """Return once the answer is stored (or was never waiting), at most after `timeout`."""
        with self._lock:
            done = self._waiting.get(answer_id)
        if done is not None:
            done.wait(timeout)

    def flush(self, timeout: float = WAIT_SECONDS) -> bool:
        """Wait until every answer submitted so far is stored; False on timeout."""
        with self._lock:
            running = self._thread is not None
        if not running:
            return True
        reached = threading.Event()
        self._queue.put(reached)
        return reached.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Store what is waiting and stop the thread (later answers are stored at once)."""
        with self._lock:
            thread, self._thread, self._closed = self._thread, None, True
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                record(self.store, item.question, item.answer, item.channel)
            finally:
                with self._lock:
                    self._waiting.pop(item.answer.id, None)
                item.done.set()
