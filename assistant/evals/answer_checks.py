"""The eval's rule for a clean answer text (DESIGN.md, "Eval cases": *clean answers*).

After masking abbreviations ("t.ex.", "bl.a.", "m.m.", "s.k.", "dvs.") and region prefixes
("I Dalarna:"), no sentence of the answer may open with a section number ("3.3.1"), a
footnote number, a bare list fragment ("att …", ": att …"), a subjectless infinitive
("Tillhandahålla …", judged by the Swedish dictionary) or a lower-case letter, and the text
may not hold "ansvarar för: att". The `[n]` markers are not part of any sentence.
"""

from __future__ import annotations

import re

from assistant import morphology

ABBREVIATIONS = (
    "t.ex.", "bl.a.", "m.m.", "s.k.", "dvs.", "d.v.s.", "osv.", "o.s.v.", "m.fl.", "resp.",
    "ca.", "inkl.", "kap.", "nr.", "jfr.", "ev.", "enl.", "fr.o.m.", "t.o.m.",
)
_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in ABBREVIATIONS) + ")", re.IGNORECASE
)
_MARKER = re.compile(r"\s*\[\d+\]")
_REGION_PREFIX = re.compile(r"^I [A-ZÅÄÖ][\wåäöÅÄÖ-]*(?: [A-ZÅÄÖ][\wåäöÅÄÖ-]*)*:\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)+\b")
_FOOTNOTE = re.compile(r"^\d{1,3}(?![\d.,:/-])\s*\S")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Words that open a subordinate clause, whose verb is not the sentence's own.
CLAUSE_OPENERS = frozenset({"som", "att", "när", "om", "där", "eftersom", "då", "vilket",
                            "vilka", "innan", "medan", "så"})
_LIST_ATT = re.compile(r"ansvarar för\s*:\s*att\b", re.IGNORECASE)


def _masked(text: str) -> str:
    text = _MARKER.sub("", text)
    # An abbreviation's full stops must not end a sentence; its letters keep their case.
    return _ABBREVIATION.sub(lambda m: m.group().replace(".", ""), text)


def sentences(text: str) -> list[str]:
    """The answer's sentences, markers removed, abbreviations and region prefixes masked."""
    out = []
    for raw in _SENTENCE_END.split(_masked(text)):
        sentence = _REGION_PREFIX.sub("", raw.strip()).strip()
        if sentence:
            out.append(sentence)
    return out


def why_unclean(sentence: str) -> str | None:
    """Why one sentence is not clean, in Swedish, or None when it is."""
    if _SECTION_NUMBER.match(sentence):
        return "börjar med ett avsnittsnummer"
    if _FOOTNOTE.match(sentence):
        return "börjar med en fotnotssiffra"
    if sentence.startswith(":"):
        return "börjar med ett kolon (ett listfragment)"
    first = sentence[0]
    if first.isalpha() and first.islower():
        return "börjar med liten bokstav"
    words = _WORD.findall(sentence)
    if words and morphology.is_infinitive(words[0]) and not _main_clause_has_verb(words[1:]):
        return f"börjar med ett infinitivt verb utan subjekt ({words[0]!r})"
    return None


def _main_clause_has_verb(words: list[str]) -> bool:
    """Whether a tensed verb follows before the first subordinate clause begins.

    "Båda huvudmännen ansvarar …" opens with a word that can be read as an infinitive
    ("båda", to bode) but has its verb; "Tillhandahålla boende som är …" has none of its own.
    """
    for word in words:
        if word.lower() in CLAUSE_OPENERS:
            return False
        if morphology.is_finite_verb(word):
            return True
    return False


def unclean_parts(text: str) -> list[str]:
    """Every reason the answer text is not clean (empty when it is clean)."""
    reasons = []
    if _LIST_ATT.search(text):
        reasons.append("innehåller \"ansvarar för: att\"")
    for sentence in sentences(text):
        why = why_unclean(sentence)
        if why:
            reasons.append(f"{why}: {sentence[:60]!r}")
    return reasons


def is_clean(text: str) -> bool:
    """Whether the answer text passes the clean-answer rule."""
    return not unclean_parts(text)
