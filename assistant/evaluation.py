"""The eval suite: load and check cases, run them through the ask path, compute the metrics.

The hit rule (DESIGN.md, "Eval cases"): a returned passage is a hit for a case when it comes
from an evidence document and contains at least 80% of that quote's word tokens, counted as
a multiset. Word tokens are `\\w+` over NFKC-normalised, lower-cased text, so punctuation and
bullet glyphs (• and the private-use U+F0B7 of PDF extraction) are never tokens. Any evidence
alternative counts. Matching is on text, never on chunk ids, so cases survive re-chunking.

Ranking metrics look at the first `DEPTH` (10) passages returned, best first:
- hit@k: the share of answerable cases with a hit among the first k passages;
- MRR@10: the mean of 1/rank of the first hit (0 when none in the first 10);
- nDCG@10 with binary relevance (a passage is relevant when it is a hit for any
  alternative). Each case asks for one answer, so the ideal list holds one relevant passage
  at rank 1 (ideal DCG = 1) and only the first relevant passage counts: a second passage
  with the same answer is repetition, not a better ranking. nDCG@10 is therefore
  1 / log2(1 + rank of the first hit), and 0 without a hit.
Answer metrics: share answered (answerable cases with status "answered"), share declined
(unanswerable cases with status "no_support"), responsible-party accuracy (answerable cases
whose `responsible` is not null). Latency percentiles use the nearest-rank method.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, CasesError, IndexUnavailableError, InputError
from assistant.settings import PROJECT_ROOT, Settings, load_settings

if TYPE_CHECKING:
    from assistant.pipeline import Engine

KINDS = ("responsibility", "procedure", "fact", "definition", "comparison", "unanswerable")
PARTIES = ("kommun", "region", "gemensamt")
REQUIRED_FIELDS = ("id", "question", "kind", "answerable", "evidence")
CUTOFFS = (1, 3, 5, 10)
DEPTH = 10  # passages asked for, so that hit@10, MRR@10 and nDCG@10 can be computed
HIT_SHARE = 0.8
MAX_QUESTION = 1000  # the API's limit, checked up front so no case fails half-way
NO_REGION = "ingen region"
NO_DOCUMENT = "inget (obesvarbar)"
SWEEP = tuple(round(i / 100, 2) for i in range(101))  # min_support values tried
MIN_ANSWERED = 0.95  # the share of answerable cases a decline threshold must keep answering
GATED = (
    "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "answered", "declined",
    "responsible",
)
THRESHOLDS_NAME = "thresholds.json"
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")


# ── cases ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Evidence:
    """One alternative that fully answers a case: a verbatim quote from one document."""

    document: str
    quote: str


@dataclass(frozen=True)
class Case:
    """One known question with what a correct answer rests on."""

    id: str
    question: str
    kind: str
    answerable: bool
    region: str | None
    responsible: str | None
    answer: str
    evidence: tuple[Evidence, ...]
    line: int  # line number in the cases file (1-based)

    @property
    def region_label(self) -> str:
        """The region for breakdowns, or "ingen region"."""
        return self.region or NO_REGION

    @property
    def document_label(self) -> str:
        """The first evidence document, for per-document breakdowns."""
        return self.evidence[0].document if self.evidence else NO_DOCUMENT


@dataclass(frozen=True)
class Problem:
    """Something wrong on one line of a cases file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}"


def _optional_text(row: Mapping[str, Any], name: str, problems: list[str]) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        problems.append(f"fältet '{name}' måste vara en text eller null")
        return None
    if isinstance(value, str):
        return value.strip() or None
    return None


def _evidence(value: Any, problems: list[str]) -> tuple[Evidence, ...]:
    if not isinstance(value, list):
        problems.append("fältet 'evidence' måste vara en lista")
        return ()
    found: list[Evidence] = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            problems.append(f"evidence nr {i} måste vara ett objekt med 'document' och 'quote'")
            continue
        document, quote = item.get("document"), item.get("quote")
        if not isinstance(document, str) or not document.strip():
            problems.append(f"evidence nr {i} saknar 'document' (ett dokument-id)")
            continue
        if not isinstance(quote, str) or not word_tokens(quote):
            problems.append(f"evidence nr {i} saknar 'quote' (ett citat med ord)")
            continue
        found.append(Evidence(document.strip(), quote))
    return tuple(found)


