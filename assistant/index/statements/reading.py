"""Reading one clause: its predicate, its doer and its polarity, as zero or more readings.

Besides subject and verb, a clause may give its duty through a genitive holder ("I
vuxenpsykiatrins uppdrag ingår att …"), a bearer ("Ansvaret … vilar på båda parter") or a
passive's agent ("utfärdas av primärvård").
"""

from __future__ import annotations

import re

from assistant.index.statements.clause import _actor_of, _Clause, _Reading, _run_from
from assistant.index.statements.grammar import (
    _ADVERBIAL_OPENERS,
    _IMPORTANCE,
    _SOFT_MODALS,
    _SUBORDINATORS,
    _WORD,
    _is_infinitive,
    _is_passive,
)
from assistant.index.statements.predicates import _negated, _predicate
from assistant.index.statements.subjects import (
    _after_subject,
    _agent,
    _anaphor,
    _condition_actor,
    _subject_phrase,
    _subject_start,
    _subordinate,
)
from assistant.models import Polarity


def _read_clause(c: _Clause) -> list[_Reading]:
    """Read one clause: its predicate, its doer and whether it is denied; a duty in a
    relative clause with its own actor ("… som huvudmännen är skyldiga att ingå") is read
    as well."""
    holder = _genitive_holder(c)
    if holder is not None:
        return [holder]
    readings: list[_Reading] = []
    toks = c.toks
    if (
        c.elided
        and c.previous is not None
        and len(toks) > 1
        and toks[0].low == "att"
        and _is_infinitive(toks[1].low)
    ):
        readings.append(_Reading(c.previous, "duty", toks[0].start))  # "… samt att kartlägga …"
    for i, tok in enumerate(toks):
        if i in c.in_mention:
            continue
        kind = _predicate(c, i)
        if kind is None:
            continue
        first = _subject_start(c, i)
        boundary = toks[first - 1].low if first > 0 else ""
        if readings and not (boundary == "som" and first < i and first in c.in_mention):
            continue  # after the main reading, only a relative clause with its own actor
        if boundary == "att" and first >= 2 and toks[first - 2].low == "för":
            continue  # "för att socialtjänsten ska kunna …": a purpose
        if boundary == "att" and any(
            t.low in _IMPORTANCE for t in toks[max(0, first - 4) : first - 1]
        ):
            continue  # "det är viktigt att X gör": importance, not an assignment
        actor = _subject_phrase(c, first, i) if first < i else None
        if (
            actor is not None
            and first == 0
            and toks[0].low in _ADVERBIAL_OPENERS
            and 0 not in c.in_mention
        ):
            actor = None  # an opening adverbial, not the subject
        if actor is None and first < i:
            actor = _anaphor(c, first, i)
        if actor is None and boundary != "som":
            actor = _after_subject(c, i)
        if actor is None and kind == "modal":
            actor = _agent(c, i) or _condition_actor(c, i)
        if actor is None and c.elided and c.previous is not None and i <= 2:
            actor = c.previous
        if actor is None:
            continue
        if kind == "task" and (
            boundary in _SUBORDINATORS or boundary == "som" or _subordinate(c, first)
        ):
            continue  # a task verb counts in a main clause only
        polarity: Polarity = "not" if _negated(c, i, kind, first) else "duty"
        readings.append(_Reading(actor, polarity, tok.start))
    if readings:
        return readings
    reading = _bearer(c) or _passive_agent(c)
    return [reading] if reading else []


# "I vuxenpsykiatrins uppdrag ingår att …", "Habiliteringens uppdrag omfattar …",
# "Hälso- och sjukvårdens och kommunernas gemensamma ansvar är att …".
_HOLDER = re.compile(
    r"\s*(?:I\s+)?(?P<who>.+?)s\s+(?:\w+\s+)?(?:uppdrag|ansvar|skyldighet|åtagande)(?:et|en)?\s+"
    r"(?:ingår|omfattar|innefattar|innebär|är att|är)\b",
    re.IGNORECASE,
)


def _genitive_holder(c: _Clause) -> _Reading | None:
    m = _HOLDER.match(c.text, c.start, c.end)
    if not m:
        return None
    who_start, who_end = m.start("who"), m.end("who") + 1
    inside = [x for x in c.mentions if x.start >= who_start and x.end <= who_end]
    if not inside or inside[0].start != who_start:
        return None
    actor = _actor_of(c.text, inside)
    if actor is None:
        return None
    tail = c.text[m.end() : m.end() + 12].lower()
    return _Reading(actor, "not" if tail.startswith((" inte", " ej")) else "duty", m.start("who"))


# "Ansvaret för detta vilar på båda parter", "Anmälningsskyldigheten … gäller för läkare",
# "Kostnadsansvaret … är fördelat mellan Region Dalarna och länets 15 kommuner".
_BEARER = re.compile(
    r"\b(?:vilar på|ligger på|åligger|gäller för|är fördelat mellan|fördelas mellan|delas "
    r"mellan)\s+",
    re.IGNORECASE,
)


_BURDEN = re.compile(r"\b\w*(?:ansvar|skyldighet|plikt|uppdrag)\w*\b", re.IGNORECASE)


def _bearer(c: _Clause) -> _Reading | None:
    for bearer in _BEARER.finditer(c.text, c.start, c.end):
        if not _BURDEN.search(c.text, c.start, bearer.start()):
            continue
        after = [m for m in c.mentions if m.start >= bearer.end()]
        if after and after[0].start - bearer.end() <= 12:
            actor = _actor_of(c.text, _run_from(c, after[0]))
            if actor is not None:
                return _Reading(actor, "duty", bearer.start())
    return None


def _passive_agent(c: _Clause) -> _Reading | None:
    """ "Läkarintyg … utfärdas av primärvård …": a passive whose agent is an actor."""
    toks = c.toks
    for k, tok in enumerate(toks):
        if k == 0 or not _is_passive(tok.low):
            continue
        if toks[k - 1].low in _SOFT_MODALS or toks[k - 1].low == "som":
            continue
        if k + 1 < len(toks) and toks[k + 1].low == "av":
            after = [m for m in c.mentions if m.start >= toks[k + 1].end]
            if after and len(_WORD.findall(c.text[toks[k + 1].end : after[0].start])) <= 1:
                actor = _actor_of(c.text, _run_from(c, after[0]))
                if actor is not None:
                    return _Reading(actor, "duty", tok.start)
    return None
