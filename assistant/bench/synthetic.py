"""A synthetic scale corpus: the real passages replicated and perturbed, for benchmarks only.

Embedding 100 000 passages with the bundled model would take hours, so the vectors are the
real passages' real vectors plus small Gaussian noise, re-normalised: each copy lies close
to its source, as a region's variant of a national template does. The texts are perturbed
for real (place names, numbers, synonyms, word order within sentences) so that BM25 is built
and searched on text of realistic length and vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from random import Random

import numpy as np

from assistant.models import Chunk, DocumentMeta
from assistant.search.query import synonym_groups
from assistant.search.regions import MUNICIPALITIES

VECTOR_NOISE = 0.02  # per dimension: at 384 dimensions a copy keeps cosine ≈ 0.93 to its source
SHUFFLE_SHARE = 0.3  # share of sentences in which two neighbouring words trade places
SYNONYM_SHARE = 0.5  # chance that a word with synonyms is swapped for one of them

_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")
_SENTENCE = re.compile(r"(?<=[.!?:])\s+")
REGIONS = tuple(MUNICIPALITIES)


@dataclass(frozen=True, eq=False)
class SyntheticCorpus:
    """Synthetic documents and passages; row i of `vectors` belongs to `chunks[i]`."""

    documents: Mapping[str, DocumentMeta]
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray  # float32 (n, d), unit rows
    sources: np.ndarray  # int64 (n,): the real row each passage was copied from


def perturb_vectors(
    matrix: np.ndarray, rng: np.random.Generator, noise: float = VECTOR_NOISE
) -> np.ndarray:
    """A noisy copy of unit rows, re-normalised to unit length (float32)."""
    out = np.asarray(matrix, dtype=np.float32) + rng.normal(
        0.0, noise, size=matrix.shape
    ).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out)


def _synonym_table() -> dict[str, tuple[str, ...]]:
    """One-word terms → the other one-word terms of their synonym group."""
    table: dict[str, tuple[str, ...]] = {}
    for group in synonym_groups():
        single = [t for t in group if " " not in t]
        for term in single:
            others = tuple(t for t in single if t != term)
            if others:
                table[term] = others
    return table


def _place_pattern(region: str) -> re.Pattern[str]:
    """The region's name and its municipalities' names, longest first."""
    names = sorted({region, *MUNICIPALITIES.get(region, ())}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")


@dataclass(frozen=True)
class Perturbation:
    """How one copy of a document differs from its source."""

    source_region: str | None
    target_region: str
    seed: int


def perturb_text(
    text: str,
    how: Perturbation,
    synonyms: Mapping[str, tuple[str, ...]],
) -> str:
    """The text with place names moved to another län, numbers changed, synonyms swapped
    and a few neighbouring words swapped within sentences."""
    rng = Random(f"{how.seed}\0{text[:64]}")
    targets = MUNICIPALITIES[how.target_region]
    if how.source_region in MUNICIPALITIES:
        source_region: str = how.source_region
        pattern = _place_pattern(source_region)

        def place(match: re.Match[str]) -> str:
            if match.group(0) == source_region:
                return how.target_region
            return targets[rng.randrange(len(targets))]

        text = pattern.sub(place, text)

    def number(match: re.Match[str]) -> str:
        digits = match.group(0)
        low = 10 ** (len(digits) - 1) if len(digits) > 1 else 0
        return str(rng.randrange(low, 10 ** len(digits)))

    text = _NUMBER.sub(number, text)

    def synonym(match: re.Match[str]) -> str:
        word = match.group(0)
        others = synonyms.get(word.lower())
        if not others or rng.random() >= SYNONYM_SHARE:
            return word
        swap = others[rng.randrange(len(others))]
        return swap.capitalize() if word[:1].isupper() else swap

    text = _WORD.sub(synonym, text)
    sentences = _SENTENCE.split(text)
    for i, sentence in enumerate(sentences):
        if rng.random() >= SHUFFLE_SHARE:
            continue
        words = sentence.split(" ")
        if len(words) > 3:
            j = rng.randrange(len(words) - 1)
            words[j], words[j + 1] = words[j + 1], words[j]
            sentences[i] = " ".join(words)
    return " ".join(sentences)


def synthesise(
    documents: Mapping[str, DocumentMeta],
    chunks: Sequence[Chunk],
    matrix: np.ndarray,
    rows: int,
    *,
    seed: int = 0,
    noise: float = VECTOR_NOISE,
) -> SyntheticCorpus:
    """`rows` passages made from the real ones: each real document copied as a new agreement
    of a län in turn, its passages perturbed, their vectors the real ones plus noise."""
    if not chunks:
        raise ValueError("a synthetic corpus needs at least one real passage")
    if matrix.shape[0] != len(chunks):
        raise ValueError("one vector per passage is needed")
    by_document: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        by_document.setdefault(chunk.document_id, []).append(row)
    synonyms = _synonym_table()
    new_documents: dict[str, DocumentMeta] = {}
    new_chunks: list[Chunk] = []
    sources: list[int] = []
    copy = 0
    while len(new_chunks) < rows:
        for document_id, members in by_document.items():
            if len(new_chunks) >= rows:
                break
            meta = documents[document_id]
            region = REGIONS[(copy + len(new_documents)) % len(REGIONS)]
            new_id = f"{document_id}-syn{copy:04d}"
            how = Perturbation(meta.region, region, seed * 1_000_003 + len(new_documents))
            new_documents[new_id] = replace(
                meta,
                id=new_id,
                region=region,
                title=perturb_text(meta.title, how, synonyms),
                parties=(f"Region {region}", f"Kommunerna i {region}"),
                source=f"{new_id}.txt",
            )
            for row in members[: rows - len(new_chunks)]:
                chunk = chunks[row]
                new_chunks.append(
                    replace(
                        chunk,
                        id=f"{chunk.id}-syn{copy:04d}",
                        document_id=new_id,
                        text=perturb_text(chunk.text, how, synonyms),
                    )
                )
                sources.append(row)
        copy += 1
    source_rows = np.asarray(sources, dtype=np.int64)
    rng = np.random.default_rng(seed)
    vectors = perturb_vectors(matrix[source_rows], rng, noise)
    return SyntheticCorpus(
        documents=new_documents,
        chunks=tuple(new_chunks),
        vectors=vectors,
        sources=source_rows,
    )
