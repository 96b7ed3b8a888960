"""A real app served by uvicorn on loopback in a thread, for the tests that need a server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def served(app: Any, **config: Any) -> Iterator[str]:
    """The app's base URL on a free loopback port while it is served; stopped afterwards.
    `config`: more `uvicorn.Config` options (by default uvicorn leaves logging alone)."""
    import uvicorn

    options: dict[str, Any] = {"log_config": None, "log_level": None, **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "servern startade inte"
        time.sleep(0.02)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
