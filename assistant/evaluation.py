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
from contextlib import suppress
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, CasesError, IndexUnavailableError, InputError
from assistant.settings import PROJECT_ROOT, Settings, load_settings

if TYPE_CHECKING:
    from assistant.pipeline import Engine

KINDS = ("responsibility", "procedure", "fact", "definition", "comparison", "unanswerable")
PARTIES = ("kommun", "region", "gemensamt", "annan")
REQUIRED_FIELDS = ("id", "question", "kind", "answerable", "evidence")
CUTOFFS = (1, 3, 5, 10)
DEPTH = 10  # passages asked for, so that hit@10, MRR@10 and nDCG@10 can be computed
HIT_SHARE = 0.8
QUOTE_SHARE = 0.6  # share of an evidence quote's tokens the answer's own quotes must hold
MAX_QUESTION = 1000  # the API's limit, checked up front so no case fails half-way
NO_REGION = "ingen region"
NO_DOCUMENT = "inget (obesvarbar)"
SWEEP = tuple(round(i / 100, 2) for i in range(101))  # min_support values tried
MIN_ANSWERED = 0.95  # the share of answerable cases a decline threshold must keep answering
# The headline metrics (DESIGN.md): every report, the JSON and the comparison show them.
HEADLINE = (
    "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "answered", "declined",
    "responsible", "answer_quotes_evidence", "answer_quotes_evidence_responsibility",
    "clean_answers", "party_invented", "false_declines", "false_answers",
)
# Metrics where a lower value is better; their floors in the gate are ceilings.
LOWER_IS_BETTER = frozenset({"party_invented", "false_declines", "false_answers"})
GATED = HEADLINE
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
    tags: tuple[str, ...] = ()

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


