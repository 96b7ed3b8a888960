"""The Dockerfile read as instructions, and the settings `assistant serve` has in the image
(Docker cannot run on the development machine, so the tests read the file instead)."""

from __future__ import annotations

import json
import re
import shlex

from assistant.settings import Settings, load_settings, project_root

DOCKERFILE = project_root() / "Dockerfile"


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


def image_environment() -> dict[str, str]:
    """The variables the image's ENV instructions set."""
    env: dict[str, str] = {}
    for kind, args in instructions():
        if kind == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(args))  # type: ignore[misc]
    return env


def image_command() -> list[str]:
    """The image's CMD (exec form)."""
    (command,) = [json.loads(args) for kind, args in instructions() if kind == "CMD"]
    return list(command)


def image_settings(**environ: str) -> Settings:
    """The settings `assistant serve` has in the Docker image: its ENV, its CMD's --host."""
    env = {**image_environment(), **environ}
    command = image_command()
    host = command[command.index("--host") + 1]
    return load_settings({k: v for k, v in env.items() if k.startswith("ASSISTANT_")}, host=host)
