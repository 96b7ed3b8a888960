"""What the routes share: the engine (or why there is none), the store and the ask path.

`ask_blocking` is the ask path of every HTTP interface (API, stream, Teams). It is blocking
and CPU-bound, so callers run it in a worker thread; a semaphore lets at most
`settings.workers` questions be answered at the same time, whichever interface asked.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Literal

from assistant.errors import AssistantError, IndexUnavailableError, StoreError
from assistant.models import Answer
from assistant.pipeline import Engine, ask, load_engine
from assistant.redaction import redact
from assistant.settings import Settings
from assistant.store import Store, open_store, record_answer

logger = logging.getLogger("assistant.api")

Channel = Literal["api", "web"]
LOADING = "Indexet laddas fortfarande. Försök igen om en stund."
LOAD_FAILED = "Indexet kunde inte laddas på grund av ett oväntat fel; se serverns logg."
STORE_FAILED = "Lagringen för svar och återkoppling går inte att använda; se serverns logg."
WARM_UP_QUESTION = "Vem ansvarar för samordnad individuell plan?"


@dataclass(eq=False)
class Service:
    """The running service's shared state: set up once, then read by every request."""

    settings: Settings
    engine: Engine | None = None
    unavailable: str = LOADING  # why no question can be answered; "" once loaded
    store: Store | None = None
    slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.slots = threading.BoundedSemaphore(self.settings.workers)
        if self.engine is not None:
            self.unavailable = ""


def create_service(settings: Settings, engine: Engine | None = None) -> Service:
    """The shared state for an app: the given engine (if any) and the opened store."""
    service = Service(settings=settings, engine=engine)
    try:
        service.store = open_store(settings.store_path)
    except AssistantError as exc:
        # Answers still work without the store; only feedback does not.
        logger.error("Lagringen %s kan inte öppnas: %s", settings.store_path, exc.message)
    return service


def load_into(service: Service) -> None:
    """Load the index and the model (blocking); on failure, record why instead of raising."""
    try:
        engine = load_engine(service.settings)
        # Loading the model now makes /readyz honest and spares the first user the wait.
        engine.embedder.embed_queries([WARM_UP_QUESTION])
    except AssistantError as exc:
        service.unavailable = exc.message
        logger.error("Indexet kunde inte laddas: %s", exc.message)
        return
    except Exception:
        service.unavailable = LOAD_FAILED
        logger.exception("Indexet kunde inte laddas")
        return
    service.engine = engine
    service.unavailable = ""
    manifest = engine.index.manifest
    logger.info(
        "Indexet är laddat: %d passager ur %d dokument (%s, byggt %s)",
        manifest.chunk_count,
        len(engine.index.documents),
        manifest.embedder,
        manifest.built_at,
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
    """Answer a question (blocking; call it in a worker thread)."""
    engine = require_engine(service)
    with service.slots:
        return ask(engine, question, region=region, document_ids=document_ids, top_k=top_k)


def answer_and_record(
    service: Service,
    question: str,
    *,
    region: str | None,
    document_ids: list[str] | None,
    top_k: int | None,
    channel: Channel,
) -> Answer:
    """Answer a question and store it (redacted) for feedback (blocking)."""
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
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Fråga till svar %s: %s", answer.id, redact(question))
    record(service, question, answer, channel)
    return answer


def record(service: Service, question: str, answer: Answer, channel: Channel) -> None:
    """Store the answer for feedback; a failing store is logged, the answer still goes out."""
    if service.store is None:
        logger.warning("Svar %s lagras inte: lagringen är inte öppen", answer.id)
        return
    try:
        record_answer(
            service.store,
            answer_id=answer.id,
            question=redact(question),
            status=answer.status,
            responsible=answer.responsible,
            region=answer.region,
            citations_json=citations_json(answer),
            channel=channel,
        )
    except AssistantError as exc:
        logger.error("Svar %s kunde inte lagras: %s", answer.id, exc.message)
    except Exception:
        # Storing is for feedback only; the user still gets the answer.
        logger.exception("Svar %s kunde inte lagras", answer.id)


def require_store(service: Service) -> Store:
    """The open store; StoreError (503) if it could not be opened."""
    if service.store is None:
        raise StoreError(STORE_FAILED)
    return service.store


def citations_json(answer: Answer) -> str:
    """What is kept of an answer's citations: where they point, not the passage texts."""
    return json.dumps(
        [
            {
                "n": c.n,
                "document_id": c.document_id,
                "section": c.section,
                "page": c.page,
                "quote": c.quote,
                "score": c.score,
                "url": c.url,
            }
            for c in answer.citations
        ],
        ensure_ascii=False,
    )
