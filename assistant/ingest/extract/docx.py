"""Word (.docx) through python-docx: paragraphs and table cells in document order.

The only module that imports python-docx; its types never leave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.ingest.extract.base import newlines

BULLET = "• "


def extract(path: Path, data: bytes) -> str:
    """Paragraphs and table cells in document order, one per line; list items as "• …"."""
    import docx  # python-docx, on first use like PDFium

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
        text = newlines(item.text).strip()
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
