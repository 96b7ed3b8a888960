"""Step 6a, joins: broken lines rejoined, line-end hyphenation undone where a word was split."""

from __future__ import annotations

import re

from assistant.ingest.normalise.lines import WORD, Line

COORDINATORS = ("och ", "eller ", "samt ", "respektive ", "resp. ", "som ", "till ", "&")


def vocabulary_of(raw: str) -> str:
    """Words of the text, leaving out the halves of words broken at a line end."""
    words = {w.lower() for w in WORD.findall(re.sub(r"\S+-[ \t]*\n\s*\S+", " ", raw))}
    return "\n".join(sorted(words))


def join_lines(lines: list[Line], vocabulary: str) -> tuple[str, list[int]]:
    """Rejoin broken lines, undoing line-end hyphenation but keeping `hälso- och`.

    Returns the text and where each line starts in it, so that pages stay exact.
    """
    out = ""
    starts: list[int] = []
    for line in lines:
        text = re.sub(r"\s{2,}", " ", line.text)
        if out.endswith("-") and not out.endswith(" -"):
            head = out.rsplit(" ", 1)[-1]
            first = text.split(" ", 1)[0]
            if text.startswith(COORDINATORS) or text[:1] in ",&":
                out += " "  # Swedish coordinating hyphen: "hälso- och sjukvård"
            elif head[:-1].isupper() or head[:-1].isdigit() or not text[:1].islower():
                pass  # a real compound hyphen: "SIP-processen", "LVM-vård"
            elif _broken_word(head[:-1], first, vocabulary):
                out = out[:-1]  # a word broken at the line end: "be-" + "roendevården"
        elif out:
            out += " "
        starts.append(len(out))
        out += text
    return out, starts


def _broken_word(head: str, tail: str, vocabulary: str) -> bool:
    """Was one word split at a line end (drop the hyphen), not a compound written with one?

    It was when the whole word occurs in the text, alone or inside a longer word
    ("planeringspro-" + "cess" in "vårdplaneringsprocessen"). Links keep their hyphens.
    """
    if "/" in head + tail or "." in head:
        return False
    word = (head + tail.rstrip(".,:;)")).lower()
    return word.isalpha() and word in vocabulary
