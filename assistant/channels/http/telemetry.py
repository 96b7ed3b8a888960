"""The outermost middleware: a request id, one access log line and the request metrics.

The access line names the route template (`/v1/answers/{answer_id}/feedback`) and the path,
never the query string or the body; health probes are logged at debug level only, so a
load balancer polling every second does not bury the questions' lines.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.channels.http.logs import REQUEST_ID, request_id_from
from assistant.channels.http.metrics import Metrics, count_request
from assistant.channels.http.security import client_address

access_logger = logging.getLogger("assistant.access")

REQUEST_ID_HEADER = "X-Request-ID"
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"  # the route label of a path no route knows (bounded label values)
MAX_PATH_CHARS = 200


def route_of(scope: Scope) -> str:
    """The template of the route that handled the request, or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestTelemetry:
    """Give each request an id (X-Request-ID), then log and count it when it is done."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its id set, answering with the id in a header."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        # Not reset afterwards: the server-error handler logs after this returns, in the
        # same task, and each request runs in a task of its own.
        REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._finish(scope, status, time.perf_counter() - started)

    def _finish(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_of(scope)
        method = str(scope.get("method", ""))
        count_request(self.metrics, route, method, status, seconds)
        path = str(scope.get("path", ""))[:MAX_PATH_CHARS]
        extra: dict[str, object] = {
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        if status in (401, 429):
            extra["client"] = client_address(scope)
        level = logging.DEBUG if path in PROBES else logging.INFO
        access_logger.log(level, "%s %s %d", method, route, status, extra=extra)
