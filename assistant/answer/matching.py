"""How well a unit of text (a sentence, a statement) answers a question: the share of the
question's weighted BM25 terms it holds, with compounds, elisions and synonyms.

Sentences (`answering`) and statements (`statement_answers`) are scored the same way, so
their coverages can be compared.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from assistant.answer.parties import QUESTION_ACTOR
from assistant.answer.weights import WEIGHTS, Weights
from assistant.index import lexical, matters
from assistant.models import Hit
from assistant.search.query import expand_query, without_ages

# A sentence that asks: up to and including its question mark.
_ASKING = re.compile(r"[^.!?]*\?")


@dataclass(frozen=True)
class QuestionTerms:
    """What a question asks, as weighted BM25 terms (see `question_terms`)."""

    idf: Mapping[str, float]  # every term's weight (parties named in the question count little)
    asked: frozenset[str]  # the question's own terms
    weight: float  # their total weight
    long_asked: frozenset[str]  # asked terms of 5+ letters (a compound may hold them)
    stand_ins: Mapping[str, frozenset[str]]  # a word's synonyms, by the word's term
    phrase_terms: frozenset[str]  # synonyms of phrases rather than of one word
    actors: frozenset[str]  # the parties the question names ("kommunen eller regionen?")
    # The share of the asking sentence's weight on words no agreement uses in any form (not
    # the word, its lemma, its compound parts or a synonym): "naloxonprogram", "färdtjänst".
    unknown: float = 0.0
    unknown_words: tuple[str, ...] = ()  # those words, as the question writes them

    def matter(self, terms: set[str]) -> frozenset[str]:
        """The question's own words a unit holds, leaving out the parties it names."""
        return frozenset((self.asked - self.actors) & terms)


def question_terms(
    question: str, idf: Mapping[str, float], weights: Weights = WEIGHTS
) -> QuestionTerms:
    """The question's terms, their synonyms and weights (ages removed)."""
    question = without_ages(question)
    expanded = expand_query(question)
    wanted = set(lexical.analyse(expanded))
    asked = set(lexical.analyse(question))
    # "kommunen eller regionen?", "soc eller psykiatrin?": the parties a question names are
    # the choice it asks about, not its subject; they count for little.
    actors = set(lexical.analyse(" ".join(m.group(0) for m in QUESTION_ACTOR.finditer(expanded))))
    # A word the agreements never use is the most telling word of all: it is why they
    # cannot answer a question about recipes or the weather.
    rare = max(idf.values(), default=1.0)
    # "Min klient i Borlänge har … Vem ska ordna boendet?": in a question told as a case,
    # the sentence that asks says what it is about; the story around it counts for less.
    asks = _ASKING.findall(question)
    asking = set(lexical.analyse(" ".join(asks)))
    story = asked - asking if asking and len(asks) < _sentences(question) else set()
    weight_of = {
        t: idf.get(t, rare)
        * (weights.actor if t in actors else 1.0)
        * (weights.story if t in story else 1.0)
        for t in asked | wanted
    }
    stand_ins: dict[str, set[str]] = {}
    for word in lexical.tokenize(question):
        term = lexical.analyse(word)
        if len(term) == 1:
            stand_ins.setdefault(term[0], set()).update(
                set(lexical.analyse(expand_query(word))) - {term[0]}
            )
    asking_words = lexical.tokenize(asks[-1] if asks else question)
    unknown_words = tuple(dict.fromkeys(w for w in asking_words if not _used(w, idf)))
    unknown = rare * sum(1 for w in asking_words if w in unknown_words) / (
        sum(idf.get(t, rare) for w in asking_words for t in lexical.analyse(w)) or 1.0
    )
    return QuestionTerms(
        unknown=min(1.0, unknown),
        unknown_words=unknown_words,
        idf=weight_of,
        asked=frozenset(asked),
        weight=sum(weight_of[t] for t in asked) or 1.0,
        long_asked=frozenset(t for t in asked if len(t) >= 5),
        stand_ins={t: frozenset(x) for t, x in stand_ins.items()},
        # Synonyms of phrases ("skriva under") rather than of one word count as before.
        phrase_terms=frozenset(wanted - asked - set().union(*stand_ins.values())),
        actors=frozenset(actors),
    )


