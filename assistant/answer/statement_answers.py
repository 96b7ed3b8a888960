"""Answers from statements: for a question of who does what, the duties the agreements
state (read at index time by `statements`) instead of a raw sentence.

The statements in the retrieved passages are scored like sentences (the share of the
question's weight their duty, conditions and section hold, lifted by the passage's rank),
and one answers a region's question when it covers it about as well as the best sentence
there. The answer then shows complete sentences ("Regionen ansvarar för läkemedels-
assisterad behandling vid opiatberoende."), quotes the statement's own span, and takes
its party from the statements: a matter the text divides between the two (adjacent
statements, a table row marked for both) is `gemensamt`, and a negative statement
("Regionen saknar motsvarande skyldighet") never makes its own actor the party.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.matching import QuestionTerms, coverage, rank_lift, unit_terms
from assistant.answer.sentences import find_quote
from assistant.answer.weights import WEIGHTS, Weights
from assistant.index import lexical
from assistant.index.statements import combined_party
from assistant.models import Hit, Party, Statement

_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Matched:
    """A statement in a retrieved passage, with how well it answers."""

    statement: Statement
    hit: Hit
    n: int  # the passage's citation number
    coverage: float
    score: float
    matter: frozenset[str]  # the question's words the statement holds (see QuestionTerms)


def match_statements(
    q: QuestionTerms,
    hits: Sequence[tuple[int, Hit]],
    chunk_statements: Mapping[str, Sequence[Statement]],
    vocabulary: Mapping[str, float],
    asked_of: Party | None = None,
    weights: Weights = WEIGHTS,
) -> list[Matched]:
    """The statements of the passages `hits` ((number, hit) pairs), best first; a
    statement in two overlapping passages counts once, in the better one. `vocabulary`:
    the passages' term weights (compounds an elision may form are looked up in it)."""
    best: dict[str, Matched] = {}
    for n, hit in hits:
        context = set(lexical.analyse(hit.chunk.section))
        for statement in chunk_statements.get(hit.chunk.id, ()):
            terms = unit_terms(_reading(statement), vocabulary)
            covered = coverage(q, terms, context, weights)
            asked = weights.asked_party if asked_of and statement.party == asked_of else 0.0
            score = covered + asked + rank_lift(hit, n, weights)
            found = Matched(statement, hit, n, covered, score, q.matter(terms))
            if statement.id not in best or found.score > best[statement.id].score:
                best[statement.id] = found
    return sorted(best.values(), key=lambda m: (-m.score, m.n))


def _reading(statement: Statement) -> str:
    """What a statement says, for matching: its duty without the actor's name, and its
    conditions. (Who does it is what the question asks, not what it is about; a divided
    matter's quotes hold the other party's part too, so they are not read.)"""
    duty = statement.duty.replace(statement.actor, " ", 1)
    return " ".join([duty, *statement.conditions])


def own_quote(statement: Statement) -> str:
    """The quote the statement's duty is made from: the one whose words the duty holds the
    largest share of (a list item, not its lead-in; its own sentence, not the other
    party's of a divided matter); the later one on a tie."""
    duty = set(_WORDS.findall(statement.duty.lower()))

    def share(quote: str) -> float:
        words = _WORDS.findall(quote.lower())
        return sum(w in duty for w in words) / len(words) if words else 0.0

    return max(reversed(statement.quotes), key=share)


def choose(
    matched: Sequence[Matched],
    best_sentence_coverage: float,
    choice: bool = False,
    asked_of: Party | None = None,
    anchor: tuple[int, str] | None = None,
    weights: Weights = WEIGHTS,
) -> list[Matched]:
    """The statements one region's answer rests on, in text order; [] when no statement
    answers as well as the sentences do.

    `anchor` (passage number, sentence): the sentence the answer would quote; a statement
    made from it speaks for it. Otherwise the best statement answers when it covers the
    question nearly as well as the best sentence. `choice`: the question asks which of the
    two; `asked_of`: the one party the question asks about ("Har regionen någon roll …?"),
    whose answer is not completed with the other's. A statement answers when it covers
    `weights.statement_share` of what the best sentence covers (a statement's duty is
    shorter than its sentence, so a little less); another party's completes it at
    `weights.partner_share` of the chosen one's coverage.
    """
    first = next((m for m in matched if anchor and _made_from(m, *anchor)), None)
    if first is None:
        if not matched or matched[0].coverage < weights.statement_share * best_sentence_coverage:
            return []
        first = matched[0]
    chosen = [first]
    for other in matched:
        if other is first or other.coverage < weights.partner_share * first.coverage:
            continue
        if asked_of and not choice and other.statement.party != asked_of:
            continue
        if _partner(first, other, choice, weights.partner_reach) and all(
            other.statement.party != c.statement.party for c in chosen
        ):
            chosen.append(other)
    if all(m.statement.polarity == "not" for m in chosen):
        return []  # only what nobody has to do: the sentences answer better
    return sorted(chosen, key=lambda m: (m.n, m.statement.spans[0][0]))


def _made_from(m: Matched, n: int, sentence: str) -> bool:
    """Whether the statement is read from this sentence of passage `n`."""
    if m.n != n:
        return False
    own, unit = " ".join(own_quote(m.statement).split()), " ".join(sentence.split())
    return bool(own) and (own in unit or unit in own)


def _partner(first: Matched, other: Matched, choice: bool, reach: int) -> bool:
    """Whether `other`, as good an answer as `first`, completes it: another party's part of
    the same matter (it holds every word of the question `first` holds), close by in the
    same agreement, or anywhere in the region's text when the question asks which of the
    two."""
    a, b = first.statement, other.statement
    if a.party == b.party or not first.matter or not first.matter <= other.matter:
        return False
    if choice:
        return True
    return a.document_id == b.document_id and (
        abs(a.spans[0][0] - b.spans[0][0]) <= reach
    )


def party_of_statements(chosen: Sequence[Matched]) -> Party | None:
    """The party the chosen statements give the matter to (negatives name nobody)."""
    return combined_party([m.statement.party for m in chosen if m.statement.polarity == "duty"])


def sentence_of(m: Matched) -> str:
    """The statement as a sentence of the answer, with its `[n]` before the full stop."""
    text = m.statement.duty.rstrip()
    if text.endswith((".", "!", "?")):
        return f"{text[:-1]} [{m.n}]{text[-1]}"
    return f"{text} [{m.n}]."


def quote_in(
    passage: str, chosen: Sequence[Matched], reach: int = WEIGHTS.quote_reach
) -> str | None:
    """The stretch of `passage` the statements quote, verbatim so the passage view can mark
    it: from a list's lead-in to its item (or the two sentences of a divided matter) when
    they are close together in the passage, else the statements' own quotes; None if none
    is found."""
    spans: list[tuple[int, int]] = []
    for m in chosen:
        own = find_quote(passage, own_quote(m.statement))
        if own is None:
            continue
        found = [f for f in (find_quote(passage, q) for q in m.statement.quotes) if f is not None]
        whole = (min(a for a, _ in found), max(b for _, b in found))
        spans.append(whole if whole[1] - whole[0] <= reach else own)
    if not spans:
        return None
    return passage[min(a for a, _ in spans) : max(b for _, b in spans)]
