"""Dense vector index: our `VectorIndex` over FAISS. The only module importing faiss."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.errors import IndexUnavailableError

VectorKind = Literal["flat", "hnsw"]

HNSW_NEIGHBOURS = 32  # graph degree M: the usual recall/memory trade-off for small vectors
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128


@dataclass(frozen=True, eq=False)
class VectorIndex:
    """Vectors searchable by inner product; row i is the i-th vector given to `build`."""

    kind: VectorKind
    dimension: int
    size: int
    _native: Any = field(repr=False)


def _as_matrix(matrix: Any, dimension: int | None = None) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(matrix, dtype=np.float32))
    if arr.ndim == 1 and dimension is not None and arr.shape[0] == dimension:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {arr.shape}")
    if dimension is not None and arr.shape[1] != dimension:
        raise ValueError(f"expected vectors of dimension {dimension}, got {arr.shape[1]}")
    return arr


def build(matrix: Any, kind: VectorKind = "flat") -> VectorIndex:
    """Index the rows of a float32 (n, d) matrix: exact inner product, or HNSW for scale."""
    import faiss

    arr = _as_matrix(matrix)
    dim = int(arr.shape[1])
    if dim < 1:
        raise ValueError("vectors must have at least one dimension")
    native: Any
    if kind == "flat":
        native = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        native = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        native.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        raise ValueError(f"unknown vector index kind {kind!r}")
    if len(arr):
        native.add(arr)
    return VectorIndex(kind=kind, dimension=dim, size=int(native.ntotal), _native=native)


def save(vi: VectorIndex, path: Path) -> None:
    """Write the index to one file."""
    import faiss

    path.parent.mkdir(parents=True, exist_ok=True)
    faiss.write_index(vi._native, str(path))


def load(path: Path) -> VectorIndex:
    """Read an index written by `save`; unreadable files raise IndexUnavailableError."""
    import faiss

    if not path.is_file():
        raise IndexUnavailableError(f"Vektorfilen {path} saknas.")
    try:
        native = faiss.read_index(str(path))
    except Exception as exc:  # faiss reports every format problem as RuntimeError
        raise IndexUnavailableError(f"Vektorfilen {path} är skadad: {exc}") from None
    if native.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise IndexUnavailableError(f"Vektorfilen {path} använder fel avståndsmått.")
    if isinstance(native, faiss.IndexHNSWFlat):
        kind: VectorKind = "hnsw"
    elif isinstance(native, faiss.IndexFlat):
        kind = "flat"
    else:
        raise IndexUnavailableError(f"Vektorfilen {path} har en okänd indextyp.")
    return VectorIndex(kind=kind, dimension=int(native.d), size=int(native.ntotal), _native=native)


def search(
    vi: VectorIndex, queries: Any, k: int, allowed: Collection[int] | None = None
) -> list[list[tuple[int, float]]]:
    """For each query row, up to k (row, inner product) pairs, best first.

    `allowed` restricts the search to those rows (e.g. one region's chunks); it is applied
    inside the search, so k results come back whenever k allowed rows exist.
    """
    import faiss

    arr = _as_matrix(queries, vi.dimension)
    if not len(arr):
        return []
    candidates = vi.size if allowed is None else len(allowed)
    k = min(k, vi.size, candidates)
    if k <= 0:
        return [[] for _ in range(len(arr))]
    selector = None
    if allowed is not None:
        selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64))
    params: Any = None
    if vi.kind == "hnsw":
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(HNSW_EF_SEARCH, 2 * k)
    elif selector is not None:
        params = faiss.SearchParameters()
    if selector is not None:
        params.sel = selector
    scores, rows = vi._native.search(arr, k, params=params)
    return [
        [(int(r), float(s)) for r, s in zip(row_ids, row_scores, strict=True) if r >= 0]
        for row_ids, row_scores in zip(rows, scores, strict=True)
    ]
