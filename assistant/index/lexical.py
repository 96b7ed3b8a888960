"""Lexical index: BM25 over Swedish stems. The only module importing bm25s and Stemmer.

Text becomes index terms in three steps: `tokenize` (NFKC, lower-case, words only, Swedish
stop words out, å/ä/ö kept), then ASCII folding, then the Snowball Swedish stemmer.

Why fold: staff often type without å/ä/ö ("abstinensvard", "halso- och sjukvard"). Folding
both the passages and the question to ASCII before stemming makes those match exactly, and
because the same function runs on both sides the match is symmetric by construction.
Indexing a folded copy of each word *besides* the original would also match, but it counts
every word with å/ä/ö twice (in term frequency and document length), which skews BM25
against words without them. The price of folding is a few merged words (får/far, mål/mal,
år/ar), which in these texts costs far less than a missed match. Stop words are judged
before folding, so "år" (year) is kept while "är" (is) goes; an ASCII-only word that is a
folded stop word ("ar", "nar", "over") is dropped too, since it is most likely one typed
without its dots.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexUnavailableError
from assistant.text import strip_marks

ANALYSER_VERSION = "1"  # bump whenever tokenize/fold/stem change: old BM25 files are stale
META_NAME = "lexical.json"

# The Snowball Swedish stop-word list: function words only, no domain words.
_SNOWBALL_SWEDISH = """
    alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din
    dina ditt du där då efter ej eller en er era ert ett från för ha hade han hans har henne
    hennes hon honom hur här i icke ingen inom inte jag ju kan kunde man med mellan men mig
    min mina mitt mot mycket ni nu när någon något några och om oss på samma sedan sig sin
    sina sitta själv skulle som så sådan sådana sådant till under upp ut utan vad var vara
    varför varit varje vars vart vem vi vid vilka vilkas vilken vilket vår våra vårt än är åt
    över
"""
STOP_WORDS = frozenset(_SNOWBALL_SWEDISH.split())

_WORD = re.compile(r"[^\W_]+")


_FOLDED_STOP_WORDS = frozenset(strip_marks(w) for w in STOP_WORDS)


def _is_stop_word(word: str) -> bool:
    return word in STOP_WORDS or (word.isascii() and word in _FOLDED_STOP_WORDS)


def tokenize(text: str, *, keep_stop_words: bool = False) -> list[str]:
    """Lower-cased words of `text`, punctuation stripped, å/ä/ö kept, stop words dropped."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    # Single letters are list markers ("a)", "o") or initials, never content.
    words = [w for w in words if len(w) > 1 or w.isdigit()]
    if keep_stop_words:
        return words
    return [w for w in words if not _is_stop_word(w)]


@lru_cache(maxsize=1)
def _stemmer() -> tuple[Any, threading.Lock]:
    import Stemmer

    # PyStemmer objects are not safe to share between threads without a lock.
    return Stemmer.Stemmer("swedish"), threading.Lock()


@lru_cache(maxsize=200_000)
def _term(word: str) -> str:
    """One word's index term; cached, since answering analyses the same words over and over
    and folding character by character is the slow part."""
    stemmer, lock = _stemmer()
    with lock:
        return str(stemmer.stemWord(strip_marks(word)))


@lru_cache(maxsize=20_000)
def _analysed(text: str) -> tuple[str, ...]:
    # Answering analyses the sentences of the passages it is given, and the same passages
    # come back question after question: a few thousand sentences cover most of them.
    return tuple(_term(w) for w in tokenize(text))


def analyse(text: str) -> list[str]:
    """The terms BM25 sees: `tokenize`, then ASCII-fold, then the Swedish Snowball stem."""
    return list(_analysed(text))


@dataclass(frozen=True, eq=False)
class LexicalIndex:
    """BM25 over the analysed texts; row i is the i-th text given to `build`."""

    size: int
    _native: Any = field(repr=False)  # None when built from no texts


def build(texts: Sequence[str]) -> LexicalIndex:
    """Build a BM25 index of the texts (row i = texts[i])."""
    if not texts:
        return LexicalIndex(size=0, _native=None)
    import bm25s

    retriever = bm25s.BM25()
    # Not through analyse's cache: a whole corpus would only push the sentences out of it.
    retriever.index([[_term(w) for w in tokenize(t)] for t in texts], show_progress=False)
    return LexicalIndex(size=len(texts), _native=retriever)


def save(li: LexicalIndex, directory: Path) -> None:
    """Write the index into a directory (several files)."""
    directory.mkdir(parents=True, exist_ok=True)
    if li._native is not None:
        li._native.save(str(directory), show_progress=False)
    meta = {"analyser_version": ANALYSER_VERSION, "size": li.size}
    (directory / META_NAME).write_text(json.dumps(meta), encoding="utf-8")


def load(directory: Path) -> LexicalIndex:
    """Read an index written by `save`; missing, corrupt or outdated files raise."""
    meta_path = directory / META_NAME
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        size = int(meta["size"])
        version = str(meta["analyser_version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailableError(f"BM25-indexet i {directory} saknas eller är skadat.") from exc
    if version != ANALYSER_VERSION:
        raise IndexUnavailableError(
            f"BM25-indexet i {directory} är byggt med en äldre ordanalys; bygg om indexet."
        )
    if size == 0:
        return LexicalIndex(size=0, _native=None)
    import bm25s

    try:
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        stored = int(retriever.scores["num_docs"])
    except Exception as exc:  # bm25s raises whatever numpy/json raise on a broken file
        raise IndexUnavailableError(f"BM25-indexet i {directory} är skadat: {exc}") from None
    if stored != size:
        raise IndexUnavailableError(f"BM25-indexet i {directory} är skadat (fel antal rader).")
    return LexicalIndex(size=size, _native=retriever)


def search(
    li: LexicalIndex, query_text: str, k: int, allowed: Collection[int] | None = None
) -> list[tuple[int, float]]:
    """Up to k (row, BM25 score) pairs, best first; rows sharing no term are left out.

    A term repeated in the query counts once per repetition (so expansion can add weight).
    `allowed` restricts the result to those rows.
    """
    if li._native is None or k <= 0:
        return []
    terms = analyse(query_text)
    ids = li._native.get_tokens_ids(terms)
    if not ids:
        return []
    scores = np.asarray(li._native.get_scores_from_ids(ids), dtype=np.float32)
    if allowed is not None:
        mask = np.zeros(li.size, dtype=bool)
        rows = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        mask[rows[(rows >= 0) & (rows < li.size)]] = True
        scores = np.where(mask, scores, 0.0)
    matching = np.flatnonzero(scores > 0)
    if len(matching) > k:
        # Only rows scoring at least the k-th best can be returned: sort those, not all.
        kth = np.partition(scores[matching], len(matching) - k)[len(matching) - k]
        matching = matching[scores[matching] >= kth]
    # Highest score first; ties by row so results are reproducible.
    order = np.lexsort((matching, -scores[matching]))[:k]
    return [(int(matching[i]), float(scores[matching[i]])) for i in order]
