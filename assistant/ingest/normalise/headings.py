"""Step 5a, headings: numbered section headings in sequence and short unnumbered titles."""

from __future__ import annotations

import re

from assistant.ingest.normalise.lines import (
    BULLET,
    HARD,
    HEADING_NUMBER,
    SENTENCE_END,
    Line,
    first_word,
)

# Titles rarely contain a finite verb; short sentences without a full stop do.
FINITE_VERBS = {
    "är", "ska", "skall", "har", "kan", "ges", "finns", "blir", "får", "bör", "måste",
    "gäller", "innebär", "sker", "tas", "görs", "avser", "var", "hade",
}

# Words a title never ends on: a line ending so was cut from the text that follows.
OPEN_ENDINGS = {
    "och", "eller", "samt", "av", "i", "på", "för", "till", "med", "om", "som", "att", "från",
    "vid", "mellan", "inom", "under", "enligt", "kring", "hos", "mot", "över", "efter", "den",
    "det", "de", "en", "ett",
}
QUESTION_WORDS = ("När ", "Hur ", "Vad ", "Vem ", "Vilka ", "Vilken ", "Vilket ", "Varför ")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
FIGURE_MARGIN = 3  # leading spaces: body text starts at the margin or one space in
TABLE_MARKS = re.compile(r"(?:^|\s)[xX✓✔](?:\s|$)")  # "Abstinensvård x  x": a table row


def _follows(number: tuple[int, ...], last: tuple[int, ...] | None) -> bool:
    """Is `number` a plausible next section number after `last` (a sibling, child, uncle)?

    A repeat of the current number or an ancestor is allowed too: real documents number
    two sections alike (Dalarna's missbruk text has two 3.3 sections).
    """
    if last is None:
        return number[0] <= 2
    allowed = {(*last, 1)}
    for depth in range(len(last)):
        prefix = last[:depth]
        allowed.add(last[: depth + 1])
        for step in (1, 2):
            sibling = (*prefix, last[depth] + step)
            allowed.update({sibling, (*sibling, 1)})
    return number in allowed


def numbered_heading(
    line: Line, next_line: Line | None, last: tuple[int, ...] | None
) -> tuple[int, ...] | None:
    """The section number when the line is a numbered heading in sequence, else None."""
    match = HEADING_NUMBER.match(line.text)
    if not match or len(line.text) > 110 or re.match(r"^\d{4}", line.text):
        return None
    number = tuple(int(p) for p in match.group(1).split("."))
    title = match.group(2)
    if not title[:1].isupper() or title.endswith((".", ",", ";")) or not _follows(number, last):
        return None
    # "1. Att individer … får" + "samordnat stöd … behov." is a numbered sentence.
    sentence = (
        next_line is not None
        and next_line.text[:1].islower()
        and next_line.blank == 0
        and SENTENCE_END.search(next_line.text)
    )
    return None if sentence else number


def is_title(line: Line, next_line: Line | None, width: int, prev: Line | None = None) -> bool:
    """A short unnumbered title line ("Hjälpmedel", "Samordnad individuell plan, SIP")."""
    text = line.text
    if any(ln is not None and ln.margin >= FIGURE_MARGIN for ln in (prev, line, next_line)):
        return False  # a label in or next to a figure ("    Riskbruk"), not a title
    if len(text) > 90 or BULLET.match(text) or text.endswith((",", ";", ":")) or "=" in text:
        return False  # "HSL=Hälso- och sjukvårdslag" is a glossary line
    if next_line is not None and next_line.text[:1].islower() and next_line.blank == 0:
        return False
    words = text.split()
    if SENTENCE_END.search(text) or not (1 <= len(words) <= 9) or not text[:1].isupper():
        return False
    if words[-1].lower() in OPEN_ENDINGS:
        return False  # "Samverkan med": the rest is on the next line
    if words[0].endswith(":"):
        return False  # "Källa: Jämställ.nu och RFSL" is a label line
    if TABLE_MARKS.search(text):
        return False
    if next_line is not None and len(text) + 1 + len(first_word(next_line)) >= width:
        return False  # a full line that wrapped, not a title
    if next_line is not None and len(next_line.text) < 20 and next_line.text.endswith((".", ",")):
        return False  # a table's column head ("Primärvård" over "VC, inkl.")
    if not text.startswith(QUESTION_WORDS) and any(w.lower() in FINITE_VERBS for w in words[1:]):
        return False  # a sentence that lost its full stop, not a title
    digits = sum(ch.isdigit() for ch in YEAR.sub("", text))
    return digits <= 4 and "|" not in text


MAX_TITLE_LINES = 3  # a document title wraps over two or three lines at most
MAX_TITLE_CHARS = 220
MIN_TITLE_WORDS = 3  # "Inledning" alone opens a section, not the document


def _squeezed(text: str) -> str:
    return " ".join(text.split()).casefold()


def _title_shaped(text: str) -> bool:
    """Could `text` (the opening lines joined) be a document's title?"""
    words = text.split()
    if not words or not text[:1].isupper() or len(text) > MAX_TITLE_CHARS:
        return False
    if BULLET.match(text) or HEADING_NUMBER.match(text) or SENTENCE_END.search(text):
        return False
    if text.endswith((",", ";", ":")) or "=" in text or "|" in text or words[0].endswith(":"):
        return False
    if any(w.lower() in FINITE_VERBS for w in words[1:]):
        return False  # a sentence, "Kommunen och regionen ska …"
    return sum(ch.isdigit() for ch in YEAR.sub("", text)) <= 4


def opening_title(lines: list[Line], title: str = "") -> list[int]:
    """The indices of the lines of the title the text opens with, or none.

    A title wrapped over lines continues in lower case, or after a word it cannot end on
    ("Överenskommelse mellan" + "Region Värmland och …"). The run is the document's title
    when it is the catalog's title (or the start of it), when a paragraph break ends it, or
    when it wraps: a single short line before running text is left to `is_title`, which
    sees the line's neighbours.
    """
    body = [i for i, ln in enumerate(lines) if ln.text and ln.role == "body"]
    if not body:
        return []
    run = [body[0]]
    for i in body[1 : MAX_TITLE_LINES]:
        prev, line = lines[run[-1]], lines[i]
        if any(lines[j].blank == HARD for j in range(run[-1] + 1, i)):
            break
        open_ended = prev.text.split()[-1].lower() in OPEN_ENDINGS
        if not (line.text[:1].islower() or open_ended) or BULLET.match(line.text):
            break
        run.append(i)
    text = " ".join(lines[i].text for i in run)
    if not _title_shaped(text) or text.split()[-1].lower() in OPEN_ENDINGS:
        return []
    after = next((i for i in body if i > run[-1]), None)
    if after is not None and lines[after].text[:1].islower():
        return []  # the sentence goes on: not a title
    wanted = _squeezed(title)
    named = bool(wanted) and wanted.startswith(_squeezed(text)) and len(text.split()) >= 2
    return run if named or len(text.split()) >= MIN_TITLE_WORDS else []
