"""Matters (insatser): the named duties the ansvarsmatris has a row for, and which
statements each one holds.

A matter is a name and the words agreements say it by (`data/matters.tsv`; an
administrator's `corpus/matters.tsv` replaces the list). A statement belongs to every
matter one of whose terms its duty holds: each word of the term in some form — the word
itself, its lemma, or (for a compound no longer term has claimed) one of its parts, so
"abstinensbehandlingen" says "abstinens" but "boendestöd" does not say "boende". What the
words miss, a matter takes when the statement's e5 vector is close enough to the matter's
(`MatrixTuning.similarity`); a statement no matter takes is listed, so the list can grow.

This is the one notion of "matter" in the product: the decline rule's matter check asks
whether a question's words are used by the agreements in the same forms (`word_forms`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from assistant import morphology
from assistant.errors import CorpusError
from assistant.index import lexical
from assistant.models import Statement

MATTERS_NAME = "matters.tsv"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Matter:
    """One row of the ansvarsmatris: an insats, and the words agreements say it by."""

    id: str
    name: str
    terms: tuple[str, ...]  # as written in the list: "abstinensvård", "personligt ombud"


def parse_matters(text: str, where: str = MATTERS_NAME) -> tuple[Matter, ...]:
    """The matters of a list (a header line, then `id<TAB>name<TAB>term; term; …`)."""
    found: list[Matter] = []
    seen: set[str] = set()
    header_seen = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if line.split("\t")[:3] == ["id", "name", "terms"]:
                continue
        cells = line.split("\t")
        if len(cells) != 3:
            raise CorpusError(
                f"{where}, rad {number}: väntade tre fält åtskilda av tabb "
                f"(id, namn, termer), fick {len(cells)}."
            )
        ident, name, terms_text = (c.strip() for c in cells)
        if not _ID.fullmatch(ident):
            raise CorpusError(
                f"{where}, rad {number}: id {ident!r} ska vara gemena a–z, siffror och bindestreck."
            )
        if ident in seen:
            raise CorpusError(f"{where}, rad {number}: id {ident!r} finns redan.")
        terms = tuple(t.strip() for t in terms_text.split(";") if t.strip())
        if not name or not terms:
            raise CorpusError(f"{where}, rad {number}: namn och minst en term behövs.")
        seen.add(ident)
        found.append(Matter(ident, name, terms))
    if not found:
        raise CorpusError(f"{where}: listan har inga insatser.")
    return tuple(found)


def matters_path(corpus_dir: Path) -> Path:
    """Where an administrator's list lives (it replaces the bundled one)."""
    return corpus_dir / MATTERS_NAME


def load_matters(corpus_dir: Path) -> tuple[Matter, ...]:
    """The administrator's list in the corpus folder, else the bundled one (read again
    only when the file changes)."""
    path = matters_path(corpus_dir)
    try:
        found = path.stat() if path.is_file() else None
    except OSError:
        found = None
    stamp = (found.st_mtime_ns, found.st_size) if found else None
    return _read_matters(path if stamp else None, stamp)


@lru_cache(maxsize=8)
def _read_matters(path: Path | None, stamp: tuple[int, int] | None) -> tuple[Matter, ...]:
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{path} kan inte läsas: {exc}") from None
        return parse_matters(text, str(path))
    bundled = resources.files("assistant").joinpath("data/matters.tsv")
    return parse_matters(bundled.read_text(encoding="utf-8"), "data/matters.tsv")


# ── words ──────────────────────────────────────────────────────────────────────────────


@lru_cache(maxsize=50_000)
def word_forms(word: str) -> frozenset[str]:
    """The index terms a word says itself: the word and its lemma."""
    forms = set(lexical.analyse(word))
    forms.update(lexical.analyse(morphology.lemma(word)))
    return frozenset(forms)


@lru_cache(maxsize=50_000)
def part_forms(word: str) -> frozenset[str]:
    """The index terms of a compound's parts ("abstinensbehandling": abstinens, behandling);
    nothing for a simple word."""
    parts = morphology.compound_parts(word)
    if len(parts) < 2:
        return frozenset()
    return frozenset(t for p in parts for t in lexical.analyse(p))


