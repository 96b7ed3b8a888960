"""The console of `assistant serve`: readable lines on a terminal, JSON elsewhere or when the
settings ask, one start line saying where to go, a short Teams notice and a quiet faiss."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.channels.http.logs import (
    JsonFormatter,
    TextFormatter,
    chosen_format,
    configure_logging,
)
from assistant.channels.http.service import Service
from assistant.channels.teams.auth import announce_anonymous_mode
from assistant.errors import SettingsError
from assistant.pipeline import Engine
from assistant.settings import Settings, load_settings, project_root


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


@pytest.mark.parametrize(
    ("setting", "stream", "chosen"),
    [
        ("auto", Terminal(), "text"),
        ("auto", io.StringIO(), "json"),
        ("json", Terminal(), "json"),
        ("text", io.StringIO(), "text"),
    ],
)
def test_the_format_follows_the_setting_and_else_the_terminal(
    setting: str, stream: io.StringIO, chosen: str
) -> None:
    assert chosen_format(Settings(log_format=setting), stream) == chosen


def test_the_setting_is_read_and_checked() -> None:
    assert load_settings(environ={"ASSISTANT_LOG_FORMAT": "text"}).log_format == "text"
    assert load_settings(environ={}).log_format == "auto"
    with pytest.raises(SettingsError, match="ASSISTANT_LOG_FORMAT"):
        load_settings(environ={"ASSISTANT_LOG_FORMAT": "xml"})


def test_a_terminal_gets_readable_lines_with_our_notices_and_everyones_warnings(
    restored_logging: None,
) -> None:
    terminal = Terminal()
    handler = configure_logging(Settings(), terminal)
    assert isinstance(handler.formatter, TextFormatter)
    logging.getLogger("assistant.api").info("Indexet är laddat: %d passager", 461)
    logging.getLogger("uvicorn.error").info("Waiting for application startup.")
    logging.getLogger("faiss.loader").info("Could not load library with AVX2 support")
    logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
    logging.getLogger("assistant.api").warning("rad ett\nrad två från 070-123 45 67")
    logging.getLogger("assistant.access").info(
        "%s %s %d", "GET", "unmatched", 404,
        extra={"method": "GET", "route": "unmatched", "path": "/finns-inte", "status": 404,
               "duration_ms": 1.5},
    )
    lines = terminal.getvalue().splitlines()
    time_level = r"\d\d:\d\d:\d\d (info|varning) +"
    assert re.fullmatch(time_level + "Indexet är laddat: 461 passager", lines[0]), lines
    assert re.fullmatch(time_level + "Invalid HTTP request received.", lines[1]), lines
    assert re.fullmatch(time_level + "rad ett", lines[2]), lines
    # A further line of a message stands under its first, redacted like the rest.
    assert lines[3].strip() == "rad två från [telefon]"
    assert lines[3].index("rad två") == lines[2].index("rad ett")
    assert re.fullmatch(time_level + r"GET /finns-inte 404 \(1.5 ms\)", lines[4]), lines
    assert len(lines) == 5 and not any(line.startswith("{") for line in lines)


def test_elsewhere_the_json_lines_are_as_before(restored_logging: None) -> None:
    stream = io.StringIO()
    handler = configure_logging(Settings(), stream)
    assert isinstance(handler.formatter, JsonFormatter) and not handler.filters
    logging.getLogger("uvicorn.error").info("Waiting for application startup.")
    entry = json.loads(stream.getvalue())
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["message"] == "Waiting for application startup."


def test_text_is_chosen_by_the_setting_off_a_terminal(restored_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(Settings(log_format="text"), stream)
    logging.getLogger("assistant.api").info("hej")
    assert re.fullmatch(r"\d\d:\d\d:\d\d info +hej\n", stream.getvalue())


def test_the_start_line_names_the_chat_page_the_api_docs_and_the_index(
    built: tuple[Settings, Engine],
) -> None:
    from assistant.channels.http.app import start_line

    settings, engine = built
    manifest = engine.index.manifest
    line = start_line(settings.with_overrides(host="0.0.0.0"), Service(settings, engine), 8123)
    assert line.startswith("Svarsassistenten körs: chatt http://127.0.0.1:8123/  ·  ")
    assert "API-dokumentation http://127.0.0.1:8123/docs" in line
    assert f"index: {len(engine.index.documents)} dokument, {manifest.chunk_count} passager" in (
        line)
    assert f"(byggt {manifest.built_at[:10]} " in line and "\n" not in line
    public = settings.with_overrides(public_url="https://fragor.example.se/")
    assert "chatt https://fragor.example.se/  ·" in start_line(public, Service(public, engine), 1)
    missing = Service(settings)
    missing.unavailable = "Indexet saknas i /x."
    assert "inget index laddat: Indexet saknas i /x." in start_line(settings, missing, 8000)


def test_the_teams_development_notice_is_a_short_block(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.teams"):
        announce_anonymous_mode(Settings(host="127.0.0.1"))
    (record,) = caplog.records
    lines = record.getMessage().splitlines()
    assert lines[0].startswith("Teams: ANONYMT UTVECKLINGSLÄGE")
    assert len(lines) <= 3 and all(0 < len(line) <= 90 for line in lines), lines
    assert "!!" not in record.getMessage()


def test_faiss_says_nothing_about_the_builds_it_could_not_load() -> None:
    script = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.DEBUG, stream=sys.stdout,\n"
        "                    format='%(name)s %(message)s')\n"
        "import numpy as np\n"
        "from assistant.index import vectors\n"
        "vectors.build(np.eye(4, dtype='float32'), 'flat')\n"
        "print('klar')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=project_root(), check=True).stdout
    assert out.strip().endswith("klar")
    assert "faiss.loader" not in out and "Could not load" not in out, out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read_until(fd: int, wanted: str, seen: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while wanted not in "".join(seen):
        left = deadline - time.monotonic()
        assert left > 0, "".join(seen)
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not chunk:
                break
            seen.append(chunk.decode("utf-8", "replace"))
    return "".join(seen)


@pytest.mark.slow
def test_serve_on_a_terminal_prints_readable_lines_and_the_start_line(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path)}
    env.pop("ASSISTANT_LOG_FORMAT", None)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, cwd=project_root(), env=env,
    )
    os.close(terminal)
    seen: list[str] = []
    try:
        text = _read_until(controller, "Ctrl+C avslutar", seen, timeout=180)
        assert f"Svarsassistenten körs: chatt http://127.0.0.1:{port}/  ·  " in text
        process.send_signal(signal.SIGINT)
        text = _read_until(controller, "Svarsassistenten har stängts.", seen, timeout=30)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    lines = [line for line in text.replace("\r", "").splitlines() if line.strip()]
    assert all(re.match(r"\d\d:\d\d:\d\d \w+ +\S|\s{10,}\S", line) for line in lines), lines
    assert not any(line.lstrip().startswith("{") for line in lines), lines
    for noise in ("Uvicorn running", "Started server process", "faiss", "Connections"):
        assert noise not in text, text
    assert "ANONYMT UTVECKLINGSLÄGE" in text
