"""Plain text (.txt, .md): UTF-8, with or without a byte-order mark."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import IngestError
from assistant.ingest.extract.base import newlines


def extract(path: Path, data: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped); binary or other encodings are refused."""
    if b"\x00" in data:
        raise IngestError(f"{path.name}: filen ser binär ut (innehåller NUL-tecken), inte text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path.name}: texten är inte giltig UTF-8 (fel vid byte {exc.start}); "
            "spara om filen som UTF-8"
        ) from None
    return newlines(text)
