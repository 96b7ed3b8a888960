"""The Docker image and the operations guide. Docker cannot run on the development machine,
so the Dockerfile is read instruction by instruction and what it would do is checked: the
settings its ENV and CMD give `assistant serve`, the route its health check calls, what its
COPY steps take past .dockerignore."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant.channels.http import create_app
from assistant.settings import Settings, project_root
from tests.channels.dockerfile import image_command, image_settings, instructions

DOCKERIGNORE = project_root() / ".dockerignore"
OPERATIONS = project_root() / "docs" / "operations.md"
# The settings an operator of the service needs, each documented in docs/operations.md.
OPERATIONS_SETTINGS = (
    "host", "port", "workers", "index_dir", "corpus_dir", "data_dir", "api_keys", "admin_key",
    "cors_origins", "keyless_browsers", "rate_limit_per_minute", "max_body_bytes",
    "trusted_proxies", "retention_days", "log_level", "public_url", "store_url",
)
TORCH_PIN = re.compile(r'"torch==([\d.]+)"')


def runs() -> list[str]:
    return [args for kind, args in instructions() if kind == "RUN"]


def test_dockerfile_serves_the_core_package_and_pins_cpu_torch_for_the_st_extra() -> None:
    (base,) = [args for kind, args in instructions() if kind == "FROM"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base)  # pyproject: requires-python >= 3.11
    steps = runs()
    torch = next(i for i, r in enumerate(steps) if TORCH_PIN.search(r))
    package = next(i for i, r in enumerate(steps) if "pip install --no-compile \".$" in r)
    assert torch < package, "torch must be installed before the package pulls an unpinned one"
    assert '"$EXTRAS" = st' in steps[torch] and "--index-url" in steps[torch]
    assert ("EXTRAS", '""') in [tuple(a.split("=", 1)) for k, a in instructions() if k == "ARG"]
    makefile = TORCH_PIN.findall((project_root() / "Makefile").read_text(encoding="utf-8"))
    assert TORCH_PIN.findall(steps[torch]) == makefile


def test_dockerfile_builds_the_index_at_build_time_and_runs_as_a_user() -> None:
    steps = instructions()
    index_step = next(i for i, (kind, args) in enumerate(steps) if "assistant index" in args)
    assert "assistant index --check" in steps[index_step][1]
    users = [i for i, (kind, _) in enumerate(steps) if kind == "USER"]
    assert len(users) == 1
    user = steps[users[0]][1].split(":")[0]
    assert user not in ("root", "0")
    assert any("useradd" in r and r.endswith(f" {user}") for r in runs())
    # Taken after the last step that needs root; it owns the data folder, reads the index.
    assert users[0] > max(i for i, (kind, _) in enumerate(steps) if kind == "RUN")
    assert f"chown {user}:{user} {image_settings().data_dir}" in steps[index_step][1]
    assert "chmod -R a+rX" in steps[index_step][1]


def test_the_image_serves_on_all_interfaces_and_its_health_check_calls_a_route(
    tmp_path: Path,
) -> None:
    settings = image_settings()
    assert settings.host == "0.0.0.0" and image_command()[:2] == ["assistant", "serve"]
    assert str(settings.data_dir) == "/data" and str(settings.index_dir) == "/app/index"
    assert str(settings.corpus_dir) == "/app/corpus"
    steps = dict((kind, args) for kind, args in instructions() if kind != "RUN")
    assert steps["EXPOSE"] == str(settings.port)
    assert json.loads(steps["VOLUME"]) == [str(settings.data_dir)]
    found = re.search(r"https?://[^'\"\s]+", steps["HEALTHCHECK"])
    assert found is not None
    url = urlsplit(found.group(0))
    assert url.port == settings.port
    # The app those settings serve, with its data folder (answers) out of the way.
    app = create_app(settings.with_overrides(data_dir=tmp_path, index_dir=tmp_path / "none"))
    with TestClient(app) as client:
        assert client.get(url.path).status_code == 200


def test_the_copied_sources_exist_and_dockerignore_lets_them_in() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = [
        name for kind, args in instructions() if kind == "COPY" for name in args.split()[:-1]
    ]
    assert {"assistant", "corpus", "index", "pyproject.toml"} <= set(sources)
    for name in sources:
        assert (project_root() / name).exists(), name
        assert not any(fnmatch.fnmatch(name, p) for p in patterns), name
    for kept_out in (".git", ".venv", "data", "tests"):
        assert any(fnmatch.fnmatch(kept_out, p) for p in patterns), kept_out


@pytest.mark.parametrize("name", OPERATIONS_SETTINGS)
def test_operations_guide_documents_the_setting(name: str) -> None:
    assert name in {f.name for f in fields(Settings)}
    assert f"`ASSISTANT_{name.upper()}`" in OPERATIONS.read_text(encoding="utf-8")


def test_readme_has_an_operations_section_pointing_to_the_guide() -> None:
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Drift", 1)[1]
    assert "docs/operations.md" in section
    for topic in ("ASSISTANT_DATA_DIR", ".backup", "replicas", "read-only index", "reload"):
        assert topic in section, topic
    guide = OPERATIONS.read_text(encoding="utf-8")
    for heading in (
        "## Settings",
        "## Data directory and backups",
        "## Several replicas behind a load balancer",
        "## A new index without downtime",
    ):
        assert heading in guide
