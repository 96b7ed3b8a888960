"""Lists: the items under a lead-in that names the actor ("Regionen ansvarar för:",
"Kommunen ska:", a heading "Regionens ansvar"), each made a complete sentence; an item that
names its own actor keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant import morphology
from assistant.index.statements.actors import Mention
from assistant.index.statements.clause import _Actor, _actor_of, _Clause, _clause, _mentions
from assistant.index.statements.coordination import _clauses
from assistant.index.statements.drafts import _conditions, _Draft, _draft
from assistant.index.statements.grammar import _SUBORDINATORS, _WORD, _is_infinitive
from assistant.index.statements.reading import _read_clause, _Reading
from assistant.index.statements.sentences import _ITEM_MARKER, _clean, _sentence, _sentence_spans
from assistant.models import Block, Document


@dataclass(frozen=True)
class _Lead:
    """The line that introduces a list and what it says about the items."""

    text: str
    start: int
    end: int
    actor: _Actor | None
    verb: str  # how an item's duty is written: "ansvarar för", "ska", "" (items complete it)


def _lead_of(doc: Document, block: Block, index: int) -> _Lead | None:
    """The lead-in of an item block: the paragraph line or heading that opens its list;
    without one, a heading like "Regionens ansvar" above the list speaks for it."""
    text = doc.text
    if block.lead_in:
        at = text.rfind(block.lead_in, 0, block.start)
        if at >= 0:
            return _read_lead(text, at, at + len(block.lead_in))
    for prev in reversed(doc.blocks[:index]):
        if prev.kind == "heading":
            lead = _read_lead(text, prev.start, prev.end)
            return lead if lead.actor is not None and lead.verb else None
        if prev.trail != block.trail:
            return None
    return None


_HEADING_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+")


# "Regionens ansvar", "Region Värmlands ansvar för målgruppen", "Kommunens uppdrag".
_GENITIVE_HEADING = re.compile(
    r"^(?P<who>.*?)s\s+(?:ansvar|uppdrag|åtagande|uppgifter)\b", re.IGNORECASE
)


def _read_lead(text: str, start: int, end: int) -> _Lead:
    lead = text[start:end]
    number = _HEADING_NUMBER.match(lead)
    offset = len(number.group(0)) if number else 0
    body = lead[offset:]
    at = start + offset
    mentions = _mentions(text, at, end)
    if not mentions or "mellan" in body.lower().split():
        return _Lead(lead, start, end, None, "")
    low = body.lower().rstrip(" :…")
    genitive = _GENITIVE_HEADING.match(body)
    if genitive and mentions[0].start == at:
        who_end = at + genitive.end("who") + 1
        actor = _actor_of(text, [m for m in mentions if m.end <= who_end])
        if actor is not None:
            return _Lead(lead, start, end, _nominative(actor), "ansvarar för")
    # "Socialtjänsten:" — an actor alone.
    modal = re.search(r"\b(?:ska|skall|måste)$", low)
    if re.fullmatch(r"[^:]+:", body.strip()) and mentions[0].start == at and not modal:
        actor = _actor_of(text, mentions)
        if actor is not None and len(_WORD.findall(body)) <= len(_WORD.findall(actor.text)) + 1:
            return _Lead(lead, start, end, actor, "ansvarar för")
    readings = _read_clause(_clause(text, at, end))
    if not readings:
        return _Lead(lead, start, end, None, "")
    verb = ""
    if re.search(r"\b(?:ansvarar|svarar|ansvar(?:et)?) för$", low):
        verb = "ansvarar för"
    elif modal:
        verb = re.findall(r"\b(ska|skall|måste)\b", low)[-1]
    return _Lead(lead, start, end, _nominative(readings[0].actor), verb)


def _nominative(actor: _Actor) -> _Actor:
    """ "Regionens" → "Regionen", "Region Värmlands" → "Region Värmland"."""
    words = actor.text.split()
    last = words[-1]
    if last.endswith("s") and len(last) > 3 and not last.isupper():
        base = last[:-1]
        if morphology.lemma(base) == morphology.lemma(last) or (
            base[:1].isupper() and len(words) > 1
        ):
            words[-1] = base
    return replace(actor, text=" ".join(words))


def _infinitive_item(item: str) -> bool:
    """An item that is a task in the infinitive ("Erbjuda stöd …", "Medicinskt bedöma …",
    "att kalla till SIP") or a duty noun ("Ansvar för att …")."""
    words = [w.lower() for w in _WORD.findall(item)[:3]]
    if not words:
        return False
    if words[0] in ("att", "ansvar", "ansvara", "ansvaret"):
        return True
    return _is_infinitive(words[0]) or (
        len(words) > 1 and _is_infinitive(words[1]) and words[0].endswith("t")
    )


def _item_duty(lead: _Lead, item: str) -> str:
    """A list item made a complete sentence under its lead-in's actor."""
    assert lead.actor is not None
    body = _clean(item).rstrip(" .;,")
    actor = lead.actor.text[:1].upper() + lead.actor.text[1:]
    keep = body[1:2].isupper()  # "LARO …", "SIP …" keep their capitals
    lowered = body if keep else body[:1].lower() + body[1:]
    if lead.verb in ("ska", "skall", "måste"):
        return f"{actor} {lead.verb} {lowered}."
    if not lead.verb:
        return _sentence(f"{_clean(lead.text).rstrip(':')} {lowered}")
    if lowered.startswith(("ansvar för ", "ansvara för ")):
        lowered = lowered.split(" ", 2)[2]
    elif _infinitive_item(body) and not lowered.startswith("att "):
        lowered = "att " + lowered
    return f"{actor} {lead.verb} {lowered}."


