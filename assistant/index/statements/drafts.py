"""Drafts: a statement being assembled — its doer, polarity, form, spans, the duty as a
sentence for display and the conditions ("om …", "vid …", "för personer …") as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index.statements.clause import _Actor, _Reading
from assistant.index.statements.grammar import _PERSONAL_PRONOUNS
from assistant.index.statements.sentences import _clean, _sentence
from assistant.models import Block, Document, Polarity, StatementForm

# Conditions as the texts open them.
_CONDITION = re.compile(
    r"(?:(?<=\s)|^)(?:om|när|ifall|i de fall|i den mån|under förutsättning att|såvida|vid|"
    r"för personer|för den som|oavsett)\b[^,.;:]*",
    re.IGNORECASE,
)


@dataclass
class _Draft:
    """A statement being assembled (internal)."""

    actor: _Actor
    polarity: Polarity
    form: StatementForm
    spans: list[tuple[int, int]]
    duty: str
    conditions: tuple[str, ...]
    block: Block
    paragraph: int  # index of the block in the document
    sentence: int  # index of the sentence in its block


def _conditions(text: str) -> tuple[str, ...]:
    """The conditions a clause states ("om …", "när …", "vid …"), as written."""
    found = []
    for m in _CONDITION.finditer(_clean(text)):
        phrase = m.group(0).strip()
        if len(phrase.split()) >= 2:
            found.append(phrase)
    return tuple(found)


def _draft(
    doc: Document,
    index: int,
    block: Block,
    sentence: int,
    reading: _Reading,
    spans: list[tuple[int, int]],
    form: StatementForm,
    clause: str,
) -> _Draft:
    duty = _sentence(clause)
    first = duty.split(" ", 1)[0].lower() if duty else ""
    if first in _PERSONAL_PRONOUNS and reading.actor.text:
        duty = reading.actor.text[:1].upper() + reading.actor.text[1:] + duty[len(first) :]
    return _Draft(
        actor=reading.actor,
        polarity=reading.polarity,
        form=form,
        spans=spans,
        duty=duty,
        conditions=_conditions(clause),
        block=block,
        paragraph=index,
        sentence=sentence,
    )
