"""Actors: who the agreements name as doers, and the party each belongs to.

The names live in one data file, `data/actors.tsv` (name, party, match, source). A name is
found in a text on Swedish lemmas and compound heads from `morphology`, so inflections and
compounds agree: "socialtjänstens" is socialtjänsten, "vuxenpsykiatrin" and
"barn- och ungdomspsykiatrin" are psykiatrin, "Västra Götalandsregionen" is a region. A
longer name wins over a shorter one inside it, so "Sveriges Kommuner och Regioner" is no
kommun and "fristående skolor" no school of the kommun.

A phrase naming several actors ("Kommuner och regionen", "socialtjänsten, regionens hälso-
och sjukvård samt LVM-hemmet") has one party: `gemensamt` when it joins kommun and region. A
modifier counts with its head: "den kommunala hälso- och sjukvården" and "regionens
hälso- och sjukvård" each name one actor, with the modifier's party.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from assistant import morphology
from assistant.errors import CorpusError
from assistant.models import Party

PARTIES: tuple[Party, ...] = ("kommun", "region", "gemensamt", "annan")
MATCHES = ("lemma", "exact")
_TOKEN = re.compile(r"[^\W\d_]+")
# Between two actors, these words make them two actors of one phrase, not head and modifier.
_COORDINATION = re.compile(
    r"(?:,|\boch\b|\bsamt\b|\beller\b|\brespektive\b|\bliksom\b|\bmed\b|\bsåväl\b|\bsom\b)",
    re.IGNORECASE,
)
# How well a word fits a name's last word: its lemma, its compound head, its tail.
_EXACT, _HEAD, _TAIL = 3, 2, 1
MIN_PREFIX = 3  # letters before a name inside a longer word: "vuxen" + "psykiatri"


@dataclass(frozen=True)
class Actor:
    """One name from the actors file, with its party and where that comes from."""

    name: str
    party: Party
    exact: bool  # matched as written (abbreviations, unit names that are common words)
    source: str
    words: tuple[str, ...]  # what is matched: lemmas, or the words as written


@dataclass(frozen=True)
class Mention:
    """An actor named in a text: the characters `start:end` of the text."""

    actor: Actor
    start: int
    end: int
    text: str

    @property
    def party(self) -> Party:
        """The party of the actor named."""
        return self.actor.party


def _words(name: str, exact: bool) -> tuple[str, ...]:
    tokens = _TOKEN.findall(name)
    return tuple(tokens) if exact else tuple(morphology.lemma(t) for t in tokens)


def parse_actors(text: str, where: str = "actors.tsv") -> tuple[Actor, ...]:
    """Read the actors file's text; a malformed line is an error naming the line."""
    actors: list[Actor] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != 4 or not all(fields):
            raise CorpusError(
                f"{where} rad {number}: skriv fyra fält åtskilda av tabb: namn, part, match, källa"
            )
        name, party, match, source = fields
        if party not in PARTIES:
            raise CorpusError(f"{where} rad {number}: okänd part {party!r}; {', '.join(PARTIES)}")
        if match not in MATCHES:
            raise CorpusError(f"{where} rad {number}: match ska vara 'lemma' eller 'exact'")
        words = _words(name, match == "exact")
        if not words:
            raise CorpusError(f"{where} rad {number}: namnet {name!r} har inga ord")
        actors.append(Actor(name, party, match == "exact", source, words))
    return tuple(actors)


@lru_cache(maxsize=1)
def _bundled() -> tuple[Actor, ...]:
    text = resources.files("assistant").joinpath("data/actors.tsv").read_text("utf-8")
    return parse_actors(text)


def load_actors(path: Path | None = None) -> tuple[Actor, ...]:
    """The actors of the bundled data file, or of another file in its format."""
    if path is None:
        return _bundled()
    return parse_actors(path.read_text(encoding="utf-8"), str(path))


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    lemma: str
    head: str


