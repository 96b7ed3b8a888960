"""Reranking by numbers: each passage lifted by its best sentence's coverage."""

from __future__ import annotations

from assistant.models import Chunk, Hit, RegionQuery
from assistant.search.query import make_query
from assistant.search.rerank import rerank
from assistant.search.retrieval import Retrieval


def hit(ident: str, fused: float, rank: int) -> Hit:
    chunk = Chunk(ident, "d", f"Text {ident}.", (), None, None, 0, 10)
    return Hit(chunk=chunk, dense=0.8, lexical=1.0, fused=fused, rank=rank)


def found(*hits: Hit) -> Retrieval:
    return Retrieval(make_query("Vem?", RegionQuery(region=None)), hits, ("d",))


def test_a_passage_whose_sentence_covers_the_question_moves_up() -> None:
    pool = found(hit("a", 0.9, 1), hit("b", 0.7, 2), hit("c", 0.6, 3))
    out = rerank(pool, {"a": 0.0, "b": 1.0, "c": 0.2}, top_k=2, weight=0.5)
    assert [h.chunk.id for h in out.hits] == ["b", "a"]
    assert [h.rank for h in out.hits] == [1, 2]
    assert out.hits[0].fused == (0.7 + 0.5) / 1.5  # still on the 0–1 scale
    assert all(0.0 <= h.fused <= 1.0 for h in out.hits)


def test_without_coverage_the_order_and_ties_stay_as_retrieved() -> None:
    pool = found(hit("a", 0.5, 1), hit("b", 0.5, 2), hit("c", 0.4, 3))
    out = rerank(pool, {}, top_k=3, weight=0.5)
    assert [h.chunk.id for h in out.hits] == ["a", "b", "c"]
    assert rerank(pool, {"c": 1.0}, top_k=3, weight=0.0).hits[0].chunk.id == "a"
