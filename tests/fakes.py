"""Small deterministic stand-ins for slow parts, shared by the fast tests."""

from __future__ import annotations

import hashlib
import re

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
