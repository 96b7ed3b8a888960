"""The FAISS wrapper: exact and HNSW search, filters, save/load, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import IndexUnavailableError
from assistant.index import vectors


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def brute_force(matrix: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    scores = matrix @ query
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def test_flat_search_is_exact_and_sorted() -> None:
    m = unit_rows(200, 16)
    vi = vectors.build(m)
    assert (vi.kind, vi.dimension, vi.size) == ("flat", 16, 200)
    queries = unit_rows(3, 16, seed=1)
    results = vectors.search(vi, queries, 10)
    assert len(results) == 3
    for q, hits in zip(queries, results, strict=True):
        assert [r for r, _ in hits] == brute_force(m, q, 10)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        assert scores[0] == pytest.approx(float(m[hits[0][0]] @ q), abs=1e-5)
        assert all(isinstance(r, int) and isinstance(s, float) for r, s in hits)


def test_a_row_finds_itself_first() -> None:
    m = unit_rows(50, 8)
    vi = vectors.build(m)
    hits = vectors.search(vi, m[17], 1)  # a single vector is accepted as one query
    assert hits[0][0][0] == 17
    assert hits[0][0][1] == pytest.approx(1.0, abs=1e-5)


def test_k_larger_than_index_returns_all_rows_without_padding() -> None:
    vi = vectors.build(unit_rows(4, 8))
    hits = vectors.search(vi, unit_rows(1, 8, seed=3), 10)[0]
    assert sorted(r for r, _ in hits) == [0, 1, 2, 3]


def test_allowed_restricts_rows_but_still_fills_k() -> None:
    m = unit_rows(100, 8)
    vi = vectors.build(m)
    allowed = {5, 50, 60, 70, 99}
    q = m[0]
    hits = vectors.search(vi, q, 3, allowed=allowed)[0]
    assert len(hits) == 3
    assert {r for r, _ in hits} <= allowed
    expected = sorted(allowed, key=lambda r: -float(m[r] @ q))[:3]
    assert [r for r, _ in hits] == expected


def test_allowed_empty_gives_nothing() -> None:
    vi = vectors.build(unit_rows(10, 8))
    assert vectors.search(vi, unit_rows(2, 8), 5, allowed=set()) == [[], []]


def test_hnsw_finds_neighbours_and_honours_allowed(tmp_path: Path) -> None:
    m = unit_rows(500, 16)
    vi = vectors.build(m, kind="hnsw")
    assert vi.kind == "hnsw"
    queries = m[:20]
    found = vectors.search(vi, queries, 1)
    assert sum(hits[0][0] == i for i, hits in enumerate(found)) >= 19
    allowed = set(range(100, 200))
    hits = vectors.search(vi, m[150], 5, allowed=allowed)[0]
    assert hits[0][0] == 150 and {r for r, _ in hits} <= allowed
    vectors.save(vi, tmp_path / "h.faiss")
    again = vectors.load(tmp_path / "h.faiss")
    assert again.kind == "hnsw" and again.size == 500
    assert vectors.search(again, m[42], 1)[0][0][0] == 42


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    m = unit_rows(30, 12)
    path = tmp_path / "sub" / "v.faiss"
    vectors.save(vectors.build(m), path)
    vi = vectors.load(path)
    assert (vi.kind, vi.dimension, vi.size) == ("flat", 12, 30)
    q = unit_rows(1, 12, seed=9)
    assert vectors.search(vi, q, 5) == vectors.search(vectors.build(m), q, 5)


def test_empty_matrix_builds_and_searches_to_nothing() -> None:
    vi = vectors.build(np.zeros((0, 8), dtype=np.float32))
    assert vi.size == 0
    assert vectors.search(vi, unit_rows(1, 8), 5) == [[]]


def test_wrong_query_dimension_is_rejected() -> None:
    vi = vectors.build(unit_rows(5, 8))
    with pytest.raises(ValueError):
        vectors.search(vi, unit_rows(1, 9), 3)


def test_missing_and_corrupt_files_raise_index_unavailable(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError, match="saknas"):
        vectors.load(tmp_path / "none.faiss")
    bad = tmp_path / "bad.faiss"
    bad.write_bytes(b"not a faiss index at all")
    with pytest.raises(IndexUnavailableError, match="skadad"):
        vectors.load(bad)
    good = tmp_path / "good.faiss"
    vectors.save(vectors.build(unit_rows(20, 8)), good)
    good.write_bytes(good.read_bytes()[:100])  # truncated
    with pytest.raises(IndexUnavailableError):
        vectors.load(good)


# ── index kinds by size, IVF, exact filtered search, stored vectors ────────────────────


def clustered_rows(n: int, dim: int, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Rows around a few centres, like passages that repeat one template."""
    rng = np.random.default_rng(seed)
    centres = unit_rows(clusters, dim, seed + 1)
    m = centres[rng.integers(0, clusters, n)] + rng.normal(0, 0.15, (n, dim)).astype(np.float32)
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def test_auto_is_flat_up_to_the_limit_and_hnsw_beyond(monkeypatch: pytest.MonkeyPatch) -> None:
    assert vectors.choose_kind(10) == "flat"
    assert vectors.choose_kind(vectors.FLAT_MAX_ROWS) == "flat"
    assert vectors.choose_kind(vectors.FLAT_MAX_ROWS + 1) == "hnsw"
    monkeypatch.setattr(vectors, "FLAT_MAX_ROWS", 100)
    assert vectors.build(unit_rows(100, 8)).kind == "flat"
    assert vectors.build(unit_rows(101, 8)).kind == "hnsw"
    assert vectors.build(unit_rows(101, 8), "flat").kind == "flat"


