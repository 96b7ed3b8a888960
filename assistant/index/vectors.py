"""Dense vector index: our `VectorIndex` over FAISS. The only module importing faiss.

Which kind of index suits a corpus depends on its size (measured in docs/performance.md):
an exact scan reads every vector for every question: instant for the bundled few hundred
passages, 4 ms at 20 000 and 20 ms at 100 000 (one core), growing linearly. Above
`FLAT_MAX_ROWS`, where the scan would cost more than a tenth of the question's embedding,
an HNSW graph answers in 1–2 ms with recall@10 ≈ 0.97. `choose_kind` makes that choice;
"auto" asks it.

Filtered searches (one region's agreements) with a small allowed set are exact, whatever
the kind: a graph or inverted lists would visit mostly rows that are then thrown away, and
lose recall doing it, while a scan that skips the rows outside the filter is cheap.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.errors import IndexUnavailableError

# faiss tries its builds for wider instruction sets first and reports each one it cannot load
# ("Could not load library with AVX2 support due to: ModuleNotFoundError…") at INFO: normal on
# most machines, yet it reads like a failure. Its warnings and errors still come through.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)

VectorKind = Literal["flat", "hnsw", "ivf"]
KindChoice = Literal["flat", "hnsw", "ivf", "auto"]

FLAT_MAX_ROWS = 20_000  # above this `auto` builds HNSW (see docs/performance.md)
EXACT_SUBSET_ROWS = 20_000  # filters allowing at most this many rows are searched exactly

HNSW_NEIGHBOURS = 32  # graph degree M: the usual recall/memory trade-off for small vectors
HNSW_EF_CONSTRUCTION = 80  # 40 → 80 at 100k rows: recall 0.74 → 0.88 (efSearch 128), build +45 %
HNSW_EF_SEARCH = 512  # recall@10 ≈ 0.97 at 100k rows for 2 ms; 128 gives 0.88 for 0.7 ms

IVF_LISTS_PER_SQRT = 4  # nlist = 4·√n, the usual starting point
IVF_PROBES = 16
IVF_TRAINING_PER_LIST = 40  # k-means sample: FAISS warns below ~39 points per centroid


@dataclass(frozen=True, eq=False)
class VectorIndex:
    """Vectors searchable by inner product; row i is the i-th vector given to `build`."""

    kind: VectorKind
    dimension: int
    size: int
    _native: Any = field(repr=False)


def choose_kind(rows: int) -> VectorKind:
    """The index kind for a corpus of this many passages: exact while it is fast enough."""
    return "flat" if rows <= FLAT_MAX_ROWS else "hnsw"


def _as_matrix(matrix: Any, dimension: int | None = None) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(matrix, dtype=np.float32))
    if arr.ndim == 1 and dimension is not None and arr.shape[0] == dimension:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {arr.shape}")
    if dimension is not None and arr.shape[1] != dimension:
        raise ValueError(f"expected vectors of dimension {dimension}, got {arr.shape[1]}")
    return arr


def _ivf(faiss: Any, arr: np.ndarray) -> Any:
    n, dim = arr.shape
    lists = max(1, min(int(IVF_LISTS_PER_SQRT * math.sqrt(max(n, 1))), n // 39 or 1))
    native = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    sample = min(n, lists * IVF_TRAINING_PER_LIST)
    picked = np.random.default_rng(0).choice(n, size=sample, replace=False) if n else []
    native.train(arr[np.sort(picked)] if n else arr)
    native.nprobe = min(IVF_PROBES, lists)
    return native


def build(matrix: Any, kind: KindChoice = "auto") -> VectorIndex:
    """Index the rows of a float32 (n, d) matrix: exact inner product, HNSW or IVF."""
    import faiss

    arr = _as_matrix(matrix)
    dim = int(arr.shape[1])
    if dim < 1:
        raise ValueError("vectors must have at least one dimension")
    chosen: VectorKind = choose_kind(len(arr)) if kind == "auto" else kind
    native: Any
    if chosen == "flat":
        native = faiss.IndexFlatIP(dim)
    elif chosen == "hnsw":
        native = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        native.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif chosen == "ivf":
        if not len(arr):
            raise ValueError("an IVF index needs vectors to train on")
        native = _ivf(faiss, arr)
    else:
        raise ValueError(f"unknown vector index kind {kind!r}")
    if len(arr):
        native.add(arr)
    if chosen == "ivf":
        native.make_direct_map()  # rows by id, for exact filtered searches
    return VectorIndex(kind=chosen, dimension=dim, size=int(native.ntotal), _native=native)


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
    kind: VectorKind
    if isinstance(native, faiss.IndexHNSWFlat):
        kind = "hnsw"
    elif isinstance(native, faiss.IndexIVFFlat):
        kind = "ivf"
        native.make_direct_map()
    elif isinstance(native, faiss.IndexFlat):
        kind = "flat"
    else:
        raise IndexUnavailableError(f"Vektorfilen {path} har en okänd indextyp.")
    return VectorIndex(kind=kind, dimension=int(native.d), size=int(native.ntotal), _native=native)


def size_bytes(vi: VectorIndex) -> int:
    """How many bytes the index takes when written (about what it takes in memory)."""
    import faiss

    return int(faiss.serialize_index(vi._native).nbytes)


def _stored_rows(vi: VectorIndex, rows: np.ndarray) -> np.ndarray:
    """The stored vectors of the given rows, (len(rows), d) float32."""
    import faiss

    if vi.kind == "ivf":
        return np.asarray(vi._native.reconstruct_batch(rows), dtype=np.float32)
    flat: Any = vi._native if vi.kind == "flat" else faiss.downcast_index(vi._native.storage)
    # A view of FAISS's own buffer (no copy); `vi` keeps it alive while we read it.
    stored = faiss.rev_swig_ptr(flat.get_xb(), vi.size * vi.dimension)
    return np.asarray(stored).reshape(vi.size, vi.dimension)[rows]


def matrix(vi: VectorIndex) -> np.ndarray:
    """All stored vectors as a float32 (size, d) copy; row i is row i of the index."""
    if not vi.size:
        return np.zeros((0, vi.dimension), dtype=np.float32)
    return np.array(_stored_rows(vi, np.arange(vi.size, dtype=np.int64)), dtype=np.float32)


@contextmanager
def _one_thread(faiss: Any) -> Iterator[None]:
    """FAISS on one thread for the calling thread only (builds keep their threads).

    A single question gains nothing from a team of threads, and on a busy machine the team
    is many times slower: its idle member spins against the one doing the work (measured
    at 100k rows: 55 ms with two threads, 20 ms with one)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _selector(faiss: Any, allowed: Collection[int], size: int) -> tuple[Any, int]:
    """A FAISS row selector for the allowed rows inside the index, and how many they are."""
    rows = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
    rows = rows[(rows >= 0) & (rows < size)]
    if not isinstance(allowed, set | frozenset):
        rows = np.unique(rows)  # slow on large arrays; sets need no de-duplication
    return faiss.IDSelectorBatch(rows), len(rows)


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
    selector = None
    candidates = vi.size
    if allowed is not None:
        selector, candidates = _selector(faiss, allowed, vi.size)
    k = min(k, vi.size, candidates)
    if k <= 0:
        return [[] for _ in range(len(arr))]
    native = vi._native
    params: Any
    exact = selector is not None and candidates <= EXACT_SUBSET_ROWS
    if vi.kind == "flat" or (exact and vi.kind == "hnsw"):
        # HNSW keeps its vectors in a flat index: a small filter is scanned exactly there.
        native = native if vi.kind == "flat" else faiss.downcast_index(native.storage)
        params = faiss.SearchParameters()
    elif vi.kind == "hnsw":
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(HNSW_EF_SEARCH, 2 * k)
    else:
        params = faiss.SearchParametersIVF()
        probes = int(native.nprobe)
        if selector is not None:
            # Rows outside the filter still fill the lists: probe more to find k inside it
            # (every list for a small filter, which makes the search exact).
            probes = native.nlist if exact else math.ceil(probes * vi.size / candidates)
        params.nprobe = min(int(native.nlist), max(probes, 1))
    if selector is not None:
        params.sel = selector
    with _one_thread(faiss):
        scores, rows = native.search(arr, k, params=params)
    return [
        [(int(r), float(s)) for r, s in zip(row_ids, row_scores, strict=True) if r >= 0]
        for row_ids, row_scores in zip(rows, scores, strict=True)
    ]
