"""The Dockerfile and the operations guide (Docker cannot run on the development machine,
so the Dockerfile is read and checked instruction by instruction)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import fields

import pytest

from assistant.settings import PROJECT_ROOT, Settings, load_settings

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
OPERATIONS = PROJECT_ROOT / "docs" / "operations.md"
# The settings an operator of the service needs, each documented in docs/operations.md.
OPERATIONS_SETTINGS = (
    "host", "port", "workers", "index_dir", "corpus_dir", "data_dir", "api_keys", "admin_key",
    "cors_origins", "keyless_browsers", "rate_limit_per_minute", "max_body_bytes",
    "trusted_proxies", "retention_days", "log_level", "public_url",
)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def test_dockerfile_builds_on_python_slim_and_pins_the_cpu_torch() -> None:
    steps = instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [args for kind, args in steps if kind == "RUN"]
    torch = next(i for i, r in enumerate(runs) if 'pip install "torch==2.13.0"' in r)
    package = next(i for i, r in enumerate(runs) if re.search(r"pip install \"\.(\[st\])?\"", r))
    assert torch < package, "torch must be installed before the package pulls an unpinned one"


def test_dockerfile_builds_the_index_at_build_time_and_runs_as_a_user() -> None:
    steps = instructions()
    kinds = [kind for kind, _ in steps]
    runs = [(i, args) for i, (kind, args) in enumerate(steps) if kind == "RUN"]
    index_step = next(i for i, args in runs if "assistant index" in args)
    assert "assistant index --check" in steps[index_step][1]
    copies = {args.split()[0] for kind, args in steps if kind == "COPY"}
    assert {"corpus", "index", "assistant", "pyproject.toml"} <= copies
    assert all((PROJECT_ROOT / name).exists() for name in copies)
    # The user is created, and taken after the last step that needs root.
    assert any("useradd" in args for _, args in runs)
    users = [i for i, kind in enumerate(kinds) if kind == "USER"]
    assert len(users) == 1
    user = steps[users[0]][1].split(":")[0]
    assert user not in ("root", "0") and user == "assistant"
    assert users[0] > max(i for i, _ in runs)
    assert users[0] > index_step
    # The writable data directory belongs to that user; the index is readable to it.
    assert "chown assistant:assistant /data" in steps[index_step][1]
    assert "chmod -R a+rX" in steps[index_step][1]


def test_dockerfile_serves_on_all_interfaces_with_the_settings_it_names() -> None:
    steps = dict((kind, args) for kind, args in instructions() if kind != "RUN")
    assert steps["EXPOSE"] == "8000"
    command = json.loads(steps["CMD"])
    assert command[:2] == ["assistant", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert "/healthz" in steps["HEALTHCHECK"]
    assert json.loads(steps["VOLUME"]) == ["/data"]
    env: dict[str, str] = {}
    for kind, args in instructions():
        if kind == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(args))  # type: ignore[misc]
    settings = load_settings({k: v for k, v in env.items() if k.startswith("ASSISTANT_")})
    assert str(settings.data_dir) == "/data" and str(settings.index_dir) == "/app/index"
    assert str(settings.corpus_dir) == "/app/corpus" and settings.port == 8000


def test_dockerignore_keeps_the_virtualenv_data_and_git_out() -> None:
    ignored = {line.strip() for line in DOCKERIGNORE.read_text("utf-8").splitlines()}
    assert {".git", ".venv", "data", "test-artifacts"} <= ignored
    assert not {"assistant", "corpus", "index", "pyproject.toml", "README.md"} & ignored


@pytest.mark.parametrize("name", OPERATIONS_SETTINGS)
def test_operations_guide_documents_the_setting(name: str) -> None:
    assert name in {f.name for f in fields(Settings)}
    assert f"`ASSISTANT_{name.upper()}`" in OPERATIONS.read_text(encoding="utf-8")


def test_readme_has_an_operations_section_pointing_to_the_guide() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
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
