"""Where the default folders are: the checkout, or the current directory for a wheel."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import load_settings, project_root


def test_in_a_checkout_the_folders_are_the_checkouts() -> None:
    root = project_root()
    assert (root / "pyproject.toml").is_file()
    settings = load_settings({})
    assert settings.corpus_dir == root / "corpus" and settings.index_dir == root / "index"


def test_installed_from_a_wheel_the_folders_are_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages" / "assistant"  # no pyproject.toml beside it
    site.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert project_root(site) == tmp_path
