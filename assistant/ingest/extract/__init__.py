"""Raw text out of the files administrators offer: .txt, .md, .pdf and .docx.

The only module that imports pypdfium2 and python-docx; their types never leave it.
A PDF's pages are joined with a form feed ("\\f"), one segment per page in order, so that
the normaliser knows every page break exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import IngestError

PAGE_BREAK = "\f"
TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx")
BULLET = "• "

# C0/C1 controls other than tab and newline carry no text; the form feed is reserved for
# page breaks, so a stray one inside a PDF page must not create a page of its own.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def extract_text(path: Path) -> str:
    """The raw text of a .txt, .md, .pdf or .docx file (PDF pages separated by "\\f")."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
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
    if suffix in TEXT_SUFFIXES:
        text = _decode_text(path, data)
    elif suffix == ".pdf":
        text = _pdf_text(path, data)
    else:
        text = _docx_text(path)
    if not text.replace(PAGE_BREAK, "").strip():
        raise IngestError(f"{path.name}: filen innehåller ingen text")
    return text


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(path: Path, data: bytes) -> str:
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
    return _newlines(text)


def _clean_page(text: str) -> str:
    # PDFium marks a hyphen it found at a line end as U+0002; keep it visible as "-" so the
    # normaliser can decide whether the word was split there.
    return _CONTROL.sub("", _newlines(text).replace("\x02", "-").replace(PAGE_BREAK, "\n"))


def _pdf_text(path: Path, data: bytes) -> str:
    """Every page's text layer, pages joined by "\\f"; image-only PDFs are refused."""
    import pypdfium2 as pdfium

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


def _docx_text(path: Path) -> str:
    """Paragraphs and table cells in document order, one per line; list items as "• …"."""
    import docx

    try:
        document = docx.Document(str(path))
        lines = list(_docx_lines(document.iter_inner_content()))
    except Exception as exc:  # python-docx raises zip, XML and OPC errors of many kinds
        raise IngestError(
            f"{path.name}: Word-filen är skadad eller inte en .docx ({type(exc).__name__})"
        ) from None
    return "\n".join(lines)


def _docx_lines(content: Iterator[Any]) -> Iterator[str]:
    from docx.table import Table

    for item in content:
        if isinstance(item, Table):
            yield from _table_lines(item)
            continue
        text = _newlines(item.text).strip()
        if not text:
            continue
        yield BULLET + text if _is_list_paragraph(item) else text


def _table_lines(table: Any) -> Iterator[str]:
    # A merged cell is returned once per grid column and row it spans; read it once. The
    # set holds the XML elements themselves so that their identity stays stable.
    seen: set[Any] = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            yield from _docx_lines(cell.iter_inner_content())


def _is_list_paragraph(paragraph: Any) -> bool:
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    lowered = style.lower()
    if lowered.startswith(("heading", "rubrik", "title")):
        return False
    # Word applies bullets either through a list style or through direct numbering (numPr).
    return "list" in lowered or bool(paragraph._p.xpath("./w:pPr/w:numPr"))
