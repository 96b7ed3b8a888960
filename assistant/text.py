"""Text helpers every layer shares: the question's length limit, cleaning, folding.

One definition each, so that a question is cleaned and a place name is folded the same way
in retrieval, the API's validation, Teams and the evals.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUESTION_CHARS = 1000  # the API contract's limit on a question (after cleaning)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e]")


def clean(raw: str) -> str:
    """NFC, control and zero-width characters as spaces, white space folded and trimmed."""
    return " ".join(unicodedata.normalize("NFC", _CONTROL.sub(" ", raw)).split())


def strip_marks(text: str) -> str:
    """Without diacritics: å/ä → a, ö → o, é → e (letters without a decomposition stay)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case without diacritics, so that "varmland" matches "Värmland"."""
    return strip_marks(text.casefold())