def parse_case(text: str, line: int) -> tuple[Case | None, list[str]]:
    """One line of a cases file as a Case, or the problems that keep it from being one."""
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"ogiltig JSON ({exc.msg}, tecken {exc.pos + 1})"]
    if not isinstance(row, dict):
        return None, ["raden måste vara ett JSON-objekt"]
    missing = [name for name in REQUIRED_FIELDS if name not in row]
    if missing:
        return None, [f"fält saknas: {', '.join(missing)}"]
    problems: list[str] = []
    case_id, question, kind = row["id"], row["question"], row["kind"]
    if not isinstance(case_id, str) or not case_id.strip():
        problems.append("fältet 'id' måste vara en icke-tom text")
    if not isinstance(question, str) or not question.strip():
        problems.append("fältet 'question' måste vara en icke-tom text")
    elif len(" ".join(question.split())) > MAX_QUESTION:
        problems.append(f"frågan är längre än {MAX_QUESTION} tecken")
    elif not _LETTER.search(question):
        problems.append("frågan innehåller inga ord")
    if kind not in KINDS:
        problems.append(f"okänd kind {kind!r}; tillåtna: {', '.join(KINDS)}")
    answerable = row["answerable"]
    if not isinstance(answerable, bool):
        problems.append("fältet 'answerable' måste vara true eller false")
    responsible = row.get("responsible")
    if responsible is not None and responsible not in PARTIES:
        problems.append(f"okänd responsible {responsible!r}; tillåtna: {', '.join(PARTIES)}, null")
    region = _optional_text(row, "region", problems)
    answer = _optional_text(row, "answer", problems) or ""
    evidence = _evidence(row["evidence"], problems)
    if answerable is True and row["evidence"] == []:
        problems.append("en besvarbar fråga (answerable: true) måste ha minst en evidence")
    if answerable is False and row["evidence"]:
        problems.append("en obesvarbar fråga (answerable: false) ska ha tom evidence")
    if isinstance(answerable, bool) and kind in KINDS and answerable == (kind == "unanswerable"):
        problems.append(
            "kind 'unanswerable' hör ihop med answerable: false (och bara med det)"
        )
    if problems:
        return None, problems
    return (
        Case(
            id=case_id.strip(),
            question=question,
            kind=kind,
            answerable=answerable,
            region=region,
            responsible=responsible,
            answer=answer,
            evidence=evidence,
            line=line,
        ),
        [],
    )


def check_lines(lines: Iterable[str]) -> tuple[list[Case], list[Problem]]:
    """Parse the lines of a cases file; blank lines are skipped, every problem is kept."""
    cases: list[Case] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        case, messages = parse_case(text, number)
        problems.extend(Problem(number, m) for m in messages)
        if case is None:
            continue
        if case.id in first_line:
            problems.append(
                Problem(number, f"id {case.id!r} finns redan på rad {first_line[case.id]}")
            )
            continue
        first_line[case.id] = number
        cases.append(case)
    return cases, problems


def check_documents(cases: Iterable[Case], known: Collection[str]) -> list[Problem]:
    """Evidence that names a document the index does not hold (it could never be a hit)."""
    return [
        Problem(
            case.line,
            f"okänt dokument-id {e.document!r} i fallet {case.id!r} "
            f"(kända: {', '.join(sorted(known))})",
        )
        for case in cases
        for e in case.evidence
        if e.document not in known
    ]


def _raise_problems(path: Path, problems: Sequence[Problem]) -> None:
    shown = "\n".join(f"  {p}" for p in problems[:50])
    more = f"\n  … och {len(problems) - 50} till" if len(problems) > 50 else ""
    raise CasesError(f"Fallfilen {path} har {len(problems)} fel:\n{shown}{more}")


