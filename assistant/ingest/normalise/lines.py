"""Step 1, lines: the raw text split into `Line`s, blank lines marked soft or hard.

Also the line shapes that several later steps recognise (bullets, section numbers, a
finished sentence) and the small helpers they share for walking the lines.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

BULLETS = "•\uf0b7\uf0a7\u25aa\u25a1\u25cf\u2023\u2043\u25e6▪□●◦"
SUB_BULLET = re.compile(r"^o\s+(?=\S)")
BULLET = re.compile(rf"^(?:[{BULLETS}]|[-–](?=\s))\s*")
LETTERED = re.compile(r"^[a-h]\)\s+")
HEADING_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$")
SENTENCE_END = re.compile(r"[.!?]['’”)]*$")
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+")

HARD, SOFT = 2, 1


@dataclass
class Line:
    """One raw line while it is being classified (internal to the normaliser)."""

    no: int
    text: str  # stripped
    indent: bool  # began with white space
    trailing: int  # trailing spaces in the raw line
    margin: int = 0  # leading spaces: a deep margin marks a label inside a figure
    blank: int = 0  # 0 text, SOFT, HARD
    role: str = "body"  # body | furniture | note
    page: int | None = None
    exact: bool = False
    note_no: int | None = None  # the number of the footnote this line begins


def split_lines(raw: str) -> list[Line]:
    """Split raw text into lines, with exact pages when the text has form feeds."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    exact = "\f" in raw
    lines: list[Line] = []
    for page_no, segment in enumerate(raw.split("\f"), start=1):
        for text in segment.split("\n"):
            stripped = text.strip()
            line = Line(
                no=len(lines),
                text=stripped,
                indent=bool(stripped) and text[:1].isspace(),
                margin=len(text) - len(text.lstrip()) if stripped else 0,
                trailing=len(text) - len(text.rstrip()),
            )
            if exact:
                line.page, line.exact = page_no, True
            lines.append(line)
        if exact:  # a page break is always a paragraph-level break candidate
            lines.append(Line(no=len(lines), text="", indent=False, trailing=0))
            lines[-1].page, lines[-1].exact = page_no, True
    _mark_blanks(lines)
    return lines


def _mark_blanks(lines: list[Line]) -> None:
    """Blank lines are soft when the extractor put one after every line, else hard."""
    texts = [i for i, ln in enumerate(lines) if ln.text]
    pairs = itertools.pairwise(texts)
    spaced = sum(1 for a, b in pairs if b - a == 2 and not lines[a + 1].trailing)
    double_spaced = len(texts) > 10 and spaced > 0.5 * len(texts)
    run: list[Line] = []
    for line in [*lines, Line(no=-1, text="x", indent=False, trailing=0)]:
        if line.text:
            if run:
                hard = (
                    not double_spaced
                    or len(run) >= 2
                    or any(r.trailing > 0 for r in run)
                )
                for r in run:
                    r.blank = HARD if hard else SOFT
            run = []
        else:
            run.append(line)


def next_text(lines: list[Line], i: int, step: int = 1) -> int | None:
    """Index of the next (or previous) non-blank line from i, exclusive."""
    j = i + step
    while 0 <= j < len(lines):
        if lines[j].text:
            return j
        j += step
    return None


def first_word(line: Line) -> str:
    """The line's first word, as the extractor wrapped it."""
    return line.text.split(" ", 1)[0]


def ends(line: Line) -> bool:
    """Does the line finish a sentence or announce what follows (a colon)?"""
    return bool(SENTENCE_END.search(line.text)) or line.text.endswith(":")
