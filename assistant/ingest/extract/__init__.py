"""Raw text out of the files administrators offer, by file suffix: .txt, .md, .pdf, .docx.

`extract_text` checks what every format shares (a supported suffix, a readable file that
is not blank, some text in the result) and hands the bytes to the extractor registered
for the suffix in `EXTRACTORS`. One module per format:

- `text`  .txt and .md, UTF-8;
- `pdf`   the text layer through PDFium, the only module that imports pypdfium2;
- `docx`  paragraphs and table cells, the only module that imports python-docx.

A PDF's pages are joined with a form feed (`PAGE_BREAK`, "\\f"), one segment per page in
order, so that the normaliser knows every page break exactly; a text file's own form feeds
are kept as page breaks, and a Word file has none.

Adding a format is one new module here with an `extract(path, data) -> str` (see
`base.Extractor`) and one line in `EXTRACTORS`.
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import IngestError
from assistant.ingest.extract import docx, pdf, text
from assistant.ingest.extract.base import PAGE_BREAK, Extractor

__all__ = ["EXTRACTORS", "PAGE_BREAK", "SUFFIXES", "extract_text"]

EXTRACTORS: dict[str, Extractor] = {
    ".txt": text.extract,
    ".md": text.extract,
    ".pdf": pdf.extract,
    ".docx": docx.extract,
}
SUFFIXES = tuple(EXTRACTORS)


def extract_text(path: Path) -> str:
    """The raw text of a .txt, .md, .pdf or .docx file (PDF pages separated by "\\f")."""
    extractor = EXTRACTORS.get(path.suffix.lower())
    if extractor is None:
        raise IngestError(
            f"{path.name}: filtypen '{path.suffix or '(ingen)'}' stöds inte; "
            f"använd {', '.join(SUFFIXES)}"
        )
    if not path.is_file():
        raise IngestError(f"{path.name}: filen finns inte ({path})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path.name}: filen kan inte läsas ({exc.strerror})") from None
    if not data.strip():
        raise IngestError(f"{path.name}: filen är tom")
    raw = extractor(path, data)
    if not raw.replace(PAGE_BREAK, "").strip():
        raise IngestError(f"{path.name}: filen innehåller ingen text")
    return raw
