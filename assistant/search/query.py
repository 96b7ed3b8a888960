"""The question as the search and the answer read it, analysed once per ask (`Query`).

Cleaning and its limits, the places that filtered (stripped for the answer and, when a
region filters, for the search too), a person's age (no word to look for) and the domain
synonyms BM25 adds. Retrieval builds the `Query`; the answer layer reads it off the
`Retrieval` instead of analysing the question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from assistant.errors import InputError
from assistant.index import lexical
from assistant.models import RegionQuery
from assistant.text import MAX_QUESTION_CHARS, clean

_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Query:
    """One question, analysed: as asked (cleaned), where, and what is searched for."""

    text: str  # the cleaned question with its typos corrected, place names and all
    place: RegionQuery
    stripped: str  # without the place names that filter: what the answer reads
    searched: str  # what is embedded: `stripped` when a region filters, else `text`
    lexical: str  # what BM25 reads: `searched` without ages, with the synonyms added
    asked: str = ""  # the question as typed (cleaned); `text` when nothing was corrected
    corrected: tuple[tuple[str, str], ...] = ()  # (typed, meant) for each typo corrected

    @property
    def shown(self) -> str:
        """The question as the asker typed it, for the answer to echo."""
        return self.asked or self.text


def make_query(
    text: str,
    place: RegionQuery,
    asked: str | None = None,
    corrected: tuple[tuple[str, str], ...] = (),
) -> Query:
    """The analysed question, for a cleaned (and corrected) text and the place found in it;
    `asked`, the text as typed before its `corrected` typos were fixed."""
    stripped = strip_places(text, place)
    # The place has done its work as a filter; left in the query it only pulls towards
    # passages that happen to name the region, not towards the answer.
    searched = stripped if place.region else text
    return Query(
        text, place, stripped, searched, expand_query(without_ages(searched)),
        asked=asked if asked is not None and asked != text else "", corrected=corrected,
    )


def clean_question(raw: str) -> str:
    """Trim, drop control characters and fold white space; reject what cannot be a question."""
    text = clean(raw)
    if not text:
        raise InputError("Frågan är tom. Skriv en fråga, till exempel 'Vem ansvarar för SIP?'.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            f"Frågan är för lång ({len(text)} tecken); högst {MAX_QUESTION_CHARS}."
        )
    if not _LETTERS.search(text):
        raise InputError("Frågan innehåller inga ord. Skriv frågan med bokstäver.")
    return text


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Domain synonyms staff use for the agreements' words (one group a line)."""
    text = resources.files("assistant").joinpath("data/synonyms.txt").read_text("utf-8")
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append(tuple(term.strip().lower() for term in line.split(",") if term.strip()))
    return tuple(groups)


@cache
def _analysed_groups() -> tuple[tuple[str, ...], ...]:
    """Each synonym group as BM25 terms (stemmed, folded), so "boendet" finds "boende"."""
    return tuple(
        tuple(" ".join(lexical.analyse(term)) for term in group) for group in synonym_groups()
    )


@lru_cache(maxsize=10_000)  # answering expands each word of a question on its own too
def expand_query(question: str) -> str:
    """The question plus the synonyms of the words and phrases in it, for BM25."""
    asked = f" {' '.join(lexical.analyse(question))} "
    extra: list[str] = []
    for group, terms in zip(synonym_groups(), _analysed_groups(), strict=True):
        if any(t and f" {t} " in asked for t in terms):
            extra.extend(w for w, t in zip(group, terms, strict=True) if f" {t} " not in asked)
    return question if not extra else f"{question} {' '.join(extra)}"


def strip_places(question: str, place: RegionQuery) -> str:
    """The question without the place names that were used to filter."""
    text = question
    for words in place.mentioned:
        text = re.sub(
            rf"\b(?:i|för|inom|från|region|regionen)?\s*{re.escape(words)}\b", " ", text, flags=re.I
        )
    cleaned = " ".join(text.split())
    return cleaned if _LETTERS.search(cleaned) else question


# "en 30-åring", "en man på 52 år": one person's age. An age limit ("under 18 år") is left:
# the agreements state theirs in the same words.
_AGE = re.compile(r"\b\d{1,3}[- ]?(åring\w*)\b|(?<=\bpå )\d{1,3} (år)\b", re.IGNORECASE)


def without_ages(question: str) -> str:
    """The question without the numbers of a person's age: "30" in "en 30-åring" is no word
    to look for, and would match a law reference ("HSL 2017:30") or a page number."""
    return _AGE.sub(lambda m: m.group(1) or m.group(2), question)
