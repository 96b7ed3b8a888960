"""Tables: rows flattened to "Actor: Does …" paragraphs, and x-matrices whose columns are
actors (one statement per party marked in a row).

The extracted text keeps a row's cells one space apart, an empty cell as an extra space;
the normalised text has lost that, so the raw text is read when it is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.index.statements.actors import Mention
from assistant.index.statements.clause import _Actor, _actor_of, _mentions, _Reading
from assistant.index.statements.drafts import _conditions, _Draft, _draft
from assistant.index.statements.grammar import _WORD
from assistant.index.statements.sentences import _clean, _sentence
from assistant.models import Block, Document, Party

_TABLE_MARK = re.compile(r"[xX✓✔]")


def _actor_rows(doc: Document, blocks: Sequence[tuple[int, Block]]) -> list[_Draft]:
    """A table flattened to "Actor: Does …" paragraphs, two or more in a row."""
    text = doc.text
    rows: list[tuple[int, Block, _Actor]] = []
    for index, block in blocks:
        m = re.match(r"([^:.]{2,80}):\s+([A-ZÅÄÖ])", block.text)
        if not m:
            continue
        mentions = _mentions(text, block.start, block.start + m.end(1))
        if not mentions or mentions[0].start != block.start:
            continue
        actor = _actor_of(text, mentions)
        if actor is not None:
            rows.append((index, block, replace(actor, text=m.group(1).strip())))
    drafts: list[_Draft] = []
    runs: list[list[tuple[int, Block, _Actor]]] = []
    for row in rows:
        if runs and row[0] == runs[-1][-1][0] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    for run in runs:
        if len(run) < 2:
            continue
        for index, block, actor in run:
            reading = _Reading(actor, "duty", block.start)
            d = _draft(
                doc, index, block, 0, reading, [(block.start, block.end)], "table", block.text
            )
            rest = block.text.split(":", 1)[1].strip()
            d.duty = _sentence(f"{actor.text} {rest[:1].lower()}{rest[1:]}")
            d.conditions = _conditions(rest)
            drafts.append(d)
    return drafts


# A run of table marks: "x x x", "x x", "x".
_MARKS = re.compile(r"(?<!\S)[xX✓✔](?: [xX✓✔])*(?!\S)")


# A raw table row: its label (if on the same line), then cells one space apart.
_RAW_ROW = re.compile(r"^(?:(?P<label>.*[^\sxX✓✔]) )?(?P<run>[ ]*[xX✓✔](?:[ ]+[xX✓✔])*[ ]*)$")


@dataclass(frozen=True)
class _Row:
    label: str
    spans: tuple[tuple[int, int], ...]  # the label and its marks in the normalised text
    marks: int
    block: int  # index of the block holding the marks


def _table_rows(doc: Document) -> list[list[_Row]]:
    """Runs of x-matrix rows: paragraphs ending in marks, their labels before the marks
    (a label may close the paragraph before a paragraph of marks alone)."""
    tables: list[list[_Row]] = []
    current: list[_Row] = []
    pending: tuple[str, int, int] | None = None
    for index, block in enumerate(doc.blocks):
        marks = list(_MARKS.finditer(doc.text, block.start, block.end))
        if block.kind != "paragraph" or not marks:
            if current and (pending is None or block.kind != "paragraph"):
                tables.append(current)
                current, pending = [], None
            if block.kind == "paragraph" and current:
                pending = (block.text, block.start, block.end)
            continue
        at = block.start
        for m in marks:
            label_text = doc.text[at : m.start()].strip()
            spans: list[tuple[int, int]] = []
            if label_text:
                spans.append((at + doc.text[at : m.start()].index(label_text), m.start() - 1))
            elif pending is not None:
                label_text = pending[0]
                spans.append((pending[1], pending[2]))
            if not _WORD.search(label_text):
                at = m.end()
                continue
            spans.append((m.start(), m.end()))
            current.append(
                _Row(_clean(label_text), tuple(spans), len(_TABLE_MARK.findall(m.group(0))), index)
            )
            pending = None
            at = m.end()
        tail = doc.text[at : block.end].strip()
        if tail:
            pending = (tail, block.end - len(doc.text[at : block.end].lstrip()), block.end)
    if current:
        tables.append(current)
    return [t for t in tables if len(t) >= 3]


def _raw_cells(raw: str) -> list[tuple[list[str], list[str]]]:
    """Rows of x-matrices in the raw text: (label words, cells as written)."""
    rows: list[tuple[list[str], list[str]]] = []
    paragraph: list[str] = []
    last: list[str] = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if paragraph:
                last, paragraph = paragraph, []
            continue
        m = _RAW_ROW.match(line)
        if not m:
            paragraph.append(line.strip())
            continue
        label = [*paragraph, m.group("label")] if m.group("label") else (paragraph or last)
        rows.append((_WORD.findall(" ".join(label).lower()), m.group("run").split(" ")))
        paragraph, last = [], []
    return rows


def _cells(cells: list[str], columns: int) -> list[bool]:
    """Which columns a row marks: cells are one space apart and an empty cell leaves its
    space ("x  x x" = 1, 3, 4); a line's trailing space is no cell."""
    cells = list(cells)
    while len(cells) > columns and cells[-1] == "":
        cells.pop()
    return [bool(_TABLE_MARK.fullmatch(c)) for c in cells[:columns]]


