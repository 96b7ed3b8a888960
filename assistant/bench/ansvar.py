"""The ansvarsmatris over HTTP (issue 22): `GET /ansvar` (the page) and `GET /v1/ansvar`
(JSON) on a real server, for the bundled index and for a synthetic one of 21 regions.

Per corpus: the bytes of each response, the first request (which builds the matrix: the
matters embedded with an empty embedding cache, the statements' vectors read from the
index, placement and table), the first request after a restart (the matters' vectors in
the cache), warm p50/p95 of both paths, the server's RSS before and after, and the matrix
build's stages timed in this process (embedding, placement in matters, the table).

The synthetic corpus copies the bundled agreements to the other län, a region's
agreements to each län in turn, with the region's and its municipalities' names replaced
(and nothing else: the duties read as in the source). The index is built from the copies
as `assistant index` builds it, so the statements come from the real extractor and their
vectors are e5's own (a reading the bundled index already holds keeps its stored vector,
the rest run through the model); only the passages' vectors are borrowed, each copied
passage getting the vector of the source's passage at the same place, as the scale stage
does (embedding some 2 900 passages with the model would take a quarter of an hour, and
`/ansvar` never reads them).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.bench.figures import lookup, memory_of, summarise
from assistant.bench.plan import ANSVAR_REGIONS, Plan
from assistant.bench.servers import running_server
from assistant.evals.client import Exchange, session
from assistant.index import chunking, vectors
from assistant.index.build import LoadedIndex, build_index, embed_passages, load_index
from assistant.index.embedding import Embedder, bare_embedder
from assistant.index.matters import assign, load_matters, matter_text, matters_path, reading
from assistant.ingest import catalog as corpus
from assistant.matrix.table import build_matrix
from assistant.models import DocumentMeta
from assistant.pipeline import Engine
from assistant.search.regions import MUNICIPALITIES
from assistant.settings import Settings
from assistant.text import fold

PAGE_PATH = "/ansvar"
JSON_PATH = "/v1/ansvar"
PATHS = {"page": PAGE_PATH, "json": JSON_PATH}
OPEN_PATH = "/healthz"  # opens the connection before the first timed request
PAGE_MARK = b'<table class="ansvar"'  # the matrix itself, not an error page

# A server for the stage: (settings, its data folder) -> (URL, its process id if known).
Serve = Callable[[Settings, Path], AbstractContextManager[tuple[str, int | None]]]


@contextmanager
def server_process(settings: Settings, data_dir: Path) -> Iterator[tuple[str, int | None]]:
    """The bench's own server (`running_server`): `assistant serve` in a child process."""
    with running_server(settings, data_dir) as (url, process):
        yield url, process.pid


# ── the synthetic corpus ────────────────────────────────────────────────────────────────

_LETTER = r"[^\W\d_]"


def place_renamer(source_region: str, target_region: str) -> Callable[[str], str]:
    """Replaces the source region's name and its municipalities' names (also in the
    genitive: "Värmlands" → "Stockholms") by the target's; a municipality always by the
    same one of the target's. Names inside longer words ("Värmlandsrådet") stay."""
    sources = sorted(MUNICIPALITIES.get(source_region, ()))
    targets = MUNICIPALITIES[target_region]
    swap = {name: targets[i % len(targets)] for i, name in enumerate(sources)}
    swap[source_region] = target_region
    names = sorted(swap, key=len, reverse=True)
    pattern = re.compile(
        rf"(?<!{_LETTER})({'|'.join(re.escape(n) for n in names)})(s?)(?!{_LETTER})"
    )

    def named(match: re.Match[str]) -> str:
        new = swap[match.group(1)]
        genitive = match.group(2) if not new.endswith(("s", "x", "z")) else ""
        return new + genitive

    return lambda text: pattern.sub(named, text)


def _slug(region: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(region)).strip("-")


@dataclass(frozen=True)
class SyntheticRegions:
    """A corpus folder of `regions` regions; `sources`: each document's source document."""

    corpus_dir: Path
    regions: tuple[str, ...]
    sources: Mapping[str, str]  # document id -> the bundled document it was copied from


