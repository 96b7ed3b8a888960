"""The scale benchmark on a small synthetic corpus: every kind, BM25 and retrieval."""

from __future__ import annotations

import pytest

from assistant.bench.plan import Plan
from assistant.bench.questions import load_questions
from assistant.bench.scale import measure_scale
from assistant.index import vectors
from assistant.pipeline import Engine
from assistant.settings import Settings


def test_scale_measures_each_kind_bm25_and_retrieval_on_a_synthetic_corpus(
    engine: Engine, settings: Settings, tiny: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "FLAT_MAX_ROWS", 300)  # so that 600 rows default to HNSW
    result = measure_scale(engine, load_questions(settings), tiny)
    (size,) = result["sizes"]
    assert size["rows"] == 600
    assert set(size["vectors"]) == {"flat", "hnsw", "ivf"}
    assert size["vectors"]["flat"]["recall_at_10"] == 1.0
    for figures in size["vectors"].values():
        assert figures["query"]["n"] == figures["query_as_asked"]["n"] == 10
        assert 0.0 <= figures["recall_at_10_as_asked"] <= 1.0
    assert size["bm25"]["query"]["n"] == 10 and size["bm25"]["size_mb"] >= 0
    assert size["retrieval"]["vector_kind"] == "hnsw"
    assert size["retrieval"]["without_embedding"]["n"] == 10
    assert 0 < size["filtered_share"] <= 1  # most eval questions name a region
    assert "brus" in result["note"]