def _marked(row: _Row, raw_rows: list[tuple[list[str], list[str]]], columns: int) -> list[bool]:
    want = [w.lower() for w in _WORD.findall(row.label)]
    joined = "".join(want)
    for words, cells in raw_rows:
        if words[-len(want) :] == want or "".join(words).endswith(joined):
            marked = _cells(cells, columns)
            if sum(marked) == row.marks:
                return marked
    return [k < row.marks for k in range(columns)]  # the marks fill the columns from the left


def _column_heads(doc: Document, first: _Row, columns: int) -> list[tuple[str, Party]]:
    """The actors heading the columns, in order: the cells above the first row that open
    with an actor ("Primärvård", "Somatiska kliniker", "Psykiatrisk vård inkl. …")."""
    text = doc.text
    above = [b for b in doc.blocks[: first.block] if b.kind in ("paragraph", "heading")]
    heads: list[tuple[str, Party]] = []
    for block in above[-(2 * columns + 2) :]:
        mentions = [m for m in _mentions(text, block.start, block.end) if m.text[:1].isupper()]
        if not mentions or mentions[0].start != block.start:
            continue
        cells: list[Mention] = []
        for m in mentions:
            if cells and re.fullmatch(r"[\s\S]*,\s*", text[cells[-1].start : m.start]):
                continue  # "… beroendevård, VUP, BUP": more of the same cell
            cells.append(m)
        for k, m in enumerate(cells):
            stop = cells[k + 1].start if k + 1 < len(cells) else block.end
            rest = _clean(text[m.end : stop])
            name = m.text
            if rest.lower().startswith("inkl"):
                name = f"{m.text} ({re.split(r'(?<=[a-zåäö]) (?=[A-ZÅÄÖ][a-zåäö])', rest)[0]})"
            heads.append((name, m.party))
    return heads[-columns:]


def _x_matrices(doc: Document, raw: str | None) -> list[_Draft]:
    """Tables whose columns are actors and whose rows mark with x who does each matter:
    one statement per party marked in a row.

    The extracted text keeps a row's cells one space apart, an empty cell as an extra
    space; the normalised text has lost that, so the raw text is read when it is given
    (without it, the marks fill the columns from the left).
    """
    drafts: list[_Draft] = []
    raw_rows = _raw_cells(raw) if raw else []
    for rows in _table_rows(doc):
        columns = max(r.marks for r in rows)
        heads = _column_heads(doc, rows[0], columns)
        if len(heads) != columns:
            continue
        for row in rows:
            by_party: dict[Party, list[str]] = {}
            for k, on in enumerate(_marked(row, raw_rows, columns)):
                if on:
                    by_party.setdefault(heads[k][1], []).append(heads[k][0])
            block = doc.blocks[row.block]
            for party, names in by_party.items():
                name = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
                start, end = row.spans[0][0], row.spans[-1][1]
                actor = _Actor(name, party, start, end, ())
                d = _draft(
                    doc,
                    row.block,
                    block,
                    0,
                    _Reading(actor, "duty", start),
                    list(row.spans),
                    "table",
                    row.label,
                )
                d.duty = (
                    f"{name} ansvarar för {row.label[:1].lower()}{row.label[1:]}".rstrip(".") + "."
                )
                d.conditions = ()
                drafts.append(d)
    return drafts


def _blocks_of(doc: Document, row: _Row) -> list[int]:
    return [i for i, b in enumerate(doc.blocks) if any(b.start <= s < b.end for s, _ in row.spans)]
