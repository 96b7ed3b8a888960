"""What every extractor shares: the page-break convention and the extractor's signature."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

PAGE_BREAK = "\f"

# An extractor gets the file's path (for messages) and its bytes (known not to be blank)
# and returns the raw text; it raises IngestError, in Swedish, for a file it cannot read.
Extractor = Callable[[Path, bytes], str]


def newlines(text: str) -> str:
    """Unix line ends: "\\r\\n" and a lone "\\r" become "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
