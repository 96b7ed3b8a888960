"""What the routes share: the engine (or why there is none), the store and the ask path.

`ask_blocking` is the ask path of every HTTP interface (API, stream, Teams), and the API's
answers are stored for feedback by the service's `AnswerWriter` right after the response. It
is blocking and CPU-bound, so callers run it in a worker thread. Normal questions are not
queued here: the embedder runs at most `settings.workers` model calls at once and lets
questions that arrive meanwhile share the next call (`embedding.QueryBatcher`), so queueing
them before the model would only keep batches from forming. Heavy (long) questions take a
turn at the admission gate (`admission.py`), which sheds them with 503 when too many are
waiting.

Re-indexing while serving: `reload_into` loads the index folder again beside the running
engine and then swaps one reference. A request takes the engine once, at its start, so
requests in flight finish on the old engine and no request sees half of each. A failed
reload keeps the old engine serving and records why (`reload_problem`), which `/readyz`
reports until a reload succeeds.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field, replace

from assistant.channels.common import AnswerWriter, Channel
from assistant.channels.http.admission import Admission, admission_for, run_heavy
from assistant.channels.http.metrics import Metrics, count_answer, record_index, record_reload
from assistant.errors import (
    AssistantError,
    CorpusError,
    IndexUnavailableError,
    NotFoundError,
    StoreError,
)
from assistant.index.build import load_index
from assistant.index.embedding import HEAVY_QUERY_TOKENS, question_tokens
from assistant.models import Answer
from assistant.pipeline import Engine, ansvar, ask, load_engine
from assistant.settings import Settings
from assistant.store import (
    FeedbackRecord,
    Rating,
    Store,
    open_store,
    record_feedback,
    store_health,
)

logger = logging.getLogger("assistant.api")

LOADING = "Indexet laddas fortfarande. Försök igen om en stund."
LOAD_FAILED = "Indexet kunde inte laddas på grund av ett oväntat fel; se serverns logg."
STORE_FAILED = "Lagringen för svar och återkoppling går inte att använda; se serverns logg."
WARM_UP_QUESTION = "Vem ansvarar för samordnad individuell plan?"
RELOAD_FAILED = "Det nya indexet kunde inte laddas: {reason}"
STILL_SERVING = (
    "{problem} Tjänsten svarar tills vidare med det senast fungerande indexet "
    "(byggt {built_at})."
)


@dataclass(eq=False)
class Service:
    """The running service's shared state: set up once, then read by every request."""

    settings: Settings
    engine: Engine | None = None
    unavailable: str = LOADING  # why no question can be answered; "" once loaded
    reload_problem: str = ""  # why the last reload failed while the old engine serves on
    store: Store | None = None
    writer: AnswerWriter = field(default_factory=lambda: AnswerWriter(None), repr=False)
    metrics: Metrics = field(default_factory=Metrics, repr=False)
    reloading: threading.Lock = field(default_factory=threading.Lock, repr=False)
    admission: Admission = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.admission = admission_for(self.settings.workers)
        if self.engine is not None:
            self.unavailable = ""
            _describe_index(self, self.engine)


def create_service(settings: Settings, engine: Engine | None = None) -> Service:
    """The shared state for an app: the given engine (if any) and the opened store."""
    service = Service(settings=settings, engine=engine)
    try:
        service.store = open_store(settings.store_location)
    except AssistantError as exc:
        # Answers still work without the store; only feedback does not. The message names
        # the store (a URL without its password).
        logger.error("Lagringen kan inte öppnas: %s", exc.message)
    service.writer = AnswerWriter(service.store)
    return service


def load_into(service: Service) -> None:
    """Load the index and the model at start-up (blocking); on failure, record why."""
    with suppress(IndexUnavailableError):  # logged, and kept in service.unavailable
        reload_into(service)


def reload_into(service: Service) -> Engine:
    """Load the index folder again and swap it in (blocking); IndexUnavailableError on failure.

    The running engine, if any, keeps serving while the new one loads, and stays when
    loading fails. One reload runs at a time; a second one waits and then loads afresh.
    """
    with service.reloading:
        started = time.perf_counter()
        current = service.engine
        try:
            engine = _load_engine(service, current)
        except AssistantError as exc:
            reason = exc.message
            logger.error("Indexet kunde inte laddas: %s", reason)
        except Exception:
            reason = LOAD_FAILED
            logger.exception("Indexet kunde inte laddas")
        else:
            service.engine = engine  # the swap: one reference, atomic for every reader
            service.unavailable = ""
            service.reload_problem = ""
            _describe_index(service, engine)
            record_reload(service.metrics, ok=True)
            manifest = engine.index.manifest
            logger.info(
                "Indexet är laddat: %d passager ur %d dokument (%s, byggt %s) på %.1f s",
                manifest.chunk_count,
                len(engine.index.documents),
                manifest.embedder,
                manifest.built_at,
                time.perf_counter() - started,
            )
            return engine
        record_reload(service.metrics, ok=False)
        if current is None:
            service.unavailable = reason
            raise IndexUnavailableError(reason)
        service.reload_problem = RELOAD_FAILED.format(reason=reason)
        raise IndexUnavailableError(stale_message(service, current))


