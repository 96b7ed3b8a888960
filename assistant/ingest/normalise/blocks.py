"""Step 5b, blocks: lines rejoined into headings, paragraphs, list items and footnotes."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from assistant.ingest.normalise.headings import (
    OPEN_ENDINGS,
    is_title,
    numbered_heading,
    opening_title,
)
from assistant.ingest.normalise.lines import (
    BULLET,
    HARD,
    LETTERED,
    SENTENCE_END,
    SUB_BULLET,
    URL_LINE,
    WORD,
    Line,
    ends,
    first_word,
)
from assistant.models import BlockKind

SHORT_LINE = 0.8  # of the local text width
GLOSSARY = re.compile(r"^[A-ZÅÄÖ][\w-]{0,15}\s?=\s?\S")


@dataclass
class Piece:
    """A block being assembled from lines."""

    kind: BlockKind
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    number: str | None = None
    opening: bool = False  # the document's own title, which no section sits under


def _short(prev: Line, line: Line, width: int) -> bool:
    """Did `prev` end early: would the next line's first word have fitted after it?

    A PDF line only breaks before a word that does not fit, so a paragraph that goes on
    fills its lines; a short line ends a paragraph, a title or a table cell.
    """
    if prev.text.endswith((",", "-")):
        return False  # a sentence cannot end on a comma or a broken word
    return len(prev.text) + 1 + len(first_word(line)) < SHORT_LINE * width


def _is_item_start(line: Line, prev_body: Line | None, list_next: int, lost: bool) -> int:
    """List level (1 or 2) when the line opens a list item, else 0.

    `list_next` is the number the current numbered list would continue with (0: none);
    `lost` is set inside a list whose bullet glyphs were lost in extraction.
    """
    text = line.text
    if BULLET.match(text) or LETTERED.match(text):
        return 1
    if SUB_BULLET.match(text):
        return 2
    numbered = re.match(r"^(\d{1,2})[.)]\s+\S", text)
    if numbered and (
        int(numbered.group(1)) == list_next
        or (prev_body is not None and prev_body.text.endswith(":"))
    ):
        return 1
    # A lost glyph leaves only its indent: an indented line in lower case after a lead-in.
    after_lead_in = lost or (prev_body is not None and prev_body.text.endswith(":"))
    if after_lead_in and line.indent and text[:1].islower():
        return 1
    return 0


def _ended(prev: Line, line: Line, width: int) -> bool:
    """Does the paragraph visibly end at `prev` (full stop, paragraph mark, short line)?"""
    # Extractors keep Word's paragraph mark as two trailing spaces; a wrap leaves one.
    return ends(prev) or prev.trailing >= 2 or _short(prev, line, width)


def _continues(prev: Line, line: Line) -> bool:
    """A line that can only be the rest of the sentence before it."""
    first = line.text[:1]
    return (first.islower() and not SENTENCE_END.search(prev.text)) or first in ",;"


def _joins(prev: Line, line: Line, width: int) -> bool:
    """Does a line that starts in upper case continue the paragraph that `prev` ends?"""
    if line.blank == HARD or prev.trailing >= 2 or prev.text.endswith(":"):
        return False
    if GLOSSARY.match(line.text):
        return False  # each "HSL=Hälso- och sjukvårdslag" line is an entry of its own
    if not ends(prev):
        return not _short(prev, line, width)  # "… Region" + "Dalarna …" on a full line
    return len(prev.text) >= 0.8 * width  # a sentence ended at the right margin


def _open_ended(line: Line) -> bool:
    """Does the line stop where its sentence cannot (a comma, a broken word, "och")?"""
    return line.text.endswith((",", "-")) or line.text.split()[-1].lower() in OPEN_ENDINGS


def build_pieces(lines: list[Line], title: str = "") -> list[Piece]:
    """Group body and note lines into headings, paragraphs, items and footnotes; `title`
    (the catalog's) helps to tell the title the text opens with."""
    body = [ln for ln in lines if ln.text and ln.role == "body"]
    widths = sorted(len(ln.text) for ln in body) or [80]
    page_width = widths[int(len(widths) * 0.9)]  # full lines; short table cells are many
    recent: deque[int] = deque(maxlen=6)  # the local text width: narrow columns, tables
    following: list[Line | None] = [None] * len(lines)  # the next body line after each line
    for i in range(len(lines) - 2, -1, -1):
        after = lines[i + 1]
        following[i] = after if after.text and after.role == "body" else following[i + 1]
    pieces: list[Piece] = []
    notes: list[Piece] = []  # footnotes wait until the sentence they interrupt is complete
    current: Piece | None = None
    prev: Line | None = None
    pending_hard = False
    lost_glyph_list = False
    last_number: tuple[int, ...] | None = None
    section: Piece | None = None  # the last numbered heading
    list_next = 0
    title_lines = opening_title(lines, title)

    def start(piece: Piece) -> Piece:
        pieces.extend(notes)
        notes.clear()
        pieces.append(piece)
        return piece

    for idx, line in enumerate(lines):
        if not line.text:
            pending_hard = pending_hard or line.blank == HARD
            continue
        if line.role == "furniture":
            continue
        if line.role == "note":
            if line.note_no is not None or URL_LINE.match(line.text) or not notes:
                if notes and URL_LINE.match(line.text) and notes[-1].lines[-1].text.isdigit():
                    notes[-1].lines.append(line)  # "23" + its link on the next line
                else:
                    notes.append(Piece("footnote", [line]))
            else:
                notes[-1].lines.append(line)
            continue
        line.blank = HARD if pending_hard else 0
        pending_hard = False
        width = max([*recent, len(line.text)]) if len(recent) >= 3 else page_width
        recent.append(len(line.text))
        nxt = following[idx]
        if idx in title_lines:
            if current is None:
                current = start(Piece("heading", [line], opening=True))
            else:
                current.lines.append(line)
            prev = line
            continue
        level = _is_item_start(line, prev, list_next, lost_glyph_list)
        may_head = (
            prev is None
            or _ended(prev, line, width)
            or line.blank == HARD
            or line.indent
            or (current is not None and current.kind == "heading")
            # A list item's last line may reach the margin and so not look ended; a title
            # after it still starts a section, unless the item visibly goes on ("… enligt"
            # + "Socialtjänstlagen") or is a one-word label of a figure ("- tycka", "Dialog").
            or (
                current is not None
                and current.kind == "item"
                and prev is not None
                and len(WORD.findall(" ".join(ln.text for ln in current.lines))) > 1
                and not _open_ended(prev)
            )
        )
        if level:
            if not BULLET.match(line.text) and not SUB_BULLET.match(line.text) and line.indent:
                lost_glyph_list = lost_glyph_list or line.text[:1].islower()
            numbered = re.match(r"^(\d{1,2})[.)]\s", line.text)
            list_next = int(numbered.group(1)) + 1 if numbered else list_next
            current = start(Piece("item", [line], level=level))
        elif current is not None and prev is not None and _continues(prev, line):
            current.lines.append(line)
        elif (number := numbered_heading(line, nxt, last_number)) is not None and (
            may_head or number != last_number
        ):
            last_number = number
            lost_glyph_list = False
            list_next = 0
            label = ".".join(map(str, number))
            current = section = start(Piece("heading", [line], level=len(number), number=label))
        # A title is short against the page, even among the narrow cells of a table; and a
        # section whose heading ends in a colon holds a list of entries, not subsections.
        elif (
            may_head
            and not (section is not None and section.lines[-1].text.endswith(":"))
            and is_title(line, nxt, max(width, page_width), prev)
        ):
            lost_glyph_list = False
            current = start(Piece("heading", [line]))
        elif re.match(r"^1[.)]\s+\S", line.text):
            list_next = 2  # a numbered list that opens without a lead-in
            current = start(Piece("item", [line], level=1))
        elif (
            current is not None
            and current.kind != "heading"
            and prev is not None
            and _joins(prev, line, width)
        ):
            current.lines.append(line)
        else:
            lost_glyph_list = False
            current = start(Piece("paragraph", [line]))
        prev = line
    pieces.extend(notes)
    return pieces
