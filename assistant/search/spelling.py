"""Typos: a word the agreements never use, matched to the corpus word clearly meant.

Staff type fast: "ansvrar", "försörjnig", "Värmlnd", "oppet". A word of the question that
neither the corpus nor the Swedish dictionary knows is replaced by the nearest word of the
corpus — the same word without its diacritics first ("oppet" → "öppet"), else the most
frequent corpus word within a small edit distance (swapped letters count once). A word the
dictionary knows is left alone even when the corpus does not use it ("pappa", "körkort"):
it is a real word, and what it asks about may well be missing from the agreements. The
matching itself is rapidfuzz's (imported here only).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant import morphology
from assistant.search.regions import mentions
from assistant.text import fold

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MIN_LENGTH = 5  # shorter words are abbreviations or too close to many others
NAME_LENGTH = 6  # a name is corrected only this long: short names are close to many
# Edits allowed for a word of this many letters or more: (length, edits).
_EDITS = ((8, 2), (MIN_LENGTH, 1))


def corpus_words(texts: Iterable[str]) -> tuple[dict[str, int], frozenset[str]]:
    """Every word of the texts, lower-cased, with how often it occurs; and the names among
    them (words the texts mostly write with a capital inside a sentence)."""
    counts: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group(0)
            counts[word.lower()] += 1
            if word[:1].isupper() and not _opens_sentence(text, match.start()):
                capital[word.lower()] += 1
    names = frozenset(w for w, n in capital.items() if 2 * n >= counts[w])
    return dict(counts), names


def _opens_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t\"'(«»•-–")
    return not before or before[-1] in ".!?:\n"


def _by_fold(words: Mapping[str, int]) -> dict[str, str]:
    """Each folded form's most frequent corpus word with å/ä/ö ("oppet" → "öppet")."""
    best: dict[str, str] = {}
    for word, n in words.items():
        key = fold(word)
        if key != word and (key not in best or n > words[best[key]]):
            best[key] = word
    return best


def _shared_end(a: str, b: str) -> int:
    """How many letters the two words end alike."""
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


class Speller:
    """The corpus's words, ready to correct questions against."""

    def __init__(self, words: Mapping[str, int], names: frozenset[str] = frozenset()) -> None:
        self._words = dict(words)
        self._names = names
        self._folded = _by_fold(self._words)
        self._choices = sorted(self._words, key=lambda w: -self._words[w])
        self._name_choices = [w for w in self._choices if w in names]

    def nearest(self, word: str, *, name: bool = False) -> str | None:
        """The corpus word clearly meant by `word` (lower-cased), or None. `name`: the word
        is written with a capital inside the sentence, so only a name is meant."""
        if word in self._words or morphology.known(word):
            return None
        if word.isascii() and word in self._folded:  # written without å/ä/ö
            return self._folded[word]
        if len(word) < (NAME_LENGTH if name else MIN_LENGTH) or "-" in word:
            return None  # "LVU-vården" is not "LVM-vården": a compound's parts are kept
        edits = next(n for length, n in _EDITS if len(word) >= length)
        choices = self._name_choices if name else self._choices
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=edits,
                                limit=5)
        if not found:
            return None
        best = min(d for _, d, _ in found)
        # Of the closest, the one ending like the typed word (its inflection: "ansvrar" is
        # "ansvarar", not "ansvar"), then the most frequent; with no favourite, none.
        closest = sorted(
            (w for w, d, _ in found if d == best),
            key=lambda w: (-_shared_end(w, word), -self._words[w]),
        )
        if len(closest) > 1 and _shared_end(closest[0], word) == _shared_end(
            closest[1], word
        ) and self._words[closest[0]] == self._words[closest[1]]:
            return None
        return closest[0]

    def correct(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The text with each typo replaced (capitals kept), and the (typed, meant) pairs.

        Places the question names ("Rättvik", "Säter") and words joined to a number
        ("14-åring") are left as they are.
        """
        places = {w for name, _ in mentions(text) for w in fold(name).split()}
        changes: list[tuple[str, str]] = []

        def fix(match: re.Match[str]) -> str:
            typed = match.group(0)
            if fold(typed) in places or text[max(0, match.start() - 1) : match.start()] in (
                "-", *"0123456789"
            ):
                return typed
            if sum(c.isupper() for c in typed) > 1:
                return typed  # an abbreviation ("ANDTS", "SIP-mötet")
            name = typed[:1].isupper() and not _opens_sentence(text, match.start())
            meant = self.nearest(typed.lower(), name=name)
            if meant is None:
                return typed
            if typed[:1].isupper():
                meant = meant[:1].upper() + meant[1:]
            changes.append((typed, meant))
            return meant

        return _WORD.sub(fix, text), tuple(changes)


_CACHE: list[tuple[object, Speller]] = []  # (the texts' owner, its speller): the last one


def speller_for(owner: object, texts: Iterable[str]) -> Speller:
    """The speller of `owner`'s texts (an index's passages), built on first use."""
    if _CACHE and _CACHE[0][0] is owner:
        return _CACHE[0][1]
    speller = Speller(*corpus_words(texts))
    _CACHE[:] = [(owner, speller)]
    return speller