@dataclass(frozen=True)
class _Term:
    matter: str
    words: tuple[frozenset[str], ...]  # per word of the term: the forms that say it
    length: int  # characters, so the longest term claims a compound first


def _terms(matters: Sequence[Matter]) -> tuple[_Term, ...]:
    found = []
    for matter in matters:
        for term in matter.terms:
            words = tuple(word_forms(w) for w in lexical.tokenize(term))
            if words and all(words):
                found.append(_Term(matter.id, words, len(term)))
    return tuple(sorted(found, key=lambda t: -t.length))


def matters_in(text: str, matters: Sequence[Matter]) -> tuple[str, ...]:
    """The ids of the matters whose terms `text` holds, in list order."""
    return _matching(text, _terms(matters), [m.id for m in matters])


def _matching(text: str, terms: Sequence[_Term], order: Sequence[str]) -> tuple[str, ...]:
    words = lexical.tokenize(text)
    at: dict[str, list[int]] = {}  # a form -> the words that say it whole, in order
    for i, word in enumerate(words):
        for form in word_forms(word):
            at.setdefault(form, []).append(i)
    claimed: set[int] = set()  # words a term said whole; their parts say nothing more
    found: set[str] = set()
    for term in terms:  # longest first
        hits = [min((i for f in forms for i in at.get(f, ())), default=None)
                for forms in term.words]
        if all(h is not None for h in hits):
            found.add(term.matter)
            claimed.update(h for h in hits if h is not None)
    said = set(at)  # forms said whole or, by words no term claimed, as compound parts
    for i, word in enumerate(words):
        if i not in claimed:
            said.update(part_forms(word))
    for term in terms:
        if term.matter not in found and all(forms & said for forms in term.words):
            found.add(term.matter)
    return tuple(m for m in order if m in found)


# ── statements ─────────────────────────────────────────────────────────────────────────


def reading(statement: Statement) -> str:
    """What a statement is about: its duty without the actor's name, and its conditions."""
    duty = statement.duty.replace(statement.actor, " ", 1)
    return " ".join([duty, *statement.conditions])


def matter_text(matter: Matter) -> str:
    """What a matter's vector is made from: its name and its terms."""
    return ". ".join([matter.name, ", ".join(matter.terms)])


@dataclass(frozen=True)
class Assignment:
    """Which matters each statement belongs to, and how it was found."""

    by_statement: Mapping[str, tuple[str, ...]]  # statement id -> matter ids (list order)
    by_words: frozenset[str]  # statement ids placed by their words (else by similarity)
    unplaced: tuple[Statement, ...]  # no matter fits


def assign(
    statements: Iterable[Statement],
    matters: Sequence[Matter],
    statement_vectors: Mapping[str, np.ndarray] | None = None,
    matter_vectors: np.ndarray | None = None,
    similarity: float = 1.0,
) -> Assignment:
    """Place each statement in the matters its duty (or, failing that, its section's last
    heading) says; what the words miss goes to the one matter whose vector is at least
    `similarity` close to the statement's, if any."""
    terms = _terms(matters)
    order = [m.id for m in matters]
    placed: dict[str, tuple[str, ...]] = {}
    by_words: set[str] = set()
    unplaced: list[Statement] = []
    for statement in statements:
        found = _matching(reading(statement), terms, order)
        if not found:
            found = _matching(statement.section.rsplit("›", 1)[-1], terms, order)
        if found:
            by_words.add(statement.id)
        elif statement_vectors is not None and matter_vectors is not None:
            vector = statement_vectors.get(statement.id)
            if vector is not None and len(matters):
                scores = matter_vectors @ vector
                best = int(np.argmax(scores))
                if scores[best] >= similarity:
                    found = (order[best],)
        if found:
            placed[statement.id] = found
        else:
            unplaced.append(statement)
    return Assignment(placed, frozenset(by_words), tuple(unplaced))