def _load_engine(service: Service, current: Engine | None) -> Engine:
    """A new engine from the index folder, warmed up so its first question is not slow."""
    if current is None:
        engine = load_engine(service.settings)
    else:
        # The running embedder (already loaded) must fit the new index, as at start-up.
        index = load_index(service.settings, current.embedder)
        engine = replace(load_engine(service.settings, index), embedder=current.embedder)
    # Loading the model now makes /readyz honest and spares the first user the wait. The
    # warm-up takes a model lane like any question (the embedder limits concurrent calls).
    engine.embedder.embed_queries([WARM_UP_QUESTION])
    # The ansvarsmatris too: its first build would otherwise fall on a question (whose
    # answer looks up conflicts in it). A broken matters list is reported where it is shown.
    with suppress(CorpusError):
        ansvar(engine)
    return engine


def _describe_index(service: Service, engine: Engine) -> None:
    manifest = engine.index.manifest
    size = 0
    for name in manifest.files:
        # A file replaced by a newer build since: the size is a gauge, not a check.
        with suppress(OSError):
            size += (service.settings.index_dir / name).stat().st_size
    record_index(service.metrics, manifest, len(engine.index.documents), size)


def stale_message(service: Service, engine: Engine) -> str:
    """Why /readyz is 503 while the last good engine still answers."""
    return STILL_SERVING.format(
        problem=service.reload_problem, built_at=engine.index.manifest.built_at
    )


def require_engine(service: Service) -> Engine:
    """The loaded engine; IndexUnavailableError (503) with the reason while there is none."""
    if service.engine is None:
        raise IndexUnavailableError(service.unavailable or LOADING)
    return service.engine


def ask_blocking(
    service: Service,
    question: str,
    *,
    region: str | None = None,
    document_ids: list[str] | None = None,
    top_k: int | None = None,
) -> Answer:
    """Answer a question (blocking; call it in a worker thread). A heavy question waits for
    a turn, or is refused with OverloadedError (503) when too many are waiting."""
    engine = require_engine(service)

    def answer() -> Answer:
        return ask(
            engine, question, region=region, document_ids=document_ids, top_k=top_k
        ).answer

    if question_tokens(engine.embedder, question) > HEAVY_QUERY_TOKENS:
        answered = run_heavy(service.admission, answer)
    else:
        answered = answer()
    count_answer(service.metrics, answered.status)
    return answered


def answer_and_record(
    service: Service,
    question: str,
    *,
    region: str | None,
    document_ids: list[str] | None,
    top_k: int | None,
    channel: Channel,
) -> Answer:
    """Answer a question (blocking); it is stored (redacted) for feedback after the
    response, by the service's writer."""
    answer = ask_blocking(
        service, question, region=region, document_ids=document_ids, top_k=top_k
    )
    total = answer.timings.get("total", 0.0) * 1000
    logger.info(
        "Svar %s: %s, region %s, %d passager, %.0f ms, kanal %s",
        answer.id,
        answer.status,
        answer.region or "-",
        len(answer.citations),
        total,
        channel,
    )
    # The question itself is never logged, not even redacted: names and health details
    # would survive redaction, and logs travel further than the store (which keeps it).
    service.writer.submit(question, answer, channel)
    return answer


# Feedback on an answer the store does not hold (yet) looks again this long before 404: a
# replica's writer stores an answer a moment after its response, and the feedback may
# reach another replica first.
# Only ids of the form answers are given (compose: uuid4 hex) are looked for again.
FEEDBACK_GRACE_SECONDS = 1.0
FEEDBACK_RETRY_SECONDS = 0.05
_GIVEN_ID = re.compile(r"[0-9a-f]{32}")


def feedback_on(
    service: Service, *, answer_id: str, rating: Rating, comment: str | None, channel: Channel
) -> FeedbackRecord:
    """Store feedback on an answer (blocking), once the answer itself is stored."""
    store = require_store(service)
    service.writer.wait_for(answer_id)
    deadline = time.monotonic() + FEEDBACK_GRACE_SECONDS
    while True:
        try:
            return record_feedback(
                store, answer_id=answer_id, rating=rating, comment=comment, channel=channel
            )
        except NotFoundError:
            if time.monotonic() >= deadline or not _GIVEN_ID.fullmatch(answer_id):
                raise
            time.sleep(FEEDBACK_RETRY_SECONDS)


def store_usable(service: Service, *, recheck: bool = True) -> bool:
    """Whether the store is open and takes writes (`recheck`: try a failed one again, which
    blocks; see `store.store_health`)."""
    if service.store is None:
        return False
    return store_health(service.store, recheck=recheck).ok


def require_store(service: Service) -> Store:
    """The open store; StoreError (503) if it could not be opened."""
    if service.store is None:
        raise StoreError(STORE_FAILED)
    return service.store


