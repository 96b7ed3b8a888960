"""Index build time and peak memory: cold from an empty embedding cache, again with nothing
changed, and after one agreement is added to an indexed corpus."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.bench.plan import Plan
from assistant.index import chunking, statements
from assistant.index.build import build_index, embed_passages, raw_texts, read_manifest
from assistant.index.embedding import Embedder
from assistant.ingest import catalog as corpus
from assistant.settings import Settings


class _Replay:
    """Passes stored vectors off as a model's own, to fill an embedding cache cheaply; a
    text it has no vector for (a statement's reading) is taken from the cache `cache_dir`
    (the model embeds only what that lacks)."""

    def __init__(self, like: Embedder, known: Mapping[str, np.ndarray], cache_dir: Path) -> None:
        self.name = like.name
        self.version = like.version
        self.dimension = like.dimension
        self._known = known
        self._model = like
        self._cache_dir = cache_dir

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Not used: only passages are replayed."""
        raise NotImplementedError

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """The stored vectors of these passages (the cache's for texts it has none of)."""
        unknown = [t for t in texts if t not in self._known]
        found = embed_passages(unknown, self._model, self._cache_dir, progress=False)[0]
        fresh = dict(zip(unknown, found, strict=True)) if unknown else {}
        rows = [self._known[t] if t in self._known else fresh[t] for t in texts]
        return np.stack(rows).astype(np.float32)


def _copy_corpus(source: Path, target: Path, ids: Sequence[str]) -> None:
    """A corpus folder holding only the given documents of `source`."""
    catalog = corpus.load_catalog(source)
    target.mkdir(parents=True, exist_ok=True)
    kept = {i: catalog[i] for i in catalog if i in ids}
    for meta in kept.values():
        shutil.copyfile(source / meta.source, target / meta.source)
    corpus.save_catalog(target, kept)


def _build_once(
    settings: Settings, embedder: Embedder | None
) -> dict[str, Any]:
    """Build the index of `settings.corpus_dir`: in a child process with the configured
    model (so its peak RSS is its own), or here with the given embedder."""
    if embedder is not None:
        gc.collect()
        started = time.perf_counter()
        report = build_index(settings, embedder, progress=False)
        wall = time.perf_counter() - started
        return {
            "seconds": round(wall, 3),
            "passages": report.manifest.chunk_count,
            "embedded": report.embedded,
            "statements_embedded": report.statements_embedded,
            "peak_rss_mb": None,
            "vector_kind": report.manifest.vector_kind,
        }
    env = dict(os.environ)
    env["ASSISTANT_EMBEDDING_CACHE_DIR"] = str(settings.cache_dir)
    env["ASSISTANT_DATA_DIR"] = str(settings.data_dir)
    command = [
        sys.executable, "-m", "assistant", "index", "--force",
        "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"`assistant index` misslyckades ({process.returncode}): {output}")
    manifest = read_manifest(settings.index_dir)
    embedded = None
    for word, before in zip(output.split()[1:], output.split(), strict=False):
        if word == "nya" and before.isdigit():
            embedded = int(before)
    return {
        "seconds": round(wall, 3),
        "build_seconds": manifest.build_seconds,
        "passages": manifest.chunk_count,
        "embedded": embedded,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kB
        "vector_kind": manifest.vector_kind,
    }


def _extraction_seconds(settings: Settings) -> float:
    """How long reading the statements of the corpus takes (its documents already chunked),
    the best of three runs."""
    documents = corpus.load_documents(settings.corpus_dir)
    chunks = chunking.chunk_documents(documents, settings)
    raws = raw_texts(settings, documents)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        statements.extract_corpus(documents, chunks, raws)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def measure_build(
    settings: Settings,
    plan: Plan,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build time (and peak RSS) of the index: cold from an empty embedding cache, again
    with nothing changed, and after one agreement is added to an indexed corpus."""
    from assistant.index.embedding import get_embedder

    catalog = corpus.load_catalog(settings.corpus_dir)
    by_size = sorted(
        catalog, key=lambda i: (settings.corpus_dir / catalog[i].source).stat().st_size
    )
    chosen = by_size if plan.build_documents is None else by_size[: plan.build_documents]
    if len(chosen) < 2:
        raise ValueError("the build benchmark needs at least two documents")
    added = chosen[0]  # the smallest: what an administrator most often adds is one agreement
    with tempfile.TemporaryDirectory(prefix="assistant-bench-build-") as tmp:
        root = Path(tmp)
        whole, before = root / "corpus", root / "corpus-before"
        _copy_corpus(settings.corpus_dir, whole, chosen)
        _copy_corpus(settings.corpus_dir, before, [i for i in chosen if i != added])

        def at(corpus_dir: Path, index_dir: str, cache: str) -> Settings:
            return settings.with_overrides(
                corpus_dir=corpus_dir,
                index_dir=root / index_dir,
                data_dir=root / "data",
                embedding_cache_dir=root / cache,
            )

        if progress:
            progress(f"kall byggnad ({len(chosen)} dokument)")
        cold = _build_once(at(whole, "index-a", "cache-a"), embedder)
        if progress:
            progress("ombyggnad utan ändringar")
        unchanged = _build_once(at(whole, "index-a", "cache-a"), embedder)

        # The state before the agreement arrived: an index whose cache lacks exactly its
        # passages. Replaying the vectors from the first cache saves embedding them again.
        model = embedder or get_embedder(settings)
        old = at(before, "index-b", "cache-b")
        texts = [c.indexed_text for c in chunking.chunk_documents(
            corpus.load_documents(before), settings
        )]
        matrix, _ = embed_passages(texts, model, root / "cache-a", progress=False)
        replay = _Replay(model, dict(zip(texts, matrix, strict=True)), root / "cache-a")
        embed_passages(texts, replay, old.cache_dir, progress=False)
        _build_once(old, replay if embedder is not None else None)
        if progress:
            progress(f"ett dokument till ({added})")
        grown = _build_once(at(whole, "index-b", "cache-b"), embedder)
        extraction = _extraction_seconds(at(whole, "index-a", "cache-a"))
    return {
        "documents": len(chosen),
        "added_document": added,
        # The statements stage alone (read once per build, in this process), and its share
        # of the cold build's wall time (issue 18: at most 10%).
        "statements_seconds": extraction,
        "statements_share_of_cold": round(extraction / cold["seconds"], 4)
        if cold["seconds"] else None,
        "cold": cold,
        "unchanged": unchanged,
        "one_added": grown,
    }
