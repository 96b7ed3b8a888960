"""Sentence scoring: how well each sentence of the retrieved passages answers the question,
and the support score the decline rule reads.

What a sentence is regardless of the question (its terms, party and noise) is worked out
once per passage when the `Engine` loads (`passage_units`), so a reload starts clean and no
cache keyed by text outlives it. A sentence is read against a question once per ask
(`read_passages`, over the whole reranking pool); reranking takes each passage's best
coverage from it and composing ranks the same readings by the passages' final places
(`rank_sentences`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.matching import QuestionTerms, coverage, question_terms, rank_lift, unit_terms
from assistant.answer.parties import RESPONSIBILITY_QUESTION, party_asked_of, party_of
from assistant.answer.sentences import SENTENCE_END_MARK, Sentence, plain, sentences_of
from assistant.answer.weights import WEIGHTS, Weights
from assistant.index import lexical
from assistant.models import Chunk, Hit, Responsible
from assistant.search.query import without_ages

_FOOTNOTE = re.compile(r"^\d{1,3}\)?\s+\S|^\d{1,3}https?:")
_POINTER = re.compile(r"(?:•\s*)?(?:läs mer|se även|mer information|se bilaga)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """A sentence of a passage as every question finds it."""

    sentence: Sentence
    terms: frozenset[str]  # its BM25 terms, with the compounds its elisions stand for
    party: Responsible | None  # who it makes responsible (`parties.party_of`)
    noise: float  # the penalty for not being prose


@dataclass(frozen=True)
class PassageUnits:
    """A passage's sentences, and the terms of its section heading (its context)."""

    units: tuple[Unit, ...]
    context: frozenset[str]


@dataclass(frozen=True)
class Reading:
    """One sentence of a passage, read against the question (before the passage's rank)."""

    sentence: Sentence
    coverage: float  # the share of the question's weight the sentence holds
    merit: float  # how well the sentence itself answers: coverage, duty, noise
    party: Responsible | None


@dataclass(frozen=True)
class Scored:
    """A sentence with how well it answers, and the passage it comes from."""

    sentence: Sentence
    hit: Hit
    n: int
    score: float  # `merit`, lifted by the rank of the passage in the retrieval
    coverage: float  # the share of the question's weight the sentence holds
    merit: float  # how well the sentence itself answers: coverage, duty, noise
    party: Responsible | None = None  # who the sentence makes responsible


def idf_table(texts: Iterable[str]) -> dict[str, float]:
    """Inverse document frequency of BM25 terms over the passages."""
    df: dict[str, int] = {}
    count = 0
    for text in texts:
        count += 1
        for term in set(lexical.analyse(text)):
            df[term] = df.get(term, 0) + 1
    return {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in df.items()}


def units_of(chunk: Chunk, idf: Mapping[str, float], weights: Weights = WEIGHTS) -> PassageUnits:
    """A passage's sentences with their terms (looked up in `idf`), parties and noise."""
    units = tuple(
        Unit(
            sentence,
            frozenset(unit_terms(plain(sentence), idf)),
            party_of(sentence, chunk.trail),
            _noise(sentence.text, weights),
        )
        for sentence in sentences_of(chunk)
    )
    return PassageUnits(units, frozenset(lexical.analyse(chunk.section)))


def passage_units(
    chunks: Sequence[Chunk], idf: Mapping[str, float], weights: Weights = WEIGHTS
) -> dict[str, PassageUnits]:
    """Every passage's units, by chunk id (built when the `Engine` loads)."""
    return {chunk.id: units_of(chunk, idf, weights) for chunk in chunks}


def read_passages(
    question: str,
    hits: Iterable[Hit],
    idf: Mapping[str, float],
    *,
    about: str | None = None,
    weights: Weights = WEIGHTS,
    terms: QuestionTerms | None = None,
    units: Mapping[str, PassageUnits] | None = None,
) -> dict[str, tuple[Reading, ...]]:
    """Every sentence of the hits read against the question, by chunk id, in text order.

    `about`: the question as asked, place names and all ("Har Region Dalarna någon roll
    …?"); when it names one party, sentences about that party's duties come first.
    `units`: the passages' units as the `Engine` holds them (a passage missing from it is
    read here).
    """
    q = terms or question_terms(question, idf, weights)
    responsibility = bool(RESPONSIBILITY_QUESTION.search(without_ages(question)))
    asked_of = party_asked_of(about or question)
    read: dict[str, tuple[Reading, ...]] = {}
    for hit in hits:
        passage = (units or {}).get(hit.chunk.id) or units_of(hit.chunk, idf, weights)
        readings: list[Reading] = []
        for unit in passage.units:
            covered = coverage(q, unit.terms, passage.context, weights)
            duty = 0.0
            if responsibility:
                party = unit.party
                duty = (weights.duty if party else 0.0) + (
                    weights.asked_party if party and party == asked_of else 0.0
                )
            merit = covered + duty - unit.noise
            readings.append(Reading(unit.sentence, covered, merit, unit.party))
        read[hit.chunk.id] = tuple(readings)
    return read


def rank_sentences(
    hits: tuple[Hit, ...], read: Mapping[str, tuple[Reading, ...]], weights: Weights = WEIGHTS
) -> list[Scored]:
    """The readings of the hits, each lifted by its passage's place, best first."""
    scored = [
        Scored(
            r.sentence, hit, n, r.merit + rank_lift(hit, n, weights), r.coverage, r.merit,
            r.party,
        )
        for n, hit in enumerate(hits, start=1)
        for r in read[hit.chunk.id]
    ]
    scored.sort(key=lambda s: -s.score)
    return scored


def best_coverage(read: Mapping[str, tuple[Reading, ...]]) -> dict[str, float]:
    """Each passage's best sentence coverage, by chunk id (what reranking lifts by)."""
    return {chunk: max((r.coverage for r in units), default=0.0) for chunk, units in read.items()}


def _noise(text: str, weights: Weights) -> float:
    """Penalty for units that are not prose: footnotes, table residue, run-on extracts."""
    penalty = 0.0
    if _FOOTNOTE.match(text):
        penalty += weights.footnote
    if len(text) > 400:
        penalty += weights.long_unit * min(2.0, len(text) / 400 - 1)
    words = text.split()
    if words and sum(len(w) <= 2 for w in words) / len(words) > 0.4:
        penalty += weights.table_residue  # "x x x x" cells of a table that lost its columns
    if len(words) <= 6 and not SENTENCE_END_MARK.search(text) and not text.startswith("•"):
        penalty += weights.heading  # a heading or a glossary entry ("10. Giltighetstid")
    if re.fullmatch(r"\S*https?://\S+", text.strip()) or _POINTER.match(text):
        penalty += weights.pointer  # a pointer elsewhere ("Läs mer om SIP på …")
    return penalty


def support_score(
    coverage: float, dense: float, weights: Weights = WEIGHTS, unknown: float = 0.0
) -> float:
    """How well the best sentence is supported: its term coverage, lifted by dense similarity,
    lowered by the share of what the question asks about that the agreements never name.

    The e5 cosine for related Swedish text sits around 0.80–0.90 and for unrelated text
    around 0.70–0.78, so it is rescaled from that band onto 0–1. `unknown`: see
    `QuestionTerms.unknown` — a question about "naloxonprogram" or "färdtjänst" shares its
    other words with the agreements, but not what it is about.
    """
    semantic = min(1.0, max(0.0, (dense - weights.dense_floor) / weights.dense_band))
    return (
        weights.support_coverage * coverage
        + (1 - weights.support_coverage) * semantic
        - weights.unknown_matter * unknown
    )
