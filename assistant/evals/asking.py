"""Asking the cases: in process through `pipeline.ask`, or a server over HTTP.

Every case is asked with its question alone; the region path asks the cases that have a
region once more with it in the request (as a widget with `data-region` does).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, IndexUnavailableError, InputError

if TYPE_CHECKING:
    from assistant.pipeline import Engine

from assistant.evals.cases import DEPTH, Case, Passage, first_hit
from assistant.evals.client import Waits, request_json

SWEEP = tuple(round(i / 100, 2) for i in range(101))  # min_support values tried


@dataclass(frozen=True)
class Reply:
    """What the ask path returned for one question, as far as the metrics need it."""

    status: str | None  # "answered" | "no_support"; None where no answer was composed
    responsible: str | None
    answer: str
    passages: tuple[Passage, ...]
    seconds: float
    # The smallest swept min_support at which this question is declined; None = answered at
    # every swept value. Only known in-process, where the answer can be composed again.
    decline_at: float | None = None
    sweep_known: bool = False
    # The quotes of the citations the answer's [n] markers point to (document id, quote).
    quoted: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class CaseResult:
    """One case with what came back and where the first hit was."""

    case: Case
    reply: Reply
    rank: int | None  # first hit among the first DEPTH passages

    @property
    def answered(self) -> bool:
        """Whether the ask path gave an answer (not a decline)."""
        return self.reply.status == "answered"


# Asks one question, with the region a widget or Teams user would send (None: no region).
Asker = Callable[[str, str | None], Reply]
_MARKER = re.compile(r"\[(\d+)\]")


def cited(answer_text: str, citations: Iterable[tuple[int, str, str]]) -> tuple[Passage, ...]:
    """The (document id, quote) of each citation (n, document id, quote) the text marks."""
    marked = {int(n) for n in _MARKER.findall(answer_text)}
    return tuple(Passage(doc, quote) for n, doc, quote in citations if n in marked and quote)


def local_asker(engine: Engine, depth: int = DEPTH, *, sweep: bool = True) -> Asker:
    """Ask in-process through `pipeline.ask`; also find where each answer would be declined."""
    from assistant import pipeline

    def ask(question: str, region: str | None) -> Reply:
        outcome = pipeline.ask(engine, question, region=region, top_k=depth)
        answer = outcome.answer
        return Reply(
            status=answer.status,
            responsible=answer.responsible,
            answer=answer.text,
            passages=tuple(Passage(c.document_id, c.text) for c in answer.citations),
            seconds=float(answer.timings.get("total", 0.0)),
            decline_at=decline_threshold(outcome.support) if sweep else None,
            sweep_known=sweep,
            quoted=cited(answer.text, ((c.n, c.document_id, c.quote) for c in answer.citations)),
        )

    return ask


def decline_threshold(support: float | None) -> float | None:
    """The smallest min_support in SWEEP at which the answer is declined: the first above
    its support score (compose declines below it); SWEEP[0] when nothing could answer."""
    if support is None:
        return SWEEP[0]
    return next((threshold for threshold in SWEEP if support < threshold), None)


def _error_message(payload: Any) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return str(payload["error"].get("message", ""))
    return ""


def http_asker(
    base_url: str,
    depth: int = DEPTH,
    *,
    api_key: str | None = None,
    timeout: float = 120.0,
    waits: Waits | None = None,
) -> Asker:
    """Ask a running server over HTTP (`POST /v1/ask`), timing the whole round trip but
    not the waits a 429 or 503 asked for (those are counted in `waits`, and asked again)."""
    url = base_url.rstrip("/") + "/v1/ask"
    waited = Waits() if waits is None else waits

    def ask(question: str, region: str | None) -> Reply:
        started = time.perf_counter()
        before = waited.seconds
        body: dict[str, Any] = {"question": question, "top_k": depth}
        if region:
            body["region"] = region
        status, payload = request_json(url, body, api_key, timeout, waited)
        seconds = max(0.0, time.perf_counter() - started - (waited.seconds - before))
        if status != 200:
            message = _error_message(payload) or "inget felmeddelande"
            if status == 503:
                raise IndexUnavailableError(f"Servern {url} har inget index: {message}")
            raise InputError(f"Servern {url} svarade {status}: {message}")
        return reply_from_json(payload, seconds, url)

    return ask


def reply_from_json(payload: Any, seconds: float, where: str = "servern") -> Reply:
    """A Reply from a `POST /v1/ask` response body (DESIGN.md's API contract)."""
    try:
        citations = payload["citations"]
        passages = tuple(
            Passage(str(c["document_id"]), str(c["text"])) for c in citations
        )
        status = payload["status"]
        responsible = payload.get("responsible")
        answer = str(payload.get("answer") or "")
        quoted = cited(answer, (
            (int(c.get("n", 0)), str(c["document_id"]), str(c.get("quote") or ""))
            for c in citations
        ))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"Svaret från {where} följer inte API-kontraktet (saknar {exc})."
        ) from exc
    if status not in ("answered", "no_support"):
        raise InputError(f"Svaret från {where} har okänd status {status!r}.")
    return Reply(status, responsible, answer, passages, seconds, quoted=quoted)


def server_documents(
    base_url: str,
    *,
    api_key: str | None = None,
    timeout: float = 30.0,
    waits: Waits | None = None,
) -> set[str] | None:
    """The document ids a server serves (`GET /v1/documents`), or None if it will not say."""
    try:
        status, payload = request_json(
            base_url.rstrip("/") + "/v1/documents", None, api_key, timeout, waits
        )
    except InputError:
        return None
    if status != 200:
        return None
    rows = payload.get("documents") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        return None
    # `document_id` is the contract's name (DESIGN.md); `id` what older servers sent.
    ids = {row.get("document_id", row.get("id")) for row in rows if isinstance(row, dict)}
    return {i for i in ids if isinstance(i, str)} or None


def run_cases(
    cases: Sequence[Case],
    asker: Asker,
    *,
    with_region: bool = False,
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Ask every case's question and find its first hit.

    Without `with_region` only the question is sent. With it, the cases that have a region
    are asked with that region in the request, as a widget with `data-region` or a Teams
    user with a remembered region asks (the region path); the others are skipped.
    """
    results: list[CaseResult] = []
    for case in cases:
        region = case.region if with_region else None
        if with_region and region is None:
            continue
        try:
            reply = asker(case.question, region)
        except AssistantError as exc:
            raise type(exc)(f"Fallet {case.id} (rad {case.line}): {exc.message}") from exc
        result = CaseResult(case, reply, first_hit(case, reply.passages))
        results.append(result)
        if on_result:
            on_result(result)
    return results


def region_path_count(cases: Sequence[Case]) -> int:
    """How many cases the region path asks a second time (those with a region)."""
    return sum(1 for c in cases if c.region)
