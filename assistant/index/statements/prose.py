"""Prose: a paragraph read sentence by sentence and clause by clause, and two adjacent
sentences that divide one matter between kommun and region (`divided`).
"""

from __future__ import annotations

import itertools
import re

from assistant import morphology
from assistant.index.statements.actors import Mention
from assistant.index.statements.clause import _Actor, _clause
from assistant.index.statements.coordination import _clauses
from assistant.index.statements.drafts import _Draft, _draft
from assistant.index.statements.grammar import _WORD
from assistant.index.statements.reading import _read_clause
from assistant.index.statements.sentences import _sentence, _sentence_spans
from assistant.models import Block, Document

# "Ansvaret för detta vilar på …": the duty is the sentence before's.
_BACK_REFERENCE = re.compile(r"\b\w*ansvar\w* för (?:detta|dessa|det)\b", re.IGNORECASE)


def _paragraph_statements(
    doc: Document, index: int, block: Block, opens_list: bool
) -> list[_Draft]:
    """The statements of one paragraph, sentence by sentence and clause by clause."""
    text = doc.text
    drafts: list[_Draft] = []
    previous: _Actor | None = None
    recent: list[Mention] = []
    spans = _sentence_spans(text, block.start, block.end)
    for n, (s, e) in enumerate(spans):
        if opens_list and n == len(spans) - 1 and text[s:e].rstrip().endswith(":"):
            continue  # the lead-in of the list that follows: its items are the statements
        for c_start, c_end, elided in _clauses(text, s, e):
            c = _clause(text, c_start, c_end, previous, recent, elided)
            for reading in _read_clause(c):
                quote = (s if elided else c_start, c_end)
                if n > 0 and _BACK_REFERENCE.search(text, c_start, c_end):
                    quote = (spans[n - 1][0], c_end)
                d = _draft(doc, index, block, n, reading, [quote], "prose", text[c_start:c_end])
                if elided:
                    rest = re.sub(r"^\s*(?:och|men|samt)\s+", "", text[c_start:c_end])
                    d.duty = _sentence(f"{reading.actor.text} {rest}")
                drafts.append(d)
                previous = reading.actor
            recent.extend(c.mentions)
    return drafts


def _divided(drafts: list[_Draft]) -> None:
    """Two adjacent prose sentences giving one matter to kommun and to region: `divided`,
    each quoting both."""
    for a, b in itertools.pairwise(drafts):
        if a.form != "prose" or b.form != "prose":
            continue
        if {a.actor.party, b.actor.party} != {"kommun", "region"}:
            continue
        same_block = a.paragraph == b.paragraph and b.sentence == a.sentence + 1
        next_block = (
            b.paragraph == a.paragraph + 1 and b.sentence == 0 and a.block.trail == b.block.trail
        )
        if not (same_block or next_block) or not _shares_matter(a, b):
            continue
        a.form = b.form = "divided"
        own_a, own_b = a.spans[-1], b.spans[-1]
        a.spans = [*a.spans, own_b]
        b.spans = [own_a, *b.spans]


def _shares_matter(a: _Draft, b: _Draft) -> bool:
    """Parallel wording: "motsvarande", or a content word both duties share."""
    if "motsvarande" in b.duty.lower():
        return True
    actors = {morphology.lemma(w) for w in _WORD.findall(a.actor.text + " " + b.actor.text)}
    words_a = {morphology.lemma(w) for w in _WORD.findall(a.duty) if len(w) > 4}
    words_b = {morphology.lemma(w) for w in _WORD.findall(b.duty) if len(w) > 4}
    return bool((words_a & words_b) - actors)
