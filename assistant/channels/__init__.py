"""Channels: the ways people and programs reach the assistant. The top layer.

    common   what every channel shares: the covered regions (from the loaded engine), the
             region a question is answered for (`resolve_region`: a place named in the
             question beats a remembered choice), recording answers for feedback (`record`)
    http/    the HTTP API v1, the chat page, the widget's stream and the passage pages
             (FastAPI); the server behind the widget and Teams
    teams/   the Microsoft Teams bot (Microsoft 365 Agents SDK), mounted by http as
             `POST /api/messages`
    cli      the `assistant` command (typer): ingest, index, ask, serve, eval, bench

A channel turns a request into `pipeline.ask(engine, question, …)` and the `Answer` into its
own format; it adds no retrieval or answering of its own. Channels may import every layer
below them and nothing imports a channel (but `assistant.__main__`): cli drives ingest/,
index/, evals/ and bench/; http reads the loaded index for its pages and metrics, validity
for `/v1/documents`, and the embedder's token count for admission; places come from
`search.regions` only. Each web library stays in its channel: fastapi, starlette, pydantic
and uvicorn in http/ (teams/ also uses the first three for its route and bodies), the
Agents SDK, `jwt` and `aiohttp` in teams/, typer in cli.
"""
