"""The clause being read: its words, the actors it names and who its doer is.

A doer (`_Actor`) is the words as written and one party; a run of coordinated actors has the
party their conjuncts combine to (`actors.combined_party`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.index.statements import actors as actor_names
from assistant.index.statements.actors import Mention
from assistant.index.statements.grammar import _WORD, _is_finite
from assistant.index.statements.sentences import _masked, _Tok, _tokens
from assistant.models import Party, Polarity


def _mentions(text: str, start: int, end: int) -> list[Mention]:
    """Actors named in text[start:end] outside parentheses, with document spans."""
    asides = _masked(text, start, end)
    return [
        Mention(m.actor, m.start + start, m.end + start, m.text)
        for m in actor_names.find_mentions(text[start:end])
        if not any(a <= m.start + start < b for a, b in asides)
    ]


@dataclass(frozen=True)
class _Actor:
    """Who a clause names as the doer: its words as written and its party."""

    text: str
    party: Party
    start: int
    end: int
    mentions: tuple[Mention, ...]


@dataclass(frozen=True)
class _Reading:
    """A clause read as a statement."""

    actor: _Actor
    polarity: Polarity
    anchor: int  # where the predicate starts, in the document text


@dataclass
class _Clause:
    """One clause being read: its words, the actors it names and its context."""

    text: str  # the whole document text
    start: int
    end: int
    toks: list[_Tok]
    mentions: list[Mention]
    in_mention: set[int]  # indices of tokens inside a mention
    previous: _Actor | None  # the doer of the clause before, for "de" and left-out subjects
    recent: Sequence[Mention]  # actors named earlier in the paragraph, for "Nämnden"
    elided: bool  # the clause goes on from the one before without its own subject


def _clause(
    text: str,
    start: int,
    end: int,
    previous: _Actor | None = None,
    recent: Sequence[Mention] = (),
    elided: bool = False,
) -> _Clause:
    toks = _tokens(text, start, end)
    mentions = _mentions(text, start, end)
    inside = {
        k
        for k, t in enumerate(toks)
        if any(m.start <= t.start and t.end <= m.end for m in mentions)
    }
    return _Clause(text, start, end, toks, mentions, inside, previous, recent, elided)


def _actor_of(text: str, mentions: Sequence[Mention]) -> _Actor | None:
    """The doer named by a run of mentions (their conjuncts decide the party)."""
    if not mentions:
        return None
    heads = actor_names.conjuncts(text, mentions)
    party = actor_names.combined_party([m.party for m in heads])
    if party is None:
        return None
    start, end = mentions[0].start, mentions[-1].end
    return _Actor(text[start:end], party, start, end, tuple(mentions))


def _run_from(c: _Clause, first: Mention) -> list[Mention]:
    """A mention and the ones coordinated with it ("socialtjänsten och hälso- och sjukvården")."""
    run = [first]
    for m in c.mentions:
        if m.start <= run[-1].start:
            continue
        words = _WORD.findall(c.text[run[-1].end : m.start])
        if len(words) <= 3 and not any(_is_finite(w.lower()) for w in words):
            run.append(m)
        else:
            break
    return run
