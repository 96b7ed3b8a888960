"""Subjects: whose predicate it is — the subject phrase before the verb, the subject after
it ("ska socialnämnden …"), a pronoun or noun pointing back, a passive's agent, the actor of
an opening condition.
"""

from __future__ import annotations

from dataclasses import replace

from assistant import morphology
from assistant.index.statements.clause import _Actor, _actor_of, _Clause, _run_from
from assistant.index.statements.grammar import (
    _DETERMINERS,
    _DUTY_MODALS,
    _INVERSION_ADVERBS,
    _PERSONAL_PRONOUNS,
    _SUBORDINATORS,
    _WORD,
    _is_finite,
    _is_passive,
)

# Words that may open a subject before its actor: "Varje", "Alla", "Den regionala".
_SUBJECT_PREPOSITIONS = frozenset(
    {
        "mellan",
        "av",
        "för",
        "till",
        "med",
        "om",
        "på",
        "från",
        "hos",
        "kring",
        "i",
        "under",
        "vid",
        "efter",
        "mot",
        "utan",
        "genom",
        "enligt",
        "utifrån",
        "gällande",
        "avseende",
    }
)


def _subject_phrase(c: _Clause, first: int, i: int) -> _Actor | None:
    """The actor of the subject phrase toks[first:i], when the phrase is about an actor.

    The phrase names its actor before any preposition ("Övergången mellan olika
    vårdgivare" is no actor's); a generic person ("Den som arbetar inom kommun eller
    region …", "Alla inom socialtjänst …") is read through the actors the phrase names.
    """
    start, end = c.toks[first].start, c.toks[i].start
    inside = [m for m in c.mentions if m.start >= start and m.end <= end]
    if not inside:
        return None
    lead = [t.low for t in c.toks[first:] if t.start < inside[0].start]
    generic = (
        len(lead) >= 2
        and lead[0] in ("den", "de", "alla", "var")
        and lead[1] in ("som", "inom", "i")
    )
    if any(w in _SUBJECT_PREPOSITIONS for w in lead) and not generic:
        return None
    actor = _actor_of(c.text, inside)
    if actor is None:
        return None
    tail = _WORD.findall(c.text[inside[-1].end : end].lower())
    if tail and (tail[0] in _SUBJECT_PREPOSITIONS or tail[0] in _INVERSION_ADVERBS):
        end = inside[-1].end  # "kommuner och regioner enligt lag": the actor, not the adverbial
    phrase = c.text[start:end].strip(" ,")
    return replace(actor, text=phrase, start=start, end=end)


def _after_subject(c: _Clause, i: int) -> _Actor | None:
    """The subject right after the finite verb at toks[i] ("ska socialnämnden …")."""
    j = i + 1
    while j < len(c.toks) and j not in c.in_mention and c.toks[j].low in _INVERSION_ADVERBS:
        j += 1
    if j >= len(c.toks) or "," in c.text[c.toks[i].end : c.toks[j].start]:
        return None
    first = next((m for m in c.mentions if m.start == c.toks[j].start), None)
    if first is None:
        return None
    return _actor_of(c.text, _run_from(c, first))


def _subject_start(c: _Clause, i: int) -> int:
    """Where the subject phrase that ends before toks[i] starts (a token index).

    It reaches back to the clause's start or to the word that opens a subordinate clause
    ("… som huvudmännen är skyldiga att ingå"); a relative clause inside it ("Den som
    arbetar inom kommun eller region och upptäcker …") is part of it.
    """
    toks = c.toks
    j = i - 1
    while j >= 0:
        w = toks[j].low
        if w in _SUBORDINATORS or w == "som":
            break
        if j not in c.in_mention and _is_finite(w):
            # The verb of a relative clause of the subject: right after its "som", or
            # joined to that clause's verb ("som arbetar … och upptäcker …").
            k = j - 1
            while (
                k >= 0
                and toks[k].low != "som"
                and toks[k].low not in _SUBORDINATORS
                and (toks[k].low not in _DUTY_MODALS)
            ):
                k -= 1
            joined = k + 1 == j or toks[j - 1].low in ("och", "eller", "samt")
            if k >= 1 and toks[k].low == "som" and joined and _is_finite(toks[k + 1].low):
                j = k - 1
                continue
            break
        j -= 1
    return j + 1


def _subordinate(c: _Clause, first: int) -> bool:
    """Whether the subject at toks[first] stands in a subordinate clause: a subordinator
    ("om det är lämpligt och den enskilde inte motsätter sig") comes before it with no
    finite verb of a main clause in between."""
    for tok in reversed(c.toks[:first]):
        if tok.low in _SUBORDINATORS:
            return True
        if _is_finite(tok.low) and tok.low not in ("är", "var"):
            return False
    return False


def _anaphor(c: _Clause, first: int, i: int) -> _Actor | None:
    """A subject that points back: "De ska samarbeta …" (the doer before), "Nämnden
    ansvarar …" after "En gemensam hjälpmedelsnämnd finns …" (an actor named before whose
    compound head the noun is)."""
    words = [t for t in c.toks[first:i]]
    if not words or len(words) > 2:
        return None
    last = words[-1]
    if last.low in _PERSONAL_PRONOUNS and len(words) == 1:
        if c.previous is not None:
            return replace(c.previous, start=last.start, end=last.end)
        return None
    if not last.text[:1].isupper() and len(words) == 1:
        return None
    head = morphology.head(last.low)
    for m in reversed(c.recent):
        if morphology.head(_WORD.findall(m.text)[-1]) == head and len(head) > 3:
            actor = _actor_of(c.text, [m])
            if actor is not None:
                return replace(
                    actor,
                    text=c.text[words[0].start : last.end],
                    start=words[0].start,
                    end=last.end,
                )
    return None


def _agent(c: _Clause, i: int) -> _Actor | None:
    """The agent of a passive or of "få … från": "ska prioriteras av alla", "utfärdas av X"."""
    toks = c.toks
    for k in range(i + 1, min(len(toks), i + 12)):
        w = toks[k].low
        if w in _SUBORDINATORS:
            return None
        if w in ("av", "från") and k > i + 1:
            if not any(_is_passive(t.low) or t.low == "få" for t in toks[i + 1 : k]):
                continue
            after = [m for m in c.mentions if m.start >= toks[k].end]
            if after and len(_WORD.findall(c.text[toks[k].end : after[0].start])) <= 1:
                return _actor_of(c.text, _run_from(c, after[0]))
    return None


def _condition_actor(c: _Clause, i: int) -> _Actor | None:
    """ "Om socialtjänsten misstänker …, ska … kontakt tas": the condition's actor must act."""
    toks = c.toks
    if len(toks) < 3 or i == 0:
        return None
    first = toks[0].low
    v1 = _is_finite(first) and first not in _DUTY_MODALS
    if first not in ("om", "när", "ifall") and not v1:
        return None
    k = 1
    while k < len(toks) and toks[k].low in _DETERMINERS:
        k += 1
    subject = (
        next((m for m in c.mentions if m.start == toks[k].start), None) if k < len(toks) else None
    )
    if subject is None or subject.end > toks[i].start:
        return None
    return _actor_of(c.text, [subject])