def synthesise_regions(source_dir: Path, target_dir: Path, regions: int) -> SyntheticRegions:
    """The bundled corpus (kept as it is) and copies of its agreements for other län up to
    `regions` regions: each new län gets the agreements of one bundled region, in turn,
    with that region's place names replaced by its own. National guidance is kept once."""
    catalog = corpus.load_catalog(source_dir)
    agreements = {i: m for i, m in catalog.items() if m.region and m.kind != "vägledning"}
    own = list(dict.fromkeys(m.region for m in agreements.values() if m.region))
    if not own:
        raise ValueError("the corpus has no region's agreement to copy")
    others = [r for r in MUNICIPALITIES if r not in own]
    chosen = [*own, *others][: max(regions, len(own))]
    target_dir.mkdir(parents=True, exist_ok=True)
    made: dict[str, DocumentMeta] = {}
    sources: dict[str, str] = {}
    for meta in catalog.values():
        shutil.copyfile(source_dir / meta.source, target_dir / meta.source)
        made[meta.id] = meta
        sources[meta.id] = meta.id
    if matters_path(source_dir).is_file():  # an administrator's list of matters
        shutil.copyfile(matters_path(source_dir), matters_path(target_dir))
    for n, region in enumerate(chosen[len(own) :]):
        source_region = own[n % len(own)]
        rename = place_renamer(source_region, region)
        for meta in (m for m in agreements.values() if m.region == source_region):
            rest = meta.id.removeprefix(_slug(source_region) + "-")
            new_id = f"{_slug(region)}-{rest}"
            text = corpus.read_text(source_dir, meta)
            (target_dir / f"{new_id}.txt").write_text(rename(text), encoding="utf-8")
            made[new_id] = replace(
                meta,
                id=new_id,
                region=region,
                title=rename(meta.title),
                parties=tuple(rename(p) for p in meta.parties),
                source=f"{new_id}.txt",
                identity=None,
            )
            sources[new_id] = meta.id
    corpus.save_catalog(target_dir, made)
    return SyntheticRegions(target_dir, tuple(chosen), sources)


class BorrowedVectors:
    """The model, with stored vectors for the texts it already has one for: builds an
    index of copies without running the model over every passage again."""

    def __init__(self, model: Embedder, known: Mapping[str, np.ndarray]) -> None:
        self.name = model.name
        self.version = model.version
        self.dimension = model.dimension
        self._model = model
        self._known = known
        self.embedded = 0  # texts the model embedded

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Not used: an index build embeds passages and statements only."""
        raise NotImplementedError

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """The stored vectors of these texts; the model's for the others."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        made: dict[str, np.ndarray] = {}
        if missing:
            made = dict(zip(missing, self._model.embed_passages(missing), strict=True))
        self.embedded += len(missing)
        return np.stack([self._known[t] if t in self._known else made[t] for t in texts]
                        ).astype(np.float32)


def borrowed_vectors(
    settings: Settings, made: SyntheticRegions, index: LoadedIndex, model: Embedder
) -> BorrowedVectors:
    """Each passage of the synthetic corpus with the vector of its source document's
    passage at the same place (the last one, where the copy has more passages), and each
    statement reading of the bundled index with its stored vector."""
    matrix = vectors.matrix(index.vectors)
    documents = corpus.load_documents(made.corpus_dir)
    chunks = chunking.chunk_documents(documents, settings.with_overrides(
        corpus_dir=made.corpus_dir
    ))
    place: dict[str, int] = {}
    known: dict[str, np.ndarray] = {}
    if index.statement_vectors is not None:
        for statement, vector in zip(index.statements, index.statement_vectors, strict=True):
            known.setdefault(reading(statement), vector)
    for chunk in chunks:
        rows = index.document_rows[made.sources[chunk.document_id]]
        n = place.get(chunk.document_id, 0)
        place[chunk.document_id] = n + 1
        known.setdefault(chunk.indexed_text, matrix[rows[min(n, len(rows) - 1)]])
    return BorrowedVectors(model, known)


# ── the matrix build, stage by stage ────────────────────────────────────────────────────


