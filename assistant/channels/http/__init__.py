"""HTTP API v1 (FastAPI): the JSON API, the widget's stream, the HTML pages and the server.

    app              the app factory `create_app(settings)` (lifespan loads the index once,
                     mounts Teams) and `serve(settings)` (uvicorn, its deadlines and limits)
    service          the running state (engine, store, metrics) and the ask path every
                     HTTP route shares; reloads swap the engine in one reference
    routes, views    the JSON routes and health probes; the HTML side (passages, documents,
                     chat page, widget)
    schemas          request and response bodies, Swedish OpenAPI examples
    streaming        Server-Sent Events for `/v1/ask/stream`
    pages            HTML rendering of passages and documents
    error_handlers   every failure as `{"error": {"code", "message"}}`, from the error tree
    security         API keys, the admin key, rate limits, trusted proxies, CORS origins
    admission        heavy questions: a few at once, the rest shed with 503
    telemetry, logs, metrics   request ids and access lines, JSON logs, Prometheus

The only package importing uvicorn; fastapi, starlette and pydantic also serve teams/, which
this package mounts as `POST /api/messages`. It answers through `pipeline.ask` and
records through `channels.common`; below that it reads the loaded index (pages, metrics,
reloads), validity and the embedder's token count, and changes none of them. Importing it
loads no model and no index.
"""

from assistant.channels.http.app import create_app, serve

__all__ = ["create_app", "serve"]
