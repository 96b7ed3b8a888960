"""Swedish or not: the service answers Swedish questions, and a chat model must answer in
Swedish. Read from function words (and å/ä/ö), which every sentence has whatever it is about.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")
_MARKER = re.compile(r"\[\d+\]")
_SWEDISH = frozenset(
    {
        "och", "att", "för", "som", "är", "en", "ett", "det", "den", "de", "av", "med", "på",
        "till", "inte", "ska", "skall", "om", "har", "när", "eller", "vid", "inom", "enligt",
        "kommunen", "regionen", "ansvarar", "ansvar", "vem", "också", "samt", "hos", "vad",
        "hur", "vilken", "vilka", "kan", "får", "jag", "vi", "min",
    }
)
_ENGLISH = frozenset(
    {
        "the", "and", "is", "are", "of", "to", "for", "that", "which", "with", "not", "this",
        "be", "by", "responsible", "who", "when", "what", "how", "does", "do", "can", "my",
        "where", "should", "pay", "in", "a", "an", "it", "or", "if", "there",
    }
)
FOREIGN_REPLY = (
    "Tjänsten svarar på frågor på svenska om samverkansöverenskommelserna. Skriv gärna "
    "frågan på svenska, till exempel: \"Vem ansvarar för abstinensvård i Dalarna?\" "
    "(This service answers questions in Swedish.)"
)


def _counts(text: str) -> tuple[int, int]:
    words = [w.lower() for w in _WORD.findall(_MARKER.sub(" ", text))]
    swedish = sum(w in _SWEDISH or any(c in w for c in "åäö") for w in words)
    english = sum(w in _ENGLISH for w in words)
    return swedish, english


def looks_swedish(text: str) -> bool:
    """Whether Swedish words outnumber English ones (function words, and words with å/ä/ö)."""
    swedish, english = _counts(text)
    return swedish >= 1 and swedish > english


def in_another_language(question: str) -> bool:
    """Whether a question is written in English (or another language) rather than Swedish:
    several English function words, outnumbering the Swedish ones. A keyword question
    ("LARO dalarna vem?") is Swedish enough."""
    swedish, english = _counts(question)
    return english >= 2 and english > swedish