def build_stages(
    settings: Settings, index: LoadedIndex, engine: Engine, cache_dir: Path
) -> dict[str, Any]:
    """The matrix build of `assistant.matrix.loading` step by step, each timed: the matters
    (and, for an index without stored statement vectors, the statements) embedded through
    an embedding cache at `cache_dir` (empty: a cold build), the statements placed in
    matters, and the table; with the matrix's size."""
    matters = load_matters(settings.corpus_dir)
    statements = index.statements
    stored = index.statement_vectors
    texts = [matter_text(m) for m in matters]
    if stored is None:
        texts += [reading(s) for s in statements]
    started = time.perf_counter()
    found, embedded = embed_passages(
        texts, bare_embedder(engine.embedder), cache_dir, progress=False
    )
    embed_s = time.perf_counter() - started
    said = stored if stored is not None else found[len(matters):]
    by_statement = {s.id: said[i] for i, s in enumerate(statements)}
    started = time.perf_counter()
    assignment = assign(statements, matters, by_statement, found[: len(matters)],
                        engine.weights.matter_similarity)
    assign_s = time.perf_counter() - started
    started = time.perf_counter()
    passages: dict[str, list[str]] = {}
    for chunk in index.chunks:
        passages.setdefault(chunk.document_id, []).append(chunk.text)
    matrix = build_matrix(statements, index.documents, matters, assignment, date.today(),
                          passages, engine.weights.matter_balance)
    table_s = time.perf_counter() - started
    return {
        "statement_vectors_stored": stored is not None,
        "texts": len(texts),
        "embedded": embedded,
        "embed_s": round(embed_s, 3),
        "assign_s": round(assign_s, 3),
        "table_s": round(table_s, 3),
        "total_s": round(embed_s + assign_s + table_s, 3),
        "matters": len(matters),
        "rows": len(matrix.rows),
        "cells": sum(len(r.cells) for r in matrix.rows),
        "differs": sum(1 for r in matrix.rows if r.differs),
        "conflicts": sum(len(r.conflicts) for r in matrix.rows),
        "unplaced": len(matrix.unplaced),
        "regions": len(matrix.regions),
    }


# ── over HTTP ───────────────────────────────────────────────────────────────────────────


def _sizes(reply: Exchange) -> dict[str, int]:
    return {"bytes": len(reply.content), "gzip_bytes": len(gzip.compress(reply.content, 6))}


def _fine(name: str, reply: Exchange) -> bool:
    if reply.status != 200:
        return False
    return PAGE_MARK in reply.content if name == "page" else reply.content[:1] == b"{"


def _first(reply: Exchange) -> dict[str, Any]:
    return {"status": reply.outcome, "ms": round(reply.seconds * 1000, 3), **_sizes(reply)}


async def _served_figures(url: str, requests: int) -> dict[str, Any]:
    """The first page (building the matrix) and the first JSON, then `requests` of each,
    one client, page and JSON in turn so that a change of load moves both alike."""
    async with session(url, connections=1) as client:
        await client.get(OPEN_PATH)
        first = {name: await client.get(path) for name, path in PATHS.items()}
        times: dict[str, list[float]] = {name: [] for name in PATHS}
        failures: Counter[str] = Counter()
        last = dict(first)
        for _ in range(requests):
            for name, path in PATHS.items():
                reply = await client.get(path)
                if _fine(name, reply):
                    times[name].append(reply.seconds)
                    last[name] = reply
                else:
                    failures[f"{name} {reply.outcome}"] += 1
    shown: dict[str, Any] = {}
    if _fine("json", last["json"]):
        body = json.loads(last["json"].content)
        shown = {
            "matters": len(body["matters"]),
            "cells": sum(len(m["cells"]) for m in body["matters"]),
            "regions": len(body["regions"]),
        }
    return {
        "first": {name: _first(reply) for name, reply in first.items()},
        "warm": {name: {**_sizes(last[name]), "ok": len(times[name]), "requests": requests,
                        "latency": summarise(times[name])} for name in PATHS},
        "failures": dict(failures),
        "shown": shown,
    }


async def _first_page(url: str) -> dict[str, Any]:
    async with session(url, connections=1) as client:
        await client.get(OPEN_PATH)
        return _first(await client.get(PAGE_PATH))


