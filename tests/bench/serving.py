"""The real app served by uvicorn on loopback in a thread, for the bench tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assistant.bench.servers import free_port


@contextmanager
def served(app: Any) -> Iterator[str]:
    """The app's base URL while it is served (logging left alone); stopped afterwards."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, log_level=None,
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "servern startade inte"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