def test_ivf_finds_near_exact_neighbours_and_survives_save_and_load(tmp_path: Path) -> None:
    m = clustered_rows(2000, 16)
    vi = vectors.build(m, "ivf")
    assert (vi.kind, vi.size) == ("ivf", 2000)
    queries = clustered_rows(30, 16, seed=7)
    exact = vectors.search(vectors.build(m, "flat"), queries, 10)
    found = vectors.search(vi, queries, 10)
    recall = np.mean([len({r for r, _ in a} & {r for r, _ in b}) / 10
                      for a, b in zip(found, exact, strict=True)])
    assert recall >= 0.9
    vectors.save(vi, tmp_path / "ivf.faiss")
    again = vectors.load(tmp_path / "ivf.faiss")
    assert again.kind == "ivf"
    assert vectors.search(again, queries, 10) == found


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_small_filters_are_scored_exactly_whatever_the_kind(kind: vectors.VectorKind) -> None:
    m = clustered_rows(1500, 16)
    vi = vectors.build(m, kind)
    allowed = set(range(0, 1500, 7))
    q = clustered_rows(1, 16, seed=3)[0]
    hits = vectors.search(vi, q, 25, allowed=allowed)[0]
    expected = sorted(allowed, key=lambda r: (-float(m[r] @ q), r))[:25]
    assert [r for r, _ in hits] == expected
    assert [s for _, s in hits] == pytest.approx([float(m[r] @ q) for r in expected], abs=1e-5)


def test_large_filters_use_the_index_and_stay_inside_the_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vectors, "EXACT_SUBSET_ROWS", 10)
    m = clustered_rows(1500, 16)
    q = clustered_rows(1, 16, seed=4)[0]
    allowed = set(range(0, 1500, 3))
    expected = sorted(allowed, key=lambda r: (-float(m[r] @ q), r))[:10]
    for kind in ("flat", "hnsw", "ivf"):
        hits = vectors.search(vectors.build(m, kind), q, 10, allowed=allowed)[0]
        assert len(hits) == 10 and {r for r, _ in hits} <= allowed
        assert len({r for r, _ in hits} & set(expected)) >= 8, kind


def test_filters_with_duplicates_or_rows_out_of_range_are_tolerated() -> None:
    m = unit_rows(20, 8)
    vi = vectors.build(m)
    hits = vectors.search(vi, m[3], 5, allowed=[3, 3, 4, 99, -1])[0]
    assert sorted(r for r, _ in hits) == [3, 4]


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_matrix_returns_the_stored_rows(kind: vectors.VectorKind) -> None:
    m = clustered_rows(300, 8)
    vi = vectors.build(m, kind)
    np.testing.assert_allclose(vectors.matrix(vi), m, atol=1e-6)
    assert vectors.size_bytes(vi) >= m.nbytes
    assert vectors.matrix(vectors.build(np.zeros((0, 8), np.float32))).shape == (0, 8)