def read_cases(path: Path) -> list[Case]:
    """Load and check a cases file (JSONL); raises CasesError naming every bad line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CasesError(f"Kan inte läsa fallfilen {path}: {exc.strerror or exc}") from exc
    lines: list[str] = []
    problems: list[Problem] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8").removeprefix("\ufeff"))
        except UnicodeDecodeError:
            problems.append(Problem(number, "raden är inte giltig UTF-8"))
            lines.append("")
    cases, found = check_lines(lines)
    problems = sorted([*problems, *found], key=lambda p: p.line)
    if problems:
        _raise_problems(path, problems)
    if not cases:
        raise CasesError(f"Fallfilen {path} innehåller inga fall.")
    return cases


def require_known_documents(path: Path, cases: Sequence[Case], known: Collection[str]) -> None:
    """Raise CasesError listing every evidence document id that is not in the index."""
    problems = check_documents(cases, known)
    if problems:
        _raise_problems(path, problems)


def load_cases(path: Path, known_documents: Collection[str] | None = None) -> list[Case]:
    """Load and check a cases file, and (given the known ids) its evidence documents."""
    cases = read_cases(path)
    if known_documents is not None:
        require_known_documents(path, cases, known_documents)
    return cases


# ── the hit rule ───────────────────────────────────────────────────────────────────────


def word_tokens(text: str) -> list[str]:
    """Word tokens for matching: `\\w+` over NFKC-normalised, lower-cased text."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def quote_share(quote: str, passage: str) -> float:
    """The share of the quote's word tokens the passage holds, counted as a multiset."""
    wanted = Counter(word_tokens(quote))
    total = sum(wanted.values())
    if not total:
        return 0.0
    have = Counter(word_tokens(passage))
    return sum(min(n, have[t]) for t, n in wanted.items()) / total


@dataclass(frozen=True)
class Passage:
    """A passage that came back for a question: where it is from and its text."""

    document_id: str
    text: str


def is_hit(case: Case, passage: Passage) -> bool:
    """Whether the passage holds ≥80% of any evidence quote's tokens, from that document."""
    return any(
        e.document == passage.document_id and quote_share(e.quote, passage.text) >= HIT_SHARE
        for e in case.evidence
    )


def first_hit(case: Case, passages: Sequence[Passage], depth: int = DEPTH) -> int | None:
    """The rank (1-based) of the first hit among the first `depth` passages, or None."""
    for rank, passage in enumerate(passages[:depth], start=1):
        if is_hit(case, passage):
            return rank
    return None


# ── running ────────────────────────────────────────────────────────────────────────────


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


Asker = Callable[[str], Reply]


def local_asker(engine: Engine, depth: int = DEPTH, *, sweep: bool = True) -> Asker:
    """Ask in-process through `pipeline.ask`; also find where each answer would be declined."""
    from assistant import pipeline

    def ask(question: str) -> Reply:
        answer = pipeline.ask(engine, question, top_k=depth)
        decline_at = None
        if sweep:
            found = pipeline.search(engine, question, top_k=depth)
            decline_at = decline_threshold(engine, found)
        return Reply(
            status=answer.status,
            responsible=answer.responsible,
            answer=answer.text,
            passages=tuple(Passage(c.document_id, c.text) for c in answer.citations),
            seconds=float(answer.timings.get("total", 0.0)),
            decline_at=decline_at,
            sweep_known=sweep,
        )

    return ask


def decline_threshold(engine: Engine, found: Any) -> float | None:
    """The smallest min_support in SWEEP at which `compose` declines this retrieval."""
    from assistant.answering import compose

    today = date.today()

    def declined(threshold: float) -> bool:
        answer = compose(
            found, engine.index.documents, engine.idf, today=today, min_support=threshold
        )
        return answer.status == "no_support"

    # A threshold declines everything below the support score, so the status flips once.
    if declined(SWEEP[0]):
        return SWEEP[0]
    if not declined(SWEEP[-1]):
        return None
    low, high = 0, len(SWEEP) - 1  # answered at low, declined at high
    while high - low > 1:
        middle = (low + high) // 2
        if declined(SWEEP[middle]):
            high = middle
        else:
            low = middle
    return SWEEP[high]


