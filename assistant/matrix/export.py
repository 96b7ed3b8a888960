"""The matrix as data to show: a statement's citation, a conflict's note, a cell's label,
and a view as CSV (the page's download and `assistant ansvar --csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from assistant.answer.compose import passage_url
from assistant.answer.statement_answers import own_quote
from assistant.matrix.finding import View
from assistant.matrix.table import Cell, Conflict
from assistant.models import DocumentMeta, Party, Statement

PARTY_NAMES: Mapping[Party | None, str] = {
    "kommun": "Kommunen",
    "region": "Regionen",
    "gemensamt": "Gemensamt",
    "annan": "Annan aktör",
    None: "Ingen (uppgiften avvisas)",
}


@dataclass(frozen=True)
class StatementCitation:
    """Where a statement stands: the passage view marks its own quote."""

    document_id: str
    section: str
    page: int | None
    quote: str
    url: str


@lru_cache(maxsize=50_000)  # every view shows the same statements' citations again
def citation_of(statement: Statement) -> StatementCitation:
    quote = own_quote(statement)
    url = (
        passage_url(statement.document_id, statement.chunk_id, quote)
        if statement.chunk_id
        else (f"/dokument/{statement.document_id}")
    )
    return StatementCitation(statement.document_id, statement.section, statement.page, quote, url)


def cell_label(cell: Cell) -> str:
    """The party as the cell shows it; an `annan` cell names its actors."""
    if cell.party == "annan":
        return ", ".join(cell.actors) or PARTY_NAMES["annan"]
    return PARTY_NAMES[cell.party]


def conflict_note(conflict: Conflict, documents: Mapping[str, DocumentMeta]) -> str:
    """A Swedish warning naming both sources."""

    def source(s: Statement) -> str:
        meta = documents.get(s.document_id)
        title = meta.short_name if meta else s.document_id
        page = f", s. {s.page}" if s.page is not None else ""
        return f"«{s.duty}» ({title}, {s.section}{page})"

    how = (
        "den ena ger uppgiften, den andra säger att aktören inte har den"
        if conflict.kind == "polarity"
        else "de ger uppgiften till olika huvudmän"
    )
    return (
        f"Överenskommelserna i {conflict.region} säger olika om insatsen "
        f"{conflict.matter.name} ({how}): "
        f"{source(conflict.first)} och {source(conflict.second)}."
    )


CSV_COLUMNS = ("insats", "region", "part", "aktörer", "villkor", "skiljer", "konflikter", "källor")


def csv_text(shown: View) -> str:
    """One line per matter and region: the cell's party, actors, conditions and sources."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in shown.rows:
        for cell in row.cells:
            conflicts = sum(1 for c in row.conflicts if c.region == cell.region)
            sources = "; ".join(
                f"{c.document_id} › {c.section}" + (f" s. {c.page}" if c.page is not None else "")
                for c in dict.fromkeys(map(citation_of, cell.statements))
            )
            writer.writerow(
                [
                    row.matter.name,
                    cell.region,
                    cell_label(cell),
                    "; ".join(cell.actors),
                    "; ".join(cell.conditions),
                    "ja" if row.differs else "nej",
                    conflicts,
                    sources,
                ]
            )
    return out.getvalue()
