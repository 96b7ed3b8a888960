"""Fixtures of the HTTP tests: an engine over the tiny corpus with the fake embedder, its
settings with a fresh data folder per test, a TestClient of the app over both, and the
process's logging captured as JSON."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.channels.http import create_app
from assistant.channels.http.logs import configure_logging
from assistant.index.build import build_index
from assistant.pipeline import Engine, load_engine
from assistant.settings import Settings
from tests.channels.http.support import corpus_settings
from tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Engine]:
    settings = corpus_settings(tmp_path_factory.mktemp("api-corpus"))
    fake = FakeEmbedder()
    build_index(settings, fake, progress=False)
    return settings, load_engine(settings, embedder=fake)


@pytest.fixture
def settings(built: tuple[Settings, Engine], tmp_path: Path) -> Settings:
    return built[0].with_overrides(data_dir=tmp_path / "data")


@pytest.fixture
def json_log(settings: Settings) -> Iterator[io.StringIO]:
    """The process's logging sent as JSON lines (debug and up) to a buffer, then restored."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging(settings.with_overrides(log_level="debug"), stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


@pytest.fixture
def client(
    built: tuple[Settings, Engine], settings: Settings, tmp_path: Path
) -> Iterator[TestClient]:
    app = create_app(settings, engine=built[1], static_dir=tmp_path / "static")
    with TestClient(app) as test_client:
        yield test_client
