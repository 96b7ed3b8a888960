"""The one error tree. Each error carries its HTTP status and a stable code.

One exception handler in the API turns these into `{"error": {"code", "message"}}`;
the CLI prints the message and exits non-zero. Messages are meant for people (Swedish).

    AssistantError                 500 internal_error
    ├── SettingsError              500 bad_settings            a setting cannot work
    ├── CorpusError                500 bad_corpus              catalog or texts inconsistent
    ├── IngestError                400 bad_file                a file offered cannot be used
    ├── IndexUnavailableError      503 index_unavailable       missing, stale or corrupt index
    ├── EmbedderError              503 embedder_unavailable    the model cannot load or run
    ├── MorphologyError            503 morphology_unavailable  the Swedish dictionary
    ├── InputError                 422 invalid_input           a question or parameter
    ├── NotFoundError              404 not_found
    ├── AuthError                  401 unauthorized
    ├── RateLimitError             429 rate_limited
    ├── CasesError                 400 bad_cases               an eval case file
    ├── StoreError                 503 store_unavailable       the answer store
    └── OverloadedError            503 overloaded              too many heavy questions waiting
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SettingsError(AssistantError):
    """A setting has a value that cannot work."""

    code = "bad_settings"


class CorpusError(AssistantError):
    """The corpus or its catalog is inconsistent (missing text, bad field, …)."""

    code = "bad_corpus"


class IngestError(AssistantError):
    """A file offered for ingestion cannot be used."""

    status = 400
    code = "bad_file"


class IndexUnavailableError(AssistantError):
    """The index is missing, stale, corrupt or made with another embedder."""

    status = 503
    code = "index_unavailable"


class EmbedderError(AssistantError):
    """The embedding model cannot be loaded or used."""

    status = 503
    code = "embedder_unavailable"


class MorphologyError(AssistantError):
    """The Swedish dictionary (hunspell-sv) is not installed."""

    status = 503
    code = "morphology_unavailable"


class InputError(AssistantError):
    """A request or command has an invalid value."""

    status = 422
    code = "invalid_input"


class NotFoundError(AssistantError):
    """Something asked for by id does not exist."""

    status = 404
    code = "not_found"


class AuthError(AssistantError):
    """Missing or invalid credentials."""

    status = 401
    code = "unauthorized"


class RateLimitError(AssistantError):
    """Too many requests from one key or address."""

    status = 429
    code = "rate_limited"


class CasesError(AssistantError):
    """An eval-case file is malformed."""

    status = 400
    code = "bad_cases"


class StoreError(AssistantError):
    """The SQLite store for answers, feedback and conversations cannot be used."""

    status = 503
    code = "store_unavailable"


class OverloadedError(AssistantError):
    """Too much heavy work at once: the request is shed, to be retried after a moment."""

    status = 503
    code = "overloaded"

    def __init__(self, message: str, retry_after: int = 2) -> None:
        super().__init__(message)
        self.retry_after = retry_after
