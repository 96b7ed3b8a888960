"""PDF through PDFium: every page's text layer, pages joined by a form feed.

The only module that imports pypdfium2; its types never leave it.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import IngestError
from assistant.ingest.extract.base import PAGE_BREAK, newlines

# C0/C1 controls other than tab and newline carry no text; the form feed is reserved for
# page breaks, so a stray one inside a PDF page must not create a page of its own.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def extract(path: Path, data: bytes) -> str:
    """Every page's text layer, pages joined by "\\f"; image-only PDFs are refused."""
    import pypdfium2 as pdfium  # on first use, so that importing the package loads no PDFium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise IngestError(
                f"{path.name}: PDF-filen är lösenordsskyddad; ta bort skyddet och försök igen"
            ) from None
        raise IngestError(f"{path.name}: PDF-filen är skadad eller inte en PDF ({exc})") from None
    pages: list[str] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    pages.append(_clean_page(textpage.get_text_range()))
                finally:
                    textpage.close()
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise IngestError(
            f"{path.name}: PDF-filen kan inte läsas (sida {len(pages) + 1}: {exc})"
        ) from None
    finally:
        pdf.close()
    if not pages:
        raise IngestError(f"{path.name}: PDF-filen har inga sidor")
    if not any(p.strip() for p in pages):
        raise IngestError(
            f"{path.name}: PDF-filen har inget textlager (inskannad eller bara bilder); "
            "den måste först tolkas med OCR"
        )
    return PAGE_BREAK.join(pages)


def _clean_page(text: str) -> str:
    # PDFium marks a hyphen it found at a line end as U+0002; keep it visible as "-" so the
    # normaliser can decide whether the word was split there.
    return _CONTROL.sub("", newlines(text).replace("\x02", "-").replace(PAGE_BREAK, "\n"))
