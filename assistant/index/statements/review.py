"""Review: what an administrator should look at in a new agreement — the sentences with a
duty verb ("ansvarar för", "ska", "har ansvar för", "är skyldig att") whose doer the
extractor did not recognise, so that the actor can be added to `data/actors.tsv` or the
statement to the agreement's overrides file.

It reads with the extractor's own sentences, actor mentions and predicates, and changes
nothing the extractor finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.index.statements.clause import _Clause, _clause
from assistant.index.statements.extraction import extract_statements
from assistant.index.statements.grammar import (
    _ADVERBIAL_OPENERS,
    _DETERMINERS,
    _PERSONAL_PRONOUNS,
    _SUBORDINATORS,
)
from assistant.index.statements.predicates import _predicate
from assistant.index.statements.sentences import _clean, _sentence_spans
from assistant.ingest.normalise import page_at
from assistant.models import SECTION_SEPARATOR, Document, Statement

# The predicate kinds that name a duty by a word for it ("ansvarar för", "har ansvar för",
# "är skyldig att", "saknar skyldighet"). A bare present-tense verb ("task") is left out:
# without a known actor nearly every sentence has one.
_DUTY_KINDS = frozenset({"holder", "adjective", "verb", "lacks"})
_NOT_DOERS = _DETERMINERS | _PERSONAL_PRONOUNS | _ADVERBIAL_OPENERS | _SUBORDINATORS
_SHORT_SUBJECT = 2  # words before "ska" for it to be read as a doer's ("Samordningsgruppen ska")


def _names_a_duty(c: _Clause, lead_in: bool) -> bool:
    """Whether the sentence gives someone a duty: a duty word, or "ska"/"måste" after a
    short subject that opens the sentence or a list's lead-in ("Samordningsgruppen ska:").
    "Detta dokument ska ses som …" and "Det ska finnas …" are no one's."""
    for i in range(len(c.toks)):
        if i in c.in_mention:
            continue
        kind = _predicate(c, i)
        if kind in _DUTY_KINDS:
            return True
        if kind != "modal" or i == 0 or not (lead_in or i <= _SHORT_SUBJECT):
            continue
        first = c.toks[0]
        if first.text[:1].isupper() and first.low not in _NOT_DOERS:
            return True
    return False


@dataclass(frozen=True)
class UnattributedDuty:
    """A sentence with a duty verb in which no known actor was found."""

    text: str  # the sentence as running text
    start: int  # character span in Document.text
    end: int
    section: str  # the heading trail as one line
    page: int | None


def unattributed_duties(
    document: Document, found: Sequence[Statement] | None = None
) -> list[UnattributedDuty]:
    """Sentences with a duty verb that name no known actor and that no statement covers.

    `found` are the document's statements (extracted when not given)."""
    if found is None:
        found = extract_statements(document)
    covered = [span for s in found if s.document_id == document.id for span in s.spans]
    text = document.text
    out: list[UnattributedDuty] = []
    for block in document.blocks:
        if block.kind not in ("paragraph", "item"):
            continue
        for start, end in _sentence_spans(text, block.start, block.end):
            if any(a < end and start < b for a, b in covered):
                continue
            clause = _clause(text, start, end)
            if clause.mentions:
                continue
            if not _names_a_duty(clause, text[start:end].rstrip().endswith(":")):
                continue
            out.append(
                UnattributedDuty(
                    text=_clean(text[start:end]),
                    start=start,
                    end=end,
                    section=SECTION_SEPARATOR.join(block.trail),
                    page=page_at(document, start, end)[0],
                )
            )
    return out
