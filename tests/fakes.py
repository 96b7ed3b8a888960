"""Small deterministic stand-ins for slow parts, shared by the fast tests."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable

import numpy as np

WORD = re.compile(r"[^\W_]+")


class FakeEmbedder:
    """Hashed bag of words -> fixed dimension, L2-normalised; counts every call.

    Texts sharing words get similar vectors, so ranking tests can fail for real.
    `fail_after` makes passage embedding raise once that many passages have been embedded,
    to simulate a crash or Ctrl-C in the middle of a build.
    """

    def __init__(
        self,
        dimension: int = 64,
        *,
        name: str = "fake:bag-of-words",
        version: str = "1",
        fail_after: int | None = None,
        error: type[BaseException] = RuntimeError,
    ) -> None:
        self.name = name
        self.version = version
        self.dimension = dimension
        self.fail_after = fail_after
        self.error = error
        self.query_calls = 0
        self.passage_calls = 0
        self.queries_embedded: list[str] = []
        self.passages_embedded: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in WORD.findall(text.lower()):
            digest = hashlib.sha256(word.encode("utf-8")).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimension
            vec[slot] += 1.0 if digest[4] % 2 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def _matrix(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions."""
        self.query_calls += 1
        self.queries_embedded.extend(texts)
        return self._matrix(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages, raising once `fail_after` passages have been done."""
        self.passage_calls += 1
        if self.fail_after is not None and len(self.passages_embedded) + len(texts) > (
            self.fail_after
        ):
            raise self.error("fake embedder failed on purpose")
        self.passages_embedded.extend(texts)
        return self._matrix(texts)


# ── a model whose calls the test holds, and threads calling it (batching tests) ───────


class GatedModel:
    """A query model whose calls wait while the gate is shut; records every call's texts."""

    def __init__(self) -> None:
        self.fake = FakeEmbedder()
        self.calls: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Semaphore(0)
        self.error: BaseException | None = None
        self.name, self.version, self.dimension = "fake:gated", "1", self.fake.dimension

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.entered.release()
        assert self.gate.wait(10), "the test never opened the gate"
        if self.error is not None:
            raise self.error
        return self.fake.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.fake.embed_passages(texts)

    def hold(self) -> None:
        """Shut the gate, so that the next call stays in the model until `release`."""
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def wait_inside(self, calls: int = 1) -> None:
        for _ in range(calls):
            assert self.entered.acquire(timeout=10), "no model call started"


class Caller:
    """One thread asking the batcher for some questions; keeps the vectors or the error."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], texts: list[str]) -> None:
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(embed,), daemon=True)
        self.thread.start()

    def _run(self, embed: Callable[[list[str]], np.ndarray]) -> None:
        try:
            self.vectors = embed(self.texts)
        except BaseException as exc:
            self.error = exc

    def join(self) -> Caller:
        self.thread.join(10)
        assert not self.thread.is_alive(), f"{self.texts} never returned"
        return self


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def drain_model(model: GatedModel) -> None:
    """Forget the start signals of calls already checked."""
    while model.entered.acquire(blocking=False):
        pass
