"""The schema's history, one entry per version, in each backend's SQL.

Entry i takes a store from version i to i + 1, in SQLite and in PostgreSQL alike, so both
backends share one history and `schema_version` means the same in both. Never edit a
released entry: add a new one (with both dialects), so existing stores migrate forward when
they are opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """The statements that take the schema one version further, per backend."""

    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    # 1: answers, feedback, conversations. SQLite keeps moments as fixed-width UTC text
    # (text order is time order there); PostgreSQL as timestamptz.
    Migration(
        sqlite=(
            """CREATE TABLE answers (
                answer_id TEXT PRIMARY KEY,
                created_at TEXT NOT NULL,
                question TEXT NOT NULL,
                status TEXT NOT NULL,
                responsible TEXT,
                region TEXT,
                citations_json TEXT NOT NULL,
                channel TEXT NOT NULL
            )""",
            "CREATE INDEX answers_created_at ON answers (created_at)",
            """CREATE TABLE feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                answer_id TEXT NOT NULL REFERENCES answers (answer_id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
                comment TEXT,
                channel TEXT NOT NULL
            )""",
            "CREATE INDEX feedback_answer_id ON feedback (answer_id)",
            """CREATE TABLE conversations (
                conversation_id TEXT PRIMARY KEY,
                region TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX conversations_updated_at ON conversations (updated_at)",
        ),
        postgres=(
            # citations_json stays text, not jsonb: it is read back exactly as written.
            """CREATE TABLE answers (
                answer_id TEXT PRIMARY KEY,
                created_at TIMESTAMPTZ NOT NULL,
                question TEXT NOT NULL,
                status TEXT NOT NULL,
                responsible TEXT,
                region TEXT,
                citations_json TEXT NOT NULL,
                channel TEXT NOT NULL
            )""",
            "CREATE INDEX answers_created_at ON answers (created_at)",
            """CREATE TABLE feedback (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                answer_id TEXT NOT NULL REFERENCES answers (answer_id) ON DELETE CASCADE,
                created_at TIMESTAMPTZ NOT NULL,
                rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
                comment TEXT,
                channel TEXT NOT NULL
            )""",
            "CREATE INDEX feedback_answer_id ON feedback (answer_id)",
            """CREATE TABLE conversations (
                conversation_id TEXT PRIMARY KEY,
                region TEXT NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )""",
            "CREATE INDEX conversations_updated_at ON conversations (updated_at)",
        ),
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

# Both backends record their version in a table of one row, created before the first entry.
VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


def pending(current: int, where: str) -> tuple[Migration, ...]:
    """The migrations a store at version `current` still needs (read `MIGRATIONS` now, so
    tests can add one); StoreError if the store is newer than this program."""
    if current > len(MIGRATIONS):
        raise StoreError(
            f"Lagringen {where} har schemaversion {current}, men programmet känner bara till "
            f"version {len(MIGRATIONS)}. Uppdatera programmet."
        )
    return MIGRATIONS[current:]
