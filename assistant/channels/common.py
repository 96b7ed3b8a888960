"""What every channel shares: which regions there are, which one a question is for, and
storing an answer so that it can be rated.

The HTTP API, the widget's stream and Teams all store through `record`, and Teams resolves
a conversation's remembered region through `resolve_region`. An explicit region (the API's
and the CLI's `region` parameter) is a filter the caller chose and goes to `ask` as it is:
there the pipeline lets it beat the question's own words.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from assistant.errors import AssistantError
from assistant.models import Answer
from assistant.pipeline import Engine
from assistant.redaction import redact
from assistant.search.regions import fold, mentions
from assistant.store import Channel, Store, citations_json, record_answer

__all__ = ["Channel", "covered_regions", "record", "resolve_region"]

logger = logging.getLogger("assistant.channels")


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
