"""Step 3, notes: footnotes (numbered in sequence) and bare URL lines out of the text."""

from __future__ import annotations

import re

from assistant.ingest.normalise.lines import BULLET, HEADING_NUMBER, URL_LINE, Line, next_text

FOOTNOTE = re.compile(r"^(\d{1,3})(\)?)(?:\s+(.*)|(https?://\S*))?$")


def find_notes(lines: list[Line]) -> set[int]:
    """Mark footnotes (numbered in sequence) and bare URL lines; return the footnote numbers."""
    expected = 1
    numbers: set[int] = set()
    in_note = False
    for i, line in enumerate(lines):
        if not line.text:
            continue
        if line.role == "furniture":
            in_note = False
            continue
        text = line.text
        match = FOOTNOTE.match(text)
        number = int(match.group(1)) if match else -1
        body = (match.group(3) or match.group(4) or "") if match else ""
        if match and expected <= number <= expected + 3 and _looks_like_footnote(
            body, bool(match.group(2)), in_note, lines, i
        ):
            line.role = "note"
            line.note_no = number
            numbers.add(number)
            expected = number + 1
            in_note = True
            continue
        if URL_LINE.match(text):
            line.role = "note"
            in_note = True
            continue
        if in_note and not line.indent and not _starts_block(text):
            line.role = "note"  # a footnote wrapped onto the next line
            continue
        in_note = False
    return numbers


def _looks_like_footnote(body: str, paren: bool, in_note: bool, lines: list[Line], i: int) -> bool:
    """A numbered line is a footnote, not running text, a heading or a list item."""
    if paren or not body or body.startswith(("http", "www.")):
        return True
    if body.startswith(("kap", "§", "st.", "p.", "år", "%", "kommun", "procent")):
        return False
    if re.match(r"^\d+\.", lines[i].text):
        return False  # "2. Utgångspunkter" is a heading or a numbered list item
    if body[0].islower() and not in_note:
        prev = next_text(lines, i, -1)
        # A sentence cannot continue here when the line above ended one.
        return prev is not None and (
            lines[prev].role == "note" or bool(re.search(r"[.!?)][\d\s]*$", lines[prev].text))
        )
    return True


def _starts_block(text: str) -> bool:
    return bool(BULLET.match(text) or (HEADING_NUMBER.match(text) and text[0].isdigit()))