def _request(
    url: str, body: dict[str, Any] | None, api_key: str | None, timeout: float
) -> tuple[int, Any]:
    """One JSON request; 429 is retried after the server's Retry-After."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
        headers["X-API-Key"] = api_key
    for attempt in range(6):
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code == 429 and attempt < 5:
                wait = exc.headers.get("Retry-After", "1")
                time.sleep(min(60.0, float(wait) if wait.replace(".", "", 1).isdigit() else 1.0))
                continue
            try:
                payload = json.loads(exc.read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                payload = None
            return exc.code, payload
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(f"Kan inte nå servern {url}: {reason}") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"Servern {url} svarade inte med JSON.") from exc
    raise InputError(f"Servern {url} begränsar fortfarande antalet anrop (429).")


def _error_message(payload: Any) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return str(payload["error"].get("message", ""))
    return ""


def http_asker(
    base_url: str, depth: int = DEPTH, *, api_key: str | None = None, timeout: float = 120.0
) -> Asker:
    """Ask a running server over HTTP (`POST /v1/ask`), timing the whole round trip."""
    url = base_url.rstrip("/") + "/v1/ask"

    def ask(question: str) -> Reply:
        started = time.perf_counter()
        status, payload = _request(url, {"question": question, "top_k": depth}, api_key, timeout)
        seconds = time.perf_counter() - started
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
        answer = payload.get("answer") or ""
    except (KeyError, TypeError) as exc:
        raise InputError(
            f"Svaret från {where} följer inte API-kontraktet (saknar {exc})."
        ) from exc
    if status not in ("answered", "no_support"):
        raise InputError(f"Svaret från {where} har okänd status {status!r}.")
    return Reply(status, responsible, str(answer), passages, seconds)


def server_documents(
    base_url: str, *, api_key: str | None = None, timeout: float = 30.0
) -> set[str] | None:
    """The document ids a server serves (`GET /v1/documents`), or None if it will not say."""
    try:
        status, payload = _request(
            base_url.rstrip("/") + "/v1/documents", None, api_key, timeout
        )
    except InputError:
        return None
    if status != 200:
        return None
    rows = payload.get("documents") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        return None
    ids = {row.get("id") for row in rows if isinstance(row, dict)}
    return {i for i in ids if isinstance(i, str)} or None


def run_cases(
    cases: Sequence[Case],
    asker: Asker,
    *,
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Ask every case's question (nothing but the question) and find its first hit."""
    results: list[CaseResult] = []
    for case in cases:
        try:
            reply = asker(case.question)
        except AssistantError as exc:
            raise type(exc)(f"Fallet {case.id} (rad {case.line}): {exc.message}") from exc
        result = CaseResult(case, reply, first_hit(case, reply.passages))
        results.append(result)
        if on_result:
            on_result(result)
    return results


# ── metrics ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Metrics:
    """The DESIGN.md metrics over a set of results (None where no case counts)."""

    cases: int
    answerable: int
    unanswerable: int
    responsible_cases: int
    hits: Mapping[int, float | None]  # k -> hit@k
    mrr: float | None
    ndcg: float | None
    answered: float | None
    declined: float | None
    responsible: float | None
    latency_p50: float | None
    latency_p95: float | None

    def named(self) -> dict[str, float | None]:
        """The metrics by their report names (hit@1 …, mrr@10, ndcg@10, answered, …)."""
        out: dict[str, float | None] = {f"hit@{k}": v for k, v in self.hits.items()}
        out.update(
            {
                "mrr@10": self.mrr,
                "ndcg@10": self.ndcg,
                "answered": self.answered,
                "declined": self.declined,
                "responsible": self.responsible,
                "latency_p50": self.latency_p50,
                "latency_p95": self.latency_p95,
            }
        )
        return out


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0–1) of the values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ndcg(rank: int | None) -> float:
    """nDCG@10 of one case: binary relevance, ideal = one relevant passage at rank 1."""
    return 1.0 / math.log2(rank + 1) if rank is not None and rank <= DEPTH else 0.0


