"""Whether an agreement applies today: its catalog dates, draft mark and extension rule.

The one place validity is read: the status the catalog views show (`validity_of`) and the
warnings an answer carries (`validity_warnings`); the dates themselves are compared by
`DocumentMeta.expired_on` / `in_force_on` (retrieval's `valid_on` filter uses the latter).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from assistant.models import DocumentMeta

ValidityStatus = Literal["gällande", "tills vidare", "utgången", "kommande", "förslag"]
VALIDITY_STATUSES: tuple[ValidityStatus, ...] = (
    "gällande",
    "tills vidare",
    "utgången",
    "kommande",
    "förslag",
)


@dataclass(frozen=True)
class Validity:
    """An agreement's status on a given day, with a Swedish sentence explaining it."""

    status: ValidityStatus
    description: str
    expired: bool  # the stated period has ended (a draft can be expired too)


def validity_of(meta: DocumentMeta, today: date) -> Validity:
    """The validity status of a catalog entry on `today`."""
    expired = meta.expired_on(today)
    parts: list[str] = []
    status: ValidityStatus
    if meta.valid_from is not None and meta.valid_from > today:
        status = "kommande"
        parts.append(f"Gäller från {meta.valid_from.isoformat()}.")
    elif expired:
        assert meta.valid_to is not None
        status = "utgången"
        parts.append(f"Giltighetstiden gick ut {meta.valid_to.isoformat()}.")
        if meta.extension:
            parts.append(f"Automatisk förlängning enligt texten: {meta.extension}")
        parts.append("Kontrollera att den fortfarande tillämpas.")
    elif meta.valid_to is not None:
        status = "gällande"
        parts.append(f"Gäller till och med {meta.valid_to.isoformat()}.")
        if meta.extension:
            parts.append(f"Förlängning enligt texten: {meta.extension}")
    else:
        status = "tills vidare"
        since = f" från {meta.valid_from.isoformat()}" if meta.valid_from else ""
        parts.append(f"Gäller{since} tills vidare.")
    if meta.draft:
        # A draft is never presented as the decided text, whatever its dates say.
        status = "förslag"
        parts.insert(0, "Texten är märkt som förslag, inte som beslutad version.")
    return Validity(status=status, description=" ".join(parts), expired=expired)


def validity_warnings(metas: Iterable[DocumentMeta], today: date) -> list[str]:
    """Swedish notes on cited agreements whose validity has ended or that are drafts."""
    notes: list[str] = []
    for meta in metas:
        name = _document_name(meta)
        if meta.valid_to is not None and meta.expired_on(today):
            until = meta.valid_to.isoformat()
            note = f"{name} gällde till och med {until}; giltighetstiden har gått ut."
            if meta.extension:
                note += f" Enligt texten: {meta.extension}"
            notes.append(note + " Kontrollera att den fortfarande tillämpas.")
        if meta.draft:
            notes.append(f"{name} är märkt som förslag i texten, inte som beslutad version.")
    return notes


def _document_name(meta: DocumentMeta) -> str:
    # By its short title, which tells the region's agreements apart where a cut title did
    # not ("Länsövergripande överenskommelse om samverkan …" twice for Dalarna). The shape
    # "Överenskommelsen för <region> (”…”)" is what the widget and Teams read a short line
    # from (widget.js WARNING_LINES, teams/replies.py).
    if meta.region is None:
        return f"Vägledningen ”{meta.short_name}”"
    return f"Överenskommelsen för {meta.region} (”{meta.short_name}”)"