def _relation(c: _Clause) -> bool:
    """ "Ansvarsfördelningen mellan vuxenpsykiatrin och primärvården …": an arrangement
    between two actors, not a duty of either."""
    for t in c.toks:
        if t.low == "mellan":
            return sum(1 for m in c.mentions if m.start >= t.end) >= 2
    return False


def _not_a_task(c: _Clause) -> bool:
    """An item stating a possibility ("Båda huvudmännen kan …") or what something is
    ("Habiliteringen är ett komplement …", "… finns reglerat")."""
    for k, t in enumerate(c.toks[:8]):
        main = k == 0 or c.toks[k - 1].low not in _SUBORDINATORS | {"som"}
        if main and t.low in ("kan", "bör", "får", "är", "finns", "regleras", "beskrivs", "utgör"):
            return True
    return False


def _item_statements(doc: Document, index: int, block: Block, lead: _Lead | None) -> list[_Draft]:
    """The statements of one list item: its own actor's, else its lead-in's."""
    text = doc.text
    drafts: list[_Draft] = []
    body_start = block.start + (len(block.text) - len(_ITEM_MARKER.sub("", block.text)))
    previous: _Actor | None = lead.actor if lead else None
    recent: list[Mention] = []
    for n, (s, e) in enumerate(_sentence_spans(text, body_start, block.end)):
        own: list[_Draft] = []
        for c_start, c_end, elided in _clauses(text, s, e):
            c = _clause(text, c_start, c_end, previous, recent, elided)
            for reading in _read_clause(c):
                quote = (s if elided else c_start, c_end)
                own.append(
                    _draft(doc, index, block, n, reading, [quote], "list", text[c_start:c_end])
                )
                previous = reading.actor
            recent.extend(c.mentions)
        if own:
            if lead is not None and n == 0:
                for d in own:
                    d.spans.insert(0, (lead.start, lead.end))
            drafts.extend(own)
            continue
        if lead is None or lead.actor is None:
            continue
        sentence = text[s:e]
        c = _clause(text, s, e)
        if n > 0 and not _infinitive_item(sentence):
            if drafts:  # an elaboration of the item's duty stays in its quote
                drafts[-1].spans[-1] = (drafts[-1].spans[-1][0], e)
            continue
        if _relation(c) or _not_a_task(c):
            continue
        negated = any(t.low in ("inte", "ej") for t in c.toks[:6])
        reading = _Reading(lead.actor, "not" if negated else "duty", s)
        d = _draft(
            doc, index, block, n, reading, [(lead.start, lead.end), (s, e)], "list", sentence
        )
        d.duty = _item_duty(lead, sentence)
        d.conditions = _conditions(lead.text) + _conditions(sentence)
        drafts.append(d)
    return drafts
