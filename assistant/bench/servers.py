"""A real `assistant serve` on loopback, for the HTTP benchmarks and the tests that need one.

`serving` starts the command in a child process with exactly the environment given, waits
until a route answers 200 and stops the server afterwards; `running_server` is the
benchmark's server: the settings' corpus, index and workers, its answers kept out of data/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from assistant.evals.client import status_of
from assistant.settings import Settings

POLL_SECONDS = 0.25  # between readiness checks while a server starts


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    env: Mapping[str, str],
    arguments: Sequence[str] = (),
    *,
    log: Path,
    ready: str = "/readyz",
    timeout: float = 300.0,
    poll: float = POLL_SECONDS,
    stop_timeout: float = 15.0,
    cwd: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`assistant serve` on a free loopback port: (URL, process) once `ready` answers 200."""
    port = free_port()
    command = [
        sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port),
        *arguments,
    ]
    output = log.open("wb")
    process = subprocess.Popen(
        command, env=dict(env), stdout=output, stderr=subprocess.STDOUT, cwd=cwd
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"servern avslutades (kod {process.returncode}); se {log}")
            if status_of(f"{url}{ready}") == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"servern blev inte redo på {timeout:.0f} s; se {log}")
            time.sleep(poll)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


@contextmanager
def running_server(
    settings: Settings, data_dir: Path, *, timeout: float = 300.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`assistant serve` on a free loopback port, ready to answer; stopped afterwards."""
    env = dict(os.environ)
    env.update(
        {
            "ASSISTANT_DATA_DIR": str(data_dir),  # answers stored by the bench stay out of data/
            "ASSISTANT_EMBEDDING_CACHE_DIR": str(settings.cache_dir),
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000000",  # one client address sends it all
            "ASSISTANT_WORKERS": str(settings.workers),
            "ASSISTANT_QUERY_CACHE_SIZE": str(settings.query_cache_size),
            "ASSISTANT_API_KEYS": "",
        }
    )
    arguments = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    with serving(env, arguments, log=data_dir / "server.log", timeout=timeout) as served:
        yield served