def compute_metrics(results: Sequence[CaseResult], cutoffs: Sequence[int] = CUTOFFS) -> Metrics:
    """hit@k, MRR@10, nDCG@10, answered, declined, responsible accuracy and latency."""
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    ranks = [r.rank for r in answerable]
    with_status = [r for r in answerable if r.reply.status is not None]
    declinable = [r for r in unanswerable if r.reply.status is not None]
    parties = [r for r in with_status if r.case.responsible is not None]
    latencies = [r.reply.seconds for r in results]
    return Metrics(
        cases=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        responsible_cases=len(parties),
        hits={
            k: _mean([1.0 if rank is not None and rank <= k else 0.0 for rank in ranks])
            for k in cutoffs
        },
        mrr=_mean([1.0 / rank if rank is not None and rank <= DEPTH else 0.0 for rank in ranks]),
        ndcg=_mean([ndcg(rank) for rank in ranks]),
        answered=_mean([1.0 if r.answered else 0.0 for r in with_status]),
        declined=_mean([0.0 if r.answered else 1.0 for r in declinable]),
        responsible=_mean(
            [1.0 if r.reply.responsible == r.case.responsible else 0.0 for r in parties]
        ),
        latency_p50=percentile(latencies, 0.50),
        latency_p95=percentile(latencies, 0.95),
    )


def hit_curve(results: Sequence[CaseResult], depth: int = DEPTH) -> list[float]:
    """hit@k for k = 1 … depth over the answerable cases (for the chart)."""
    ranks = [r.rank for r in results if r.case.answerable]
    if not ranks:
        return []
    return [sum(1 for x in ranks if x is not None and x <= k) / len(ranks) for k in
            range(1, depth + 1)]


def breakdown(
    results: Sequence[CaseResult],
    key: Callable[[Case], str],
    cutoffs: Sequence[int] = CUTOFFS,
    order: Sequence[str] = (),
) -> dict[str, Metrics]:
    """Metrics per group of cases (kind, region, document …), known groups first."""
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(key(result.case), []).append(result)
    names = [g for g in order if g in groups] + sorted(g for g in groups if g not in order)
    return {g: compute_metrics(groups[g], cutoffs) for g in names}


@dataclass(frozen=True)
class SweepRow:
    """At one decline threshold: the share of answerable answered, unanswerable declined."""

    threshold: float
    answered: float
    declined: float


def sweep_declines(results: Sequence[CaseResult]) -> list[SweepRow]:
    """The answered/declined trade-off over SWEEP, from each case's decline threshold."""
    if not results or not all(r.reply.sweep_known for r in results):
        return []
    answerable = [r.reply.decline_at for r in results if r.case.answerable]
    unanswerable = [r.reply.decline_at for r in results if not r.case.answerable]

    def declined(at: float | None, threshold: float) -> bool:
        return at is not None and at <= threshold

    rows = []
    for t in SWEEP:
        answered = sum(not declined(a, t) for a in answerable) / len(answerable) if answerable \
            else 0.0
        refused = sum(declined(a, t) for a in unanswerable) / len(unanswerable) if unanswerable \
            else 0.0
        rows.append(SweepRow(t, answered, refused))
    return rows


def suggest_threshold(
    rows: Sequence[SweepRow], min_answered: float = MIN_ANSWERED
) -> SweepRow | None:
    """The threshold declining most unanswerable cases while answering ≥ min_answered.

    Among equals the lowest threshold wins: it answers the most answerable cases.
    """
    allowed = [r for r in rows if r.answered >= min_answered]
    if not allowed:
        return None
    return max(allowed, key=lambda r: (r.declined, r.answered, -r.threshold))


@dataclass(frozen=True)
class Summary:
    """All figures of one run: overall, per kind/region/document, curve and sweep."""

    overall: Metrics
    by_kind: dict[str, Metrics]
    by_region: dict[str, Metrics]
    by_document: dict[str, Metrics]
    curve: list[float]
    sweep: list[SweepRow]
    suggestion: SweepRow | None


