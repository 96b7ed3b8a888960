"""Reranking: the retrieved pool reordered by how much of the question each passage's best
sentence covers (the answer layer reads the sentences; this module only weighs numbers).

A passage that lists many duties ("Kommunerna och regionen har ett gemensamt ansvar
för: • psykosocial behandling • kompetensutveckling • …") is diluted for both the
embedding and BM25, though one of its items may answer the question exactly; read
sentence by sentence, it is found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from assistant.search.retrieval import Retrieval


def rerank(
    retrieval: Retrieval, best_coverage: Mapping[str, float], top_k: int, weight: float
) -> Retrieval:
    """The best `top_k` passages, each lifted by `weight` times its best sentence's coverage
    (`best_coverage`, by chunk id); the new score stays on the fused score's 0–1 scale."""
    lifted = [
        replace(h, fused=(h.fused + weight * best_coverage.get(h.chunk.id, 0.0)) / (1 + weight))
        for h in retrieval.hits
    ]
    order = sorted(range(len(lifted)), key=lambda i: (-lifted[i].fused, i))[:top_k]
    hits = tuple(replace(lifted[i], rank=rank) for rank, i in enumerate(order, start=1))
    return replace(retrieval, hits=hits)