def _tags(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        problems.append("fältet 'tags' måste vara en lista med icke-tomma texter")
        return ()
    return tuple(dict.fromkeys(t.strip() for t in value))


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
    tags = _tags(row.get("tags"), problems)
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
            tags=tags,
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


def quotes_hold_evidence(case: Case, quoted: Sequence[Passage]) -> bool:
    """Whether the answer's own quotes, together, hold ≥60% of some evidence quote's tokens.

    Only quotes from the evidence's document count; `quoted` are the quotes of the
    citations the answer's `[n]` markers point to.
    """
    for e in case.evidence:
        joined = " ".join(q.text for q in quoted if q.document_id == e.document)
        if joined and quote_share(e.quote, joined) >= QUOTE_SHARE:
            return True
    return False


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
        answer = pipeline.ask(engine, question, region=region, top_k=depth)
        decline_at = None
        if sweep:
            found = pipeline.search(engine, question, region=region, top_k=depth)
            decline_at = decline_threshold(engine, found)
        return Reply(
            status=answer.status,
            responsible=answer.responsible,
            answer=answer.text,
            passages=tuple(Passage(c.document_id, c.text) for c in answer.citations),
            seconds=float(answer.timings.get("total", 0.0)),
            decline_at=decline_at,
            sweep_known=sweep,
            quoted=cited(answer.text, ((c.n, c.document_id, c.quote) for c in answer.citations)),
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

    def ask(question: str, region: str | None) -> Reply:
        started = time.perf_counter()
        body: dict[str, Any] = {"question": question, "top_k": depth}
        if region:
            body["region"] = region
        status, payload = _request(url, body, api_key, timeout)
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


# ── metrics ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Metrics:
    """The DESIGN.md metrics over a set of results (None where no case counts)."""

    cases: int
    answerable: int
    unanswerable: int
    responsible_cases: int
    values: Mapping[str, float | None]  # by HEADLINE name (and hit@k for every cut-off)
    latency_p50: float | None
    latency_p95: float | None
    cutoffs: tuple[int, ...] = CUTOFFS

    @property
    def hits(self) -> dict[int, float | None]:
        """hit@k by k."""
        return {k: self.values.get(f"hit@{k}") for k in self.cutoffs}

    @property
    def mrr(self) -> float | None:
        """MRR@10."""
        return self.values.get("mrr@10")

    @property
    def ndcg(self) -> float | None:
        """nDCG@10."""
        return self.values.get("ndcg@10")

    @property
    def answered(self) -> float | None:
        """The share of answerable cases answered."""
        return self.values.get("answered")

    @property
    def declined(self) -> float | None:
        """The share of unanswerable cases declined."""
        return self.values.get("declined")

    @property
    def responsible(self) -> float | None:
        """Responsible-party accuracy."""
        return self.values.get("responsible")

    def named(self) -> dict[str, float | None]:
        """The metrics by their report names (hit@1 …, mrr@10, …, latency_p50, latency_p95)."""
        return {**self.values, "latency_p50": self.latency_p50, "latency_p95": self.latency_p95}


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


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


def case_outcomes(result: CaseResult, cutoffs: Sequence[int] = CUTOFFS) -> dict[str, float]:
    """What one case contributes to each metric (a metric it does not count for is absent).

    Every metric is the mean of these over the cases that have it, so the report, the
    breakdowns and the bootstrap of a comparison all compute from the same numbers.
    """
    case, reply = result.case, result.reply
    out: dict[str, float] = {}
    rank = result.rank
    if case.answerable:
        for k in cutoffs:
            out[f"hit@{k}"] = _flag(rank is not None and rank <= k)
        out["mrr@10"] = 1.0 / rank if rank is not None and rank <= DEPTH else 0.0
        out["ndcg@10"] = ndcg(rank)
    if reply.status is None:
        return out  # nothing was composed: no answer metric applies
    answered = reply.status == "answered"
    if case.answerable:
        out["answered"] = _flag(answered)
        out["false_declines"] = _flag(not answered)
        quotes = _flag(answered and quotes_hold_evidence(case, reply.quoted))
        out["answer_quotes_evidence"] = quotes
        if case.kind == "responsibility":
            out["answer_quotes_evidence_responsibility"] = quotes
        if case.responsible is not None:
            out["responsible"] = _flag(reply.responsible == case.responsible)
    else:
        out["declined"] = _flag(not answered)
        out["false_answers"] = _flag(answered)
    if case.responsible is None:
        out["party_invented"] = _flag(reply.responsible is not None)
    if answered:
        from assistant.answer_checks import is_clean

        out["clean_answers"] = _flag(is_clean(reply.answer))
    return out


def mean_outcomes(
    outcomes: Sequence[Mapping[str, float]], names: Sequence[str]
) -> dict[str, float | None]:
    """Each named metric: the mean over the outcomes that have it, None where none do."""
    return {n: _mean([o[n] for o in outcomes if n in o]) for n in names}


def metric_names(cutoffs: Sequence[int] = CUTOFFS) -> list[str]:
    """The headline names with hit@k for the given cut-offs, in report order."""
    hits = [f"hit@{k}" for k in cutoffs]
    return [*hits, *(n for n in HEADLINE if not n.startswith("hit@"))]


def compute_metrics(results: Sequence[CaseResult], cutoffs: Sequence[int] = CUTOFFS) -> Metrics:
    """Every headline metric and latency over a set of results."""
    outcomes = [case_outcomes(r, cutoffs) for r in results]
    latencies = [r.reply.seconds for r in results]
    return Metrics(
        cases=len(results),
        answerable=sum(r.case.answerable for r in results),
        unanswerable=sum(not r.case.answerable for r in results),
        responsible_cases=sum("responsible" in o for o in outcomes),
        values=mean_outcomes(outcomes, metric_names(cutoffs)),
        latency_p50=percentile(latencies, 0.50),
        latency_p95=percentile(latencies, 0.95),
        cutoffs=tuple(cutoffs),
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


def by_tag(results: Sequence[CaseResult], cutoffs: Sequence[int] = CUTOFFS) -> dict[str, Metrics]:
    """Metrics per tag; a case with several tags counts in each of them."""
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        for tag in result.case.tags:
            groups.setdefault(tag, []).append(result)
    return {t: compute_metrics(groups[t], cutoffs) for t in sorted(groups)}


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
    """All figures of one run: overall, per kind/tag/region/document, curve, sweep, region path.

    `region_path` is the same metrics over the cases asked a second time with their region
    in the request (None when no case has a region or the path was not run).
    """

    overall: Metrics
    by_kind: dict[str, Metrics]
    by_tag: dict[str, Metrics]
    by_region: dict[str, Metrics]
    by_document: dict[str, Metrics]
    curve: list[float]
    sweep: list[SweepRow]
    suggestion: SweepRow | None
    region_path: Metrics | None = None
    region_path_by_kind: dict[str, Metrics] = field(default_factory=dict)


def summarise(
    results: Sequence[CaseResult],
    cutoffs: Sequence[int] = CUTOFFS,
    region_results: Sequence[CaseResult] = (),
) -> Summary:
    """Every figure the report shows, from the per-case results."""
    sweep = sweep_declines(results)
    return Summary(
        overall=compute_metrics(results, cutoffs),
        by_kind=breakdown(results, lambda c: c.kind, cutoffs, KINDS),
        by_tag=by_tag(results, cutoffs),
        by_region=breakdown(results, lambda c: c.region_label, cutoffs),
        by_document=breakdown(results, lambda c: c.document_label, cutoffs),
        curve=hit_curve(results),
        sweep=sweep,
        suggestion=suggest_threshold(sweep),
        region_path=compute_metrics(region_results, cutoffs) if region_results else None,
        region_path_by_kind=breakdown(region_results, lambda c: c.kind, cutoffs, KINDS),
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
    region_results: tuple[CaseResult, ...] = ()  # the region path: asked with the case's region
    blind: bool = False  # a held-out set: reports give counts by kind and tag, never a case

    @property
    def set_name(self) -> str:
        """"utvecklingsmängden" or "den undanhållna mängden", as the report names the set."""
        return "den undanhållna mängden" if self.blind else "utvecklingsmängden"

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
        if reply.status == "answered" and not quotes_hold_evidence(case, reply.quoted):
            reasons.append("svarets citat innehåller inte evidensen")
    elif reply.status == "answered":
        reasons.append("svarade på en fråga som texterna inte besvarar")
    if case.responsible is None and reply.responsible is not None:
        reasons.append(f"angav en part ({reply.responsible}) där fallet inte har någon")
    if reply.status == "answered":
        from assistant.answer_checks import unclean_parts

        reasons += [f"ostädat svar: {why}" for why in unclean_parts(reply.answer)]
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
    """Run the cases, then the region path, and summarise them as one Run."""
    from datetime import UTC, datetime

    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    results = run_cases(cases, asker, on_result=on_result)
    region_results = run_cases(cases, asker, with_region=True, on_result=on_result)
    cutoffs = cutoffs_for(top_k)
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
        summary=summarise(results, cutoffs, region_results),
        notes=tuple(notes),
        overrides=dict(overrides or {}),
        region_results=tuple(region_results),
        blind=is_held_out(cases_file),
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


def ceil2(value: float) -> float:
    """Round up to two decimals (a ceiling for a metric where lower is better)."""
    return math.ceil(round(value * 100, 6)) / 100


def floors_from(metrics: Metrics, prefix: str = "") -> dict[str, float]:
    """Floors at the level reached (rounded down; ceilings rounded up where lower is better)."""
    floors: dict[str, float] = {}
    for name, value in metrics.named().items():
        if name in GATED and value is not None:
            bound = ceil2(value) if name in LOWER_IS_BETTER else floor2(value)
            floors[prefix + name] = bound
    return floors


def run_floors(run: Run) -> dict[str, float]:
    """A run's floors: its overall metrics and, as `region_path.<name>`, its region path."""
    floors = floors_from(run.summary.overall)
    if run.summary.region_path is not None:
        floors.update(floors_from(run.summary.region_path, "region_path."))
    return floors


def _stricter(name: str, old: float, new: float) -> float:
    metric = name.removeprefix("region_path.")
    return min(old, new) if metric in LOWER_IS_BETTER else max(old, new)


def record_thresholds(path: Path, runs: Sequence[Run]) -> dict[str, Any]:
    """Write the runs' floors to the gate's file, one entry per cases file.

    A held-out set's floors are only ever raised: a floor already recorded for it is kept
    where the new run is below it (the gate then fails, as it should).
    """
    sets: dict[str, Any] = {}
    if path.exists():
        with suppress(ValueError, OSError):
            old = json.loads(path.read_text("utf-8")).get("sets")
            if isinstance(old, dict):
                sets.update(old)
    for run in runs:
        name = Path(run.cases_file).name
        floors = run_floors(run)
        previous = sets.get(name, {}).get("floors", {}) if run.blind else {}
        for metric, old_floor in previous.items():
            if metric in floors:
                floors[metric] = _stricter(metric, float(old_floor), floors[metric])
        sets[name] = {
            "recorded_at": run.started_at,
            "cases_sha256": run.cases_sha256,
            "held_out": run.blind,
            "floors": floors,
        }
    body = {
        "settings": runs[0].settings if runs else {},
        "note": "Golv för regressionstestet (tests/test_eval_gate.py), per fallfil; tak för "
        f"{', '.join(sorted(LOWER_IS_BETTER))}. Spela in igen med "
        "`assistant eval --record-thresholds`; den undanhållna mängdens golv höjs bara.",
        "sets": sets,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")
    return body


def _write_atomically(path: Path, text: str) -> None:
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(text, "utf-8")
    scratch.replace(path)


def read_thresholds(path: Path, cases_name: str = "cases.jsonl") -> dict[str, float]:
    """The floors recorded for one cases file; raises CasesError if missing or malformed."""
    try:
        body = json.loads(path.read_text("utf-8"))
        floors = body["sets"][cases_name]["floors"]
        return {str(k): float(v) for k, v in floors.items()}
    except FileNotFoundError as exc:
        raise CasesError(
            f"Inga golv finns i {path}. Spela in dem med `assistant eval --record-thresholds`."
        ) from exc
    except KeyError as exc:
        raise CasesError(
            f"Golvfilen {path} har inga golv för {cases_name}. Spela in dem med "
            "`assistant eval --record-thresholds`."
        ) from exc
    except (ValueError, TypeError, AttributeError) as exc:
        raise CasesError(f"Golvfilen {path} är felaktig ({exc}).") from exc


def below_floors(run: Run, floors: Mapping[str, float]) -> list[str]:
    """Every metric of the run under its floor (over its ceiling), as a readable line."""
    named = {f"{k}": v for k, v in run.summary.overall.named().items()}
    if run.summary.region_path is not None:
        named.update(
            {f"region_path.{k}": v for k, v in run.summary.region_path.named().items()}
        )
    out = []
    for name, bound in floors.items():
        value = named.get(name)
        lower_better = name.removeprefix("region_path.") in LOWER_IS_BETTER
        if value is None:
            out.append(f"{name}: saknas ({'tak' if lower_better else 'golv'} {bound:.2f})")
        elif lower_better and value > bound:
            out.append(f"{name}: {value:.4f} > tak {bound:.2f}")
        elif not lower_better and value < bound:
            out.append(f"{name}: {value:.4f} < golv {bound:.2f}")
    return out


# ── whole runs, as the CLI and the gate start them ─────────────────────────────────────


DEVELOPMENT = "cases.jsonl"
HELD_OUT = "holdout.jsonl"


def default_cases(settings: Settings) -> Path:
    """The project's development set (the one the team tunes on)."""
    return settings.evals_dir / DEVELOPMENT


def held_out_cases(settings: Settings) -> Path:
    """The held-out set, written blind: only measured, never tuned on."""
    return settings.evals_dir / HELD_OUT


def is_held_out(cases_file: Path) -> bool:
    """Whether a cases file is a held-out set, whose reports never show a case."""
    return cases_file.name.startswith("holdout")


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