def summarise(results: Sequence[CaseResult], cutoffs: Sequence[int] = CUTOFFS) -> Summary:
    """Every figure the report shows, from the per-case results."""
    sweep = sweep_declines(results)
    return Summary(
        overall=compute_metrics(results, cutoffs),
        by_kind=breakdown(results, lambda c: c.kind, cutoffs, KINDS),
        by_region=breakdown(results, lambda c: c.region_label, cutoffs),
        by_document=breakdown(results, lambda c: c.document_label, cutoffs),
        curve=hit_curve(results),
        sweep=sweep,
        suggestion=suggest_threshold(sweep),
    )


def cutoffs_for(top_k: int) -> tuple[int, ...]:
    """The hit@k cut-offs to report: 1, 3, 5, 10 and the chosen top-k."""
    return tuple(sorted({*CUTOFFS, top_k}))


# ── a whole run ────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Run:
    """One eval run: what was run against, the per-case results and their summary."""

    label: str
    source: str  # "i processen" or the server's URL
    cases_file: str
    cases_sha256: str
    top_k: int
    settings: dict[str, Any]
    started_at: str  # ISO 8601, UTC
    seconds: float
    results: tuple[CaseResult, ...]
    summary: Summary
    notes: tuple[str, ...] = ()
    overrides: dict[str, str] = field(default_factory=dict)

    def failures(self) -> list[tuple[CaseResult, list[str]]]:
        """Cases that failed, each with why: no hit in the top k, wrong status or party."""
        failed = []
        for result in self.results:
            reasons = failure_reasons(result, self.top_k)
            if reasons:
                failed.append((result, reasons))
        return failed


def failure_reasons(result: CaseResult, top_k: int) -> list[str]:
    """Why a case counts as failed (empty when it passed)."""
    case, reply = result.case, result.reply
    reasons = []
    if case.answerable:
        if result.rank is None or result.rank > top_k:
            where = (
                f"först på plats {result.rank}" if result.rank
                else f"inte bland de {DEPTH} första"
            )
            reasons.append(f"ingen träff bland de {top_k} första passagerna ({where})")
        if reply.status == "no_support":
            reasons.append("avböjde att svara")
        if case.responsible and reply.status is not None and reply.responsible != case.responsible:
            reasons.append(
                f"ansvarig: väntat {case.responsible}, fick {reply.responsible or 'inget'}"
            )
    elif reply.status == "answered":
        reasons.append("svarade på en fråga som texterna inte besvarar")
    return reasons