def measure_served(
    settings: Settings, root: Path, requests: int, serve: Serve
) -> dict[str, Any]:
    """One corpus over HTTP: a server with an empty embedding cache (first and warm
    requests), then a restarted one on the same cache (its first page only)."""
    settings = settings.with_overrides(embedding_cache_dir=root / "embedding-cache")
    started = time.perf_counter()
    with serve(settings, _fresh(root / "server")) as (url, pid):
        ready = time.perf_counter() - started
        before = memory_of(pid) if pid is not None else None
        found = asyncio.run(_served_figures(url, requests))
        after = memory_of(pid) if pid is not None else None
    with serve(settings, _fresh(root / "server-again")) as (url, _pid):
        found["after_restart"] = asyncio.run(_first_page(url))
    found["server_ready_s"] = round(ready, 2)
    found["server_memory"] = {"before": before, "after": after}
    return found


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _corpus_size(index: LoadedIndex, regions: Sequence[str] | None = None) -> dict[str, Any]:
    covered = list(dict.fromkeys(m.region for m in index.documents.values() if m.region))
    return {
        "regions": len(regions) if regions is not None else len(covered),
        "documents": len(index.documents),
        "passages": len(index.chunks),
        "statements": len(index.statements),
    }


def measure_ansvar(
    engine: Engine,
    plan: Plan,
    *,
    regions: int = ANSVAR_REGIONS,
    serve: Serve = server_process,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """`/ansvar` and `/v1/ansvar` for the engine's index and for a synthetic one of
    `regions` regions: bytes, the first request, warm p50/p95, the first request after a
    restart, and the matrix build's stages in this process."""
    say = progress or (lambda _message: None)
    settings = engine.settings
    corpora: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="assistant-bench-ansvar-") as tmp:
        root = Path(tmp)
        say("ansvarsmatris: det medföljande indexet")
        bundled = {**_corpus_size(engine.index),
                   "build": build_stages(settings, engine.index, engine, root / "stages-a")}
        bundled.update(measure_served(settings, root / "bundled", plan.ansvar_requests, serve))
        corpora["bundled"] = bundled

        say(f"ansvarsmatris: syntetisk korpus med {regions} regioner")
        started = time.perf_counter()
        made = synthesise_regions(settings.corpus_dir, root / "corpus", regions)
        synthetic = settings.with_overrides(
            corpus_dir=made.corpus_dir,
            index_dir=root / "index",
            data_dir=root / "data",
            embedding_cache_dir=root / "build-cache",
        )
        borrowed = borrowed_vectors(
            synthetic, made, engine.index, bare_embedder(engine.embedder)
        )
        build_index(synthetic, borrowed, progress=False)
        built_s = time.perf_counter() - started
        index = load_index(synthetic, engine.embedder)
        figures = {**_corpus_size(index, made.regions), "index_build_s": round(built_s, 2),
                   "index_embedded": borrowed.embedded,
                   "build": build_stages(synthetic, index, engine, root / "stages-b")}
        del index
        figures.update(measure_served(synthetic, root / "synthetic", plan.ansvar_requests,
                                      serve))
        corpora["synthetic"] = figures
    return {
        "requests": plan.ansvar_requests,
        "note": (
            f"Syntetisk korpus: de medföljande överenskommelserna kopierade till {regions} "
            "regioner, en regions överenskommelser till varje nytt län i tur och ordning, "
            "med regionens och kommunernas namn utbytta; indexet byggt på kopiorna "
            "(påståendena ur den riktiga läsningen och deras vektorer e5:s egna), "
            "passagernas vektorer lånade från källans passage på samma plats. Första "
            "anropet bygger matrisen med tom inbäddningscache; efter omstart finns "
            "insatsernas vektorer i cachen."
        ),
        "corpora": corpora,
    }


def ratios_to_ask(results: Mapping[str, Any]) -> dict[str, float] | None:
    """Warm p50 of each path and corpus ÷ the p50 of HTTP /v1/ask with one client, when
    this run measured both (issue 22: the page within a question's budget)."""
    ask = None
    for level in lookup(results, "http", "levels") or ():
        if level.get("clients") == 1:
            ask = lookup(level, "latency", "p50_ms")
    corpora = lookup(results, "ansvar", "corpora")
    if not ask or not corpora:
        return None
    found = {}
    for corpus_name, figures in corpora.items():
        for name in PATHS:
            p50 = lookup(figures, "warm", name, "latency", "p50_ms")
            if p50 is not None:
                found[f"{corpus_name}_{name}"] = round(p50 / ask, 2)
    return found or None
