"""The metrics over a set of case results (DESIGN.md, "Eval cases").

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
Answer-level metrics: see `case_outcomes`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant.evals.answer_checks import is_clean
from assistant.evals.asking import SWEEP, CaseResult
from assistant.evals.cases import DEPTH, KINDS, Case, quotes_hold_evidence

CUTOFFS = (1, 3, 5, 10)
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