def settings_summary(settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """The settings that shape the figures, plus the index they were measured on."""
    summary: dict[str, Any] = {
        name: getattr(settings, name)
        for name in (
            "embedder", "embedder_model", "chunk_size", "chunk_overlap", "fusion", "rrf_k",
            "dense_weight", "candidates", "min_support",
        )
    }
    summary["llm"] = bool(settings.llm_url)
    if engine is not None:
        manifest = engine.index.manifest
        summary["index"] = {
            "dir": shown_path(settings.index_dir),
            "built_at": manifest.built_at,
            "chunks": manifest.chunk_count,
            "embedder": manifest.embedder,
            "corpus_fingerprint": manifest.corpus_fingerprint[:12],
        }
    return summary


def shown_path(path: Path) -> str:
    """A path as reports show it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def file_sha256(path: Path) -> str:
    """Hash of a file, to tell which version of the cases a report was made from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluate(
    cases: Sequence[Case],
    asker: Asker,
    *,
    label: str,
    source: str,
    cases_file: Path,
    top_k: int,
    settings: dict[str, Any],
    notes: Sequence[str] = (),
    overrides: Mapping[str, str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> Run:
    """Run the cases and summarise them as one Run."""
    from datetime import UTC, datetime

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    results = run_cases(cases, asker, on_result=on_result)
    return Run(
        label=label,
        source=source,
        cases_file=shown_path(cases_file),
        cases_sha256=file_sha256(cases_file),
        top_k=top_k,
        settings=dict(settings),
        started_at=started_at,
        seconds=time.perf_counter() - clock,
        results=tuple(results),
        summary=summarise(results, cutoffs_for(top_k)),
        notes=tuple(notes),
        overrides=dict(overrides or {}),
    )


# ── comparing settings ─────────────────────────────────────────────────────────────────

# Settings whose change needs an index of its own (the passages or their vectors differ).
INDEX_SETTINGS = frozenset({"chunk_size", "chunk_overlap", "embedder", "embedder_model"})


def parse_overrides(spec: str) -> dict[str, str]:
    """`chunk_size=800,fusion=weighted` → {"chunk_size": "800", "fusion": "weighted"}."""
    names = {f.name for f in fields(Settings)}
    out: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not value.strip():
            raise InputError(
                f"Jämförelsen {spec!r}: skriv inställning=värde, t.ex. chunk_size=800."
            )
        if name not in names:
            raise InputError(f"Jämförelsen {spec!r}: okänd inställning {name!r}.")
        out[name] = value.strip()
    if not out:
        raise InputError("En jämförelse behöver minst en inställning=värde.")
    return out


def apply_overrides(base: Settings, overrides: Mapping[str, str]) -> Settings:
    """Settings with overrides given as text, converted and validated like the environment."""
    env = {f"ASSISTANT_{k.upper()}": v for k, v in overrides.items()}
    kept = {f.name: getattr(base, f.name) for f in fields(Settings) if f.name not in overrides}
    return load_settings(env, **kept)


def overrides_label(overrides: Mapping[str, str]) -> str:
    """A short label for one side of a comparison."""
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "nuvarande inställningar"


def ensure_index(settings: Settings, scratch: Path, *, progress: bool = True) -> Settings:
    """Settings whose index matches them: the configured one, or one built in scratch.

    Indexes built in scratch are named by what shapes them, so two sides of a comparison
    that differ only in, say, fusion share one.
    """
    from assistant.index import build_index, check_index

    if check_index(settings).fresh:
        return settings
    shape = "-".join(str(getattr(settings, name)) for name in sorted(INDEX_SETTINGS))
    folder = scratch / hashlib.sha256(shape.encode()).hexdigest()[:12]
    own = settings.with_overrides(index_dir=folder)
    if not check_index(own).fresh:
        build_index(own, progress=progress)
    return own


@dataclass(frozen=True)
class Difference:
    """A case whose outcome differs between the two sides of a comparison."""

    case: Case
    a: CaseResult
    b: CaseResult
    change: str  # "bättre" | "sämre" | "ändrad"


def _score(result: CaseResult, top_k: int) -> tuple[int, float]:
    """Failures first (fewer is better), then reciprocal rank."""
    return (-len(failure_reasons(result, top_k)), 1.0 / result.rank if result.rank else 0.0)


def differences(a: Sequence[CaseResult], b: Sequence[CaseResult], top_k: int) -> list[Difference]:
    """Cases whose first-hit rank, status or party differ between two runs of the same cases."""
    by_id = {r.case.id: r for r in b}
    out = []
    for left in a:
        right = by_id.get(left.case.id)
        if right is None:
            continue
        same = (
            left.rank == right.rank
            and left.reply.status == right.reply.status
            and left.reply.responsible == right.reply.responsible
        )
        if same:
            continue
        before, after = _score(left, top_k), _score(right, top_k)
        change = "bättre" if after > before else "sämre" if after < before else "ändrad"
        out.append(Difference(left.case, left, right, change))
    order = {"sämre": 0, "bättre": 1, "ändrad": 2}
    return sorted(out, key=lambda d: (order[d.change], d.case.line))


# ── the regression gate ────────────────────────────────────────────────────────────────


def floor2(value: float) -> float:
    """Round down to two decimals (0.2899… stays 0.28, 0.29 stays 0.29)."""
    return math.floor(round(value * 100, 6)) / 100


def floors_from(metrics: Metrics) -> dict[str, float]:
    """Floors at the level reached, rounded down to two decimals."""
    floors: dict[str, float] = {}
    for name, value in metrics.named().items():
        if name in GATED and value is not None:
            floors[name] = floor2(value)
    return floors


def record_thresholds(path: Path, run: Run) -> dict[str, Any]:
    """Write the run's overall metrics (rounded down) as the gate's floors."""
    body = {
        "recorded_at": run.started_at,
        "cases_file": Path(run.cases_file).name,
        "cases_sha256": run.cases_sha256,
        "settings": run.settings,
        "note": "Golv för regressionstestet (tests/test_eval_gate.py); "
        "spela in igen med `assistant eval --record-thresholds`.",
        "floors": floors_from(run.summary.overall),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
    return body


def read_thresholds(path: Path) -> dict[str, float]:
    """The recorded floors; raises CasesError if the file is missing or malformed."""
    try:
        body = json.loads(path.read_text("utf-8"))
        floors = body["floors"]
        return {str(k): float(v) for k, v in floors.items()}
    except FileNotFoundError as exc:
        raise CasesError(
            f"Inga golv finns i {path}. Spela in dem med `assistant eval --record-thresholds`."
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CasesError(f"Golvfilen {path} är felaktig ({exc}).") from exc


def below_floors(metrics: Metrics, floors: Mapping[str, float]) -> list[str]:
    """Every metric under its recorded floor, as a readable line."""
    named = metrics.named()
    out = []
    for name, floor in floors.items():
        value = named.get(name)
        if value is None:
            out.append(f"{name}: saknas (golv {floor:.2f})")
        elif value < floor:
            out.append(f"{name}: {value:.4f} < golv {floor:.2f}")
    return out


# ── whole runs, as the CLI and the gate start them ─────────────────────────────────────


def default_cases(settings: Settings) -> Path:
    """The project's own suite."""
    return settings.evals_dir / "cases.jsonl"


def evaluate_locally(
    settings: Settings,
    cases: Sequence[Case],
    cases_file: Path,
    *,
    top_k: int,
    label: str,
    overrides: Mapping[str, str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> Run:
    """Load the index and run the cases in-process through `pipeline.ask`."""
    from assistant import pipeline

    engine = pipeline.load_engine(settings)
    require_known_documents(cases_file, cases, engine.index.documents)
    pipeline.search(engine, "uppvärmning")  # load the model now, not inside case 1's timing
    return evaluate(
        cases,
        local_asker(engine, max(DEPTH, top_k)),
        label=label,
        source="i processen",
        cases_file=cases_file,
        top_k=top_k,
        settings=settings_summary(settings, engine),
        overrides=overrides,
        on_result=on_result,
    )


def evaluate_remotely(
    server: str,
    settings: Settings,
    cases: Sequence[Case],
    cases_file: Path,
    *,
    top_k: int,
    label: str,
    api_key: str | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> Run:
    """Run the cases against a running server's `POST /v1/ask`."""
    if not re.match(r"^https?://[^/\s]+", server):
        raise InputError(f"--server måste vara en http(s)-adress, inte {server!r}.")
    notes = []
    known = server_documents(server, api_key=api_key)
    if known is None:
        from assistant.corpus import load_catalog

        known = set(load_catalog(settings.corpus_dir))
        notes.append(
            f"servern listade inga dokument (GET /v1/documents); dokument-id kontrollerades "
            f"mot den lokala katalogen i {settings.corpus_dir}"
        )
    require_known_documents(cases_file, cases, known)
    return evaluate(
        cases,
        http_asker(server, max(DEPTH, top_k), api_key=api_key),
        label=label,
        source=server,
        cases_file=cases_file,
        top_k=top_k,
        settings={"server": server},
        notes=notes,
        on_result=on_result,
    )


def prepare_side(base: Settings, overrides: Mapping[str, str], scratch: Path) -> Settings:
    """Settings for one side of a comparison, with an index built for it when needed."""
    return ensure_index(apply_overrides(base, overrides), scratch)
