"""Scale: synthetic corpora of 10k and 100k passages; build time, size, latency and recall
of each vector index kind and of BM25, and whole retrieval without the query embedding."""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from assistant.bench.figures import memory_of, summarise
from assistant.bench.plan import Plan
from assistant.bench.synthetic import VECTOR_NOISE, synthesise
from assistant.index import lexical, vectors
from assistant.index.build import INDEX_FORMAT, LoadedIndex, Manifest
from assistant.index.embedding import CachedEmbedder, bare_embedder
from assistant.pipeline import Engine
from assistant.search.query import expand_query
from assistant.search.retrieval import Filters, locate, retrieve, select_documents


def _loaded(
    like: Manifest,
    documents: Mapping[str, Any],
    chunks: Sequence[Any],
    matrix: np.ndarray,
    kind: vectors.KindChoice,
    dense: vectors.VectorIndex | None = None,
    sparse: lexical.LexicalIndex | None = None,
) -> LoadedIndex:
    dense = dense or vectors.build(matrix, kind)
    sparse = sparse or lexical.build([c.indexed_text for c in chunks])
    by_document: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        by_document.setdefault(chunk.document_id, []).append(row)
    manifest = replace(
        like,
        format=INDEX_FORMAT,
        vector_kind=dense.kind,
        chunk_count=len(chunks),
        corpus_fingerprint="synthetic",
        documents={},
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files={},
    )
    return LoadedIndex(
        manifest=manifest,
        chunks=tuple(chunks),
        vectors=dense,
        lexical=sparse,
        documents=MappingProxyType(dict(documents)),
        rows=MappingProxyType({c.id: i for i, c in enumerate(chunks)}),
        document_rows=MappingProxyType({d: tuple(r) for d, r in by_document.items()}),
    )


def _growth(before: float | None, after: float | None) -> float | None:
    return round(after - before, 1) if after is not None and before is not None else None


def _search_each(
    dense: vectors.VectorIndex,
    query_vectors: np.ndarray,
    k: int,
    allowed: Sequence[set[int] | None] | None,
) -> tuple[list[list[tuple[int, float]]], list[float]]:
    """Each query on its own (as the service asks them): results and seconds."""
    found: list[list[tuple[int, float]]] = []
    took: list[float] = []
    for i in range(len(query_vectors)):
        rows = allowed[i] if allowed is not None else None
        started = time.perf_counter()
        hits = vectors.search(dense, query_vectors[i : i + 1], k, rows)
        took.append(time.perf_counter() - started)
        found.append(hits[0] if hits else [])
    return found, took


def _directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _recall(
    found: Sequence[Sequence[tuple[int, float]]],
    exact: Sequence[Sequence[tuple[int, float]]],
    k: int,
) -> float:
    shares = []
    for got, truth in zip(found, exact, strict=True):
        best = {r for r, _ in truth[:k]}
        if best:
            shares.append(len(best & {r for r, _ in got[:k]}) / len(best))
    return round(float(np.mean(shares)), 4) if shares else 1.0


def _allowed_rows(index: LoadedIndex, question: str) -> set[int] | None:
    """The rows retrieval would search for this question (None: all of them)."""
    covered = {m.region for m in index.documents.values() if m.region}
    place = locate(question, Filters(), covered)
    documents = select_documents(index, Filters(), place)
    if len(documents) == len(index.documents):
        return None
    return {r for d in documents for r in index.document_rows.get(d, ())}


