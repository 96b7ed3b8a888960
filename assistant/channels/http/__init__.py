"""HTTP API v1 (FastAPI): routes, schemas, error handlers, passage pages and the server.

The only package importing fastapi, starlette, pydantic and uvicorn (the Teams endpoint in
`assistant.teams` brings its own router). Importing it loads no model and no index.
"""

from assistant.channels.http.app import create_app, serve

__all__ = ["create_app", "serve"]
