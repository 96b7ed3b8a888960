"""The matrix of a loaded index: statements and matters embedded (through the embedding
cache, so only new texts run the model), placed and tabled; cached until the index, the
matters list or the day changes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from assistant.answer.weights import WEIGHTS, Weights
from assistant.index.build import LoadedIndex, embed_passages
from assistant.index.embedding import Embedder
from assistant.index.matters import Matter, assign, load_matters, matter_text, reading
from assistant.matrix.table import Matrix, build_matrix
from assistant.settings import Settings


@dataclass(frozen=True, eq=False)
class Loaded:
    """A matrix and the vectors the matter search compares a question with."""

    matrix: Matrix
    matter_vectors: np.ndarray  # row i: matrix.matters[i]
    statement_vectors: dict[str, np.ndarray]  # statement id -> its vector
    # Views without a question, by their filters: made once per matrix (`finding.view`).
    views: dict[tuple[object, ...], Any] = field(default_factory=dict)


def matrix_for(
    settings: Settings,
    index: LoadedIndex,
    embedder: Embedder,
    today: date,
    weights: Weights = WEIGHTS,
    matters: tuple[Matter, ...] | None = None,
) -> Loaded:
    """The index's matrix on `today`, built once per index, list and day."""
    matters = matters if matters is not None else load_matters(settings.corpus_dir)
    key = (matters, today, weights)
    # One build at a time: requests arriving during it wait and take its result.
    with _LOCK:
        if _CACHE and _CACHE[0][0] is index and _CACHE[0][1] == key:
            return _CACHE[0][2]
        loaded = _build(settings, index, embedder, today, weights, matters)
        _CACHE[:] = [(index, key, loaded)]
        return loaded


_LOCK = threading.Lock()
_CACHE: list[tuple[LoadedIndex, tuple[object, ...], Loaded]] = []  # the last index's matrix


def _build(
    settings: Settings,
    index: LoadedIndex,
    embedder: Embedder,
    today: date,
    weights: Weights,
    matters: tuple[Matter, ...],
) -> Loaded:
    statements = index.statements
    said = index.statement_vectors
    texts = [matter_text(m) for m in matters]
    if said is None:  # an index from before statement vectors were stored
        texts += [reading(s) for s in statements]
    if texts:
        vectors, _ = embed_passages(texts, embedder, settings.cache_dir, progress=False)
    else:
        vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
    matter_vectors = vectors[: len(matters)]
    if said is None:
        said = vectors[len(matters):]
    by_statement = {s.id: said[i] for i, s in enumerate(statements)}
    assignment = assign(
        statements, matters, by_statement, matter_vectors, weights.matter_similarity
    )
    passages: dict[str, list[str]] = {}
    for chunk in index.chunks:
        passages.setdefault(chunk.document_id, []).append(chunk.text)
    matrix = build_matrix(
        statements, index.documents, matters, assignment, today, passages, weights.matter_balance
    )
    return Loaded(matrix, matter_vectors, by_statement)