def measure_scale_size(
    base: LoadedIndex,
    engine: Engine,
    questions: Sequence[str],
    query_vectors: np.ndarray,
    rows: int,
    kinds: Sequence[vectors.VectorKind],
) -> dict[str, Any]:
    """One synthetic size: build time, size, latency and recall of each vector index kind,
    BM25 the same, and whole retrieval (without the query embedding) with the default."""
    gc.collect()
    rss_before = memory_of()["rss_mb"]
    started = time.perf_counter()
    made = synthesise(base.documents, base.chunks, vectors.matrix(base.vectors), rows)
    made_s = time.perf_counter() - started
    texts = [c.indexed_text for c in made.chunks]
    started = time.perf_counter()
    sparse = lexical.build(texts)
    sparse_s = time.perf_counter() - started
    candidates = engine.settings.candidates
    result: dict[str, Any] = {
        "rows": len(made.chunks),
        "documents": len(made.documents),
        "synthesis_s": round(made_s, 2),
    }
    gc.collect()
    before = memory_of()["rss_mb"]
    started = time.perf_counter()
    flat = vectors.build(made.vectors, "flat")
    flat_s = time.perf_counter() - started
    flat_growth = _growth(before, memory_of()["rss_mb"])
    exact = _loaded(base.manifest, made.documents, made.chunks, made.vectors, "flat",
                    dense=flat, sparse=sparse)
    # Filters as retrieval applies them (most questions name a region).
    allowed = [_allowed_rows(exact, q) for q in questions]
    filtered = [i for i, a in enumerate(allowed) if a is not None]
    result["filtered_share"] = round(len(filtered) / max(len(questions), 1), 3)
    result["filtered_rows_mean"] = (
        round(float(np.mean([len(allowed[i] or ()) for i in filtered])), 1) if filtered else None
    )

    with tempfile.TemporaryDirectory(prefix="assistant-bench-scale-") as tmp:
        lexical.save(sparse, Path(tmp) / "lexical")
        sparse_bytes = _directory_bytes(Path(tmp) / "lexical")
    plain: list[float] = []
    both: list[float] = []
    for text, subset in zip((expand_query(q) for q in questions), allowed, strict=True):
        started = time.perf_counter()
        lexical.search(sparse, text, candidates)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        lexical.search(sparse, text, candidates, subset)
        both.append(time.perf_counter() - started)
    result["bm25"] = {
        "build_s": round(sparse_s, 2),
        "size_mb": round(sparse_bytes / 2**20, 1),
        "query": summarise(plain),
        "query_as_asked": summarise(both),
    }

    default = vectors.choose_kind(len(made.chunks))
    kept = flat if default == "flat" else None
    exact_plain: list[list[tuple[int, float]]] = []
    exact_asked: list[list[tuple[int, float]]] = []
    result["vectors"] = {}
    order: list[vectors.VectorKind] = ["flat", *[k for k in kinds if k != "flat"]]
    for kind in order:
        dense, build_s, growth = flat, flat_s, flat_growth
        if kind != "flat":
            gc.collect()
            before = memory_of()["rss_mb"]
            started = time.perf_counter()
            dense = vectors.build(made.vectors, kind)
            build_s = time.perf_counter() - started
            growth = _growth(before, memory_of()["rss_mb"])
        plain_found, plain_t = _search_each(dense, query_vectors, candidates, None)
        asked_found, asked_t = _search_each(dense, query_vectors, candidates, allowed)
        if kind == "flat":
            exact_plain, exact_asked = plain_found, asked_found
        entry: dict[str, Any] = {
            "build_s": round(build_s, 2),
            "size_mb": round(vectors.size_bytes(dense) / 2**20, 1),
            "rss_growth_mb": growth,
            "query": summarise(plain_t),
            "query_as_asked": summarise(asked_t),
        }
        if exact_plain:
            entry["recall_at_10"] = _recall(plain_found, exact_plain, 10)
            entry["recall_at_10_as_asked"] = _recall(asked_found, exact_asked, 10)
        result["vectors"][kind] = entry
        if kind == default:
            kept = dense
        del dense

    if kept is None:  # the default kind was not among those measured
        kept = vectors.build(made.vectors, default)
    index = replace(exact, vectors=kept, manifest=replace(exact.manifest, vector_kind=default))
    del exact, flat
    for question in questions:  # fills the query cache: embedding is not what grows
        retrieve(index, engine.embedder, question, engine.settings)
    stages: dict[str, list[float]] = {}
    rest: list[float] = []
    for question in questions:
        timings = retrieve(index, engine.embedder, question, engine.settings).timings
        for name, value in timings.items():
            stages.setdefault(name, []).append(value)
        rest.append(sum(v for n, v in timings.items() if n != "embed"))
    result["retrieval"] = {
        "vector_kind": default,
        "without_embedding": summarise(rest),
        "stages": {n: summarise(v) for n, v in stages.items() if n != "embed"},
    }
    result["process_rss_mb"] = memory_of()["rss_mb"]
    result["process_rss_growth_mb"] = _growth(rss_before, result["process_rss_mb"])
    return result


def measure_scale(
    engine: Engine,
    questions: Sequence[str],
    plan: Plan,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Each synthetic size of the plan; query vectors are the real model's for the questions."""
    asked = list(questions[: plan.scale_queries])
    cached = CachedEmbedder(bare_embedder(engine.embedder), max(len(asked) * 4, 64))
    engine = replace(engine, embedder=cached)
    query_vectors = cached.embed_queries(asked)
    sizes = []
    for rows in plan.scale_rows:
        if progress:
            progress(f"{rows} passager")
        sizes.append(
            measure_scale_size(engine.index, engine, asked, query_vectors, rows, plan.scale_kinds)
        )
        gc.collect()
    return {
        "queries": len(asked),
        "candidates": engine.settings.candidates,
        "note": (
            "Syntetisk korpus: verkliga passager kopierade till andra län med ändrade ortnamn, "
            "tal, synonymer och ordföljd; vektorerna är de verkliga passagernas vektorer med "
            f"gaussiskt brus (σ = {VECTOR_NOISE}) och omnormerade, inte nya inbäddningar. "
            "BM25 byggs på de syntetiska texterna."
        ),
        "defaults": {
            "flat_max_rows": vectors.FLAT_MAX_ROWS,
            "exact_subset_rows": vectors.EXACT_SUBSET_ROWS,
            "hnsw": {"m": vectors.HNSW_NEIGHBOURS, "ef_construction": vectors.HNSW_EF_CONSTRUCTION,
                     "ef_search": vectors.HNSW_EF_SEARCH},
            "ivf": {"lists_per_sqrt_n": vectors.IVF_LISTS_PER_SQRT, "probes": vectors.IVF_PROBES},
        },
        "sizes": sizes,
    }
