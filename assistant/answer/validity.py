"""Whether an agreement applies today: its catalog dates, draft mark and extension rule."""

from __future__ import annotations

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
    expired = meta.valid_to is not None and meta.valid_to < today
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
