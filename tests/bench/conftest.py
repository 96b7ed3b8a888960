"""Fixtures of the benchmark's tests: settings on the real corpus with a fresh index, the
engine over it with the fake embedder, a tiny plan, and the built index a real server serves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.bench.plan import Plan
from assistant.index.build import build_index
from assistant.index.embedding import CachedEmbedder
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings, load_settings, project_root
from tests.fakes import FakeEmbedder


@pytest.fixture(scope="session")
def tiny() -> Plan:
    """A plan small enough for a test: a few questions, requests and rows."""
    return Plan(
        questions=12,
        cached=5,
        http_requests={1: 3, 4: 8},
        http_seconds=30.0,
        build_documents=2,
        scale_rows=(600,),
        scale_queries=10,
    )


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus and eval questions, an index and data of their own."""
    root = tmp_path_factory.mktemp("bench")
    return load_settings(
        {},
        corpus_dir=project_root() / "corpus",
        evals_dir=project_root() / "evals",
        index_dir=root / "index",
        data_dir=root / "data",
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    """The index of `settings` built and loaded with the fake embedder."""
    fake = FakeEmbedder()
    build_index(settings, fake, progress=False)
    return load_engine(settings, embedder=CachedEmbedder(fake, 1024))


@pytest.fixture(scope="session")
def served_index() -> Path:
    """The built index to serve: ASSISTANT_INDEX_DIR, else the project's index/."""
    folder = Path(os.environ.get("ASSISTANT_INDEX_DIR") or project_root() / "index")
    if not (folder / "manifest.json").is_file():
        pytest.fail(f"Inget byggt index i {folder}: kör `assistant index` först.")
    return folder