def _used(word: str, vocabulary: Mapping[str, float]) -> bool:
    """Whether the agreements use the word in some form: the forms that also place a
    statement in a matter (`index.matters`: itself, its lemma, all its compound parts), or
    a synonym of it. A person's age ("en 14-åring") is no matter of its own."""
    forms = matters.word_forms(word)
    if not forms or forms & vocabulary.keys() or word.startswith("åring"):
        return True
    terms = lexical.analyse(word)
    if set(lexical.analyse(expand_query(word))) - set(terms) & vocabulary.keys():
        return True
    if terms and len(terms[0]) >= 5 and _begins_a_term(terms[0], vocabulary):
        return True  # "diagnos" is said by "diagnostik" (as `coverage` reads it)
    parts = matters.part_forms(word)
    return bool(parts) and parts <= vocabulary.keys()


_SORTED: list[tuple[Mapping[str, float], list[str]]] = []  # the last vocabulary, sorted


def _begins_a_term(prefix: str, vocabulary: Mapping[str, float]) -> bool:
    """Whether some term of the vocabulary begins with `prefix` (a binary search over the
    vocabulary's sorted terms, sorted once per vocabulary)."""
    if not _SORTED or _SORTED[0][0] is not vocabulary:
        _SORTED[:] = [(vocabulary, sorted(vocabulary))]
    terms = _SORTED[0][1]
    at = bisect.bisect_left(terms, prefix)
    return at < len(terms) and terms[at].startswith(prefix)


def _sentences(text: str) -> int:
    """How many sentences a question has (each ends in . ! or ?, or at its end)."""
    return len([p for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p])


def coverage(
    q: QuestionTerms, terms: AbstractSet[str], context: AbstractSet[str], weights: Weights = WEIGHTS
) -> float:
    """The share of the question's weight a unit's terms hold (0–1); `context` (its
    section's terms) counts for `weights.context`."""
    idf = q.idf
    # "kostnad" is said by "kostnadsansvar", "diagnos" by "diagnostik": half weight.
    starts = " " + " ".join(terms)
    heads = sum(idf[t] for t in q.long_asked - terms if " " + t in starts)
    own = (sum(idf[t] for t in q.asked & terms) + weights.compound_head * heads) / q.weight
    # Synonyms stand in for a word of the question the unit lacks, at half their weight but
    # never more than half that word's ("sjukhus": "slutenvård", "inskrivning",
    # "utskrivning" together say "sjukhus" once).
    synonyms = weights.synonym * (
        sum(
            min(idf[t], sum(idf[x] for x in q.stand_ins[t] & terms))
            for t in q.asked - terms if q.stand_ins.get(t, frozenset()) & terms
        )
        + sum(idf[t] for t in q.phrase_terms & terms)
    ) / q.weight
    around = weights.context * sum(idf[t] for t in q.asked & (context - terms)) / q.weight
    return min(1.0, own + synonyms + around)


def rank_lift(hit: Hit, n: int, weights: Weights = WEIGHTS) -> float:
    """What a unit gains from its passage's place in the retrieval."""
    return weights.rank_lift * hit.fused / (1 + weights.rank_decay * (n - 1))


# "öppen- och slutenvård", "rörelse-, kognitions- och kommunikationsområdet"
_ELIDED = re.compile(r"((?:\b\w+-,? )+)(?:och|eller|samt|till) (\w+)")


def unit_terms(text: str, vocabulary: Mapping[str, float]) -> set[str]:
    """The BM25 terms of a text, with the compounds its elisions stand for.

    "öppen- och slutenvård" also says "öppenvård": each elided part is completed with the
    tail of the last word, where the agreements use the word so formed.
    """
    words, elisions = _analysed_with_elisions(text)
    terms = set(words)
    for formed in elisions:
        terms.update(next(([t] for t in formed if t in vocabulary), []))
    return terms


@lru_cache(maxsize=50_000)  # the same sentences come back question after question
def _analysed_with_elisions(text: str) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """A text's terms, and per elided part the compounds it may form with ever shorter
    tails of the last word ("öppen-" … "slutenvård": "öppenutenvård", …, "öppenvård")."""
    elisions = []
    for match in _ELIDED.finditer(text):
        last = match.group(2)
        for head in re.findall(r"(\w+)-", match.group(1)):
            formed = (lexical.analyse(head + last[cut:]) for cut in range(2, len(last) - 2))
            elisions.append(tuple(f[0] for f in formed if len(f) == 1))
    return frozenset(lexical.analyse(text)), tuple(elisions)