@lru_cache(maxsize=65536)
def _word_forms(word: str) -> tuple[str, str]:
    return morphology.lemma(word), morphology.head(word)


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for m in _TOKEN.finditer(text):
        lemma, head = _word_forms(m.group(0))
        tokens.append(_Token(m.group(0), m.start(), m.end(), lemma, head))
    return tokens


def _fit(token: _Token, word: str, actor: Actor, last: bool) -> int:
    """How well a text token fits one word of a name (0: not at all)."""
    if actor.exact:
        return _EXACT if token.text == word else 0
    if token.lemma == word or token.text.lower() == word:
        return _EXACT
    if not last:
        return 0
    if token.head == word:
        return _HEAD
    # A compound the dictionary keeps whole ("vuxenpsykiatri"): the name is its tail.
    if len(token.lemma) - len(word) >= MIN_PREFIX and token.lemma.endswith(word):
        return _TAIL
    return 0


@lru_cache(maxsize=8)
def _by_first_word(actors: tuple[Actor, ...]) -> dict[str, list[Actor]]:
    index: dict[str, list[Actor]] = {}
    for actor in actors:
        index.setdefault(actor.words[0], []).append(actor)
    return index


def find_mentions(text: str, actors: Sequence[Actor] | None = None) -> list[Mention]:
    """Every actor the text names, left to right; a longer name wins over one inside it."""
    chosen = tuple(actors) if actors is not None else load_actors()
    single = [a for a in chosen if len(a.words) == 1 and not a.exact]
    index = _by_first_word(chosen)
    tokens = _tokens(text)
    mentions: list[Mention] = []
    i = 0
    while i < len(tokens):
        best: tuple[int, int, Actor] | None = None  # (words, fit, actor)
        token = tokens[i]
        candidates = index.get(token.lemma, []) + index.get(token.text, [])
        for actor in candidates:
            n = len(actor.words)
            if i + n > len(tokens):
                continue
            fits = [_fit(tokens[i + k], actor.words[k], actor, k == n - 1) for k in range(n)]
            if all(fits) and (best is None or (n, fits[-1]) > best[:2]):
                best = (n, fits[-1], actor)
        if best is None:  # a compound whose head or tail is a one-word name
            for actor in single:
                fit = _fit(token, actor.words[0], actor, True)
                if fit and (
                    best is None or (fit, len(actor.words[0])) > (best[1], len(best[2].words[0]))
                ):
                    best = (1, fit, actor)
        if best is None:
            i += 1
            continue
        n, _, actor = best
        start, end = tokens[i].start, tokens[i + n - 1].end
        mentions.append(Mention(actor, start, end, text[start:end]))
        i += n
    return mentions


def combined_party(parties: Sequence[Party]) -> Party | None:
    """The party of several actors named together: both parties' actors make `gemensamt`."""
    found = set(parties)
    if not found:
        return None
    if "gemensamt" in found or {"kommun", "region"} <= found:
        return "gemensamt"
    for party in ("kommun", "region"):
        if party in found:
            return party
    return "annan"


def conjuncts(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """The actors a phrase joins: a mention right after another, with no "och" or comma
    between, modifies it ("regionens hälso- och sjukvård") and is not one of its own."""
    heads: list[Mention] = []
    for mention in mentions:
        if heads and not _COORDINATION.search(text, heads[-1].end, mention.start):
            gap = text[heads[-1].end : mention.start]
            if len(gap.split()) <= 3:
                continue
        heads.append(mention)
    return heads


def party_of_phrase(text: str, actors: Sequence[Actor] | None = None) -> Party | None:
    """The party of a phrase naming one or more actors; None when it names none."""
    mentions = find_mentions(text, actors)
    return combined_party([m.party for m in conjuncts(text, mentions)])


def party_of(name: str) -> Party | None:
    """The party of one actor name as written ("Socialtjänstens", "Region Värmland")."""
    return party_of_phrase(name)
