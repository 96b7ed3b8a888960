"""Facts the agreements do not hold: what a question asks for, read from its form.

An agreement says who does what; it never says what a visit costs, when a unit is open,
how long the queue is, what staff earn, how to reach someone or what will be decided in
one person's case. A question that asks for such a fact is recognised by its form — the
question word with what it asks for ("Vad kostar …", "Hur länge får man vänta …",
"Vilka öppettider …", "telefonnummer till …", "Kommer min klient att beviljas …"), never
by the topic it is about — and declined with a pointer to where the fact lives, instead
of with the nearest sentence that shares its nouns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.parties import actor_patterns
from assistant.search.regions import mentions
from assistant.text import fold


@dataclass(frozen=True)
class Unheld:
    """A kind of fact agreements do not hold, and where it is found instead."""

    kind: str  # what is asked for, as the decline names it ("vad något kostar")
    where: str  # where such facts live


_PERSON = r"(?:jag|vi|man|hen|han|hon|den enskilde|(?:min|var|mina|vara) \w+|\w+n)"
_MONEY = r"(?:ersattning\w*|lon|lonen|betala|kostar|kosta|avgift\w*|pengar|bidrag\w*|arvode\w*)"

# Matched against the question folded (lower case, no diacritics: "oppet" is "öppet").
_KINDS: tuple[tuple[Unheld, re.Pattern[str]], ...] = tuple(
    (Unheld(kind, where), re.compile(pattern))
    for kind, where, pattern in (
        (
            "belopp och avgifter",
            "verksamheten själv eller regionens eller kommunens avgiftsinformation",
            r"\b(?:vad|hur mycket) (?:kostar|kostade|skulle \w+ kosta|kommer \w+ (?:att )?kosta)"
            r"|\bvad (?:far|ska|maste|behover) " + _PERSON + r" betala\b"
            r"|\bhur mycket\b.{0,60}?\b" + _MONEY + r"\b"
            r"|\bvad (?:ar|blir) (?:priset|avgiften|taxan|kostnaden) (?:for|pa)\b"
            r"|\bhur (?:stor|hog) ar (?:avgiften|taxan|egenavgiften|patientavgiften)\b",
        ),
        (
            "öppettider och datum",
            "verksamheten själv, 1177 eller kommunens webbplats",
            r"\boppettider\w*|\b(?:nar|vilka tider|hur dags) (?:har|ar) [\w\s-]{0,40}?"
            r"\b(?:oppet|oppen|oppna|stangt|stangd)\b"
            r"|\bvilket datum\b|\bnar (?:ar|blir) nasta (?:mote|traff|sammantrade)\b",
        ),
        (
            "väntetider",
            "verksamheten själv eller regionens information om väntetider",
            r"\bvantetid\w*|\bhur (?:lange|lang tid) (?:far|maste|ska|behover) "
            + _PERSON + r" (?:vanta|sta i ko)|\bhur lang (?:ar )?kon\b"
            r"|\bhur lang tid tar det (?:innan|for|att)\b",
        ),
        (
            "löner",
            "arbetsgivaren eller kollektivavtalet",
            r"\b(?:vad|hur mycket) tjanar\b|\b(?:vad|hur hog) ar (?:lonen|ingangslonen)\b"
            r"|\bvilken lon\b|\bi lon\b",
        ),
        (
            "kontaktuppgifter",
            "verksamhetens, regionens eller kommunens webbplats (för vården: 1177)",
            r"\b(?:telefonn?umm?e?r\w*|mejladress\w*|e-postadress\w*|mailadress\w*|"
            r"besoksadress\w*|postadress\w*)\b|\bvilket (?:nummer|telefonnummer) ringer\b"
            r"|\bvad har [\w\s-]{0,40}? for (?:nummer|adress)\b"
            r"|\bhur (?:nar|kontaktar) jag (?:hen|honom|henne)\b",
        ),
    )
)
_INDIVIDUAL = Unheld("beslut i ett enskilt ärende", "den nämnd eller verksamhet som prövar ärendet")
# A given name: capitalised, not opening a sentence, and used as one: followed by an age
# ("Sara, 42,"), owning a case ("Johans ansökan") or named twice ("… Får Sara bo kvar?").
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÅÄÖ][a-zåäö]{2,})\b")
_AGE_AFTER = re.compile(r",? \d{1,3}(?: år)?,")
_CASE_AFTER = re.compile(r"s (?:ansökan|ärende|beslut)\b")


def unheld_fact(question: str) -> Unheld | None:
    """The kind of fact agreements do not hold that the question asks for, if any."""
    text = " ".join(question.split())
    folded = fold(text)
    for unheld, pattern in _KINDS:
        if pattern.search(folded):
            return unheld
    return _INDIVIDUAL if _names_a_person(text) else None


def _names_a_person(text: str) -> bool:
    """Whether the question is about one named person ("Kan Erik, 34 år, få boendestöd …?"):
    a capitalised word, neither a place nor an actor, used as a given name."""
    places = {fold(w) for name, _ in mentions(text) for w in name.split()}
    region_actor, kommun_actor = actor_patterns()
    names = [m for m in _NAME.finditer(text) if fold(m.group(1).removesuffix("s")) not in places
             and not region_actor.match(text, m.start(1))
             and not kommun_actor.match(text, m.start(1))]
    return any(
        _AGE_AFTER.match(text, m.end(1))
        or _CASE_AFTER.match(text, m.end(1) - 1)
        or sum(n.group(1) == m.group(1) for n in names) > 1
        for m in names
    )


def decline_text(unheld: Unheld) -> str:
    """The decline for a question asking for `unheld`: what is not there, and where it is."""
    return (
        f"Överenskommelserna säger inget om {unheld.kind}: de beskriver hur kommuner och "
        f"region delar ansvaret, inte sådana uppgifter. Vänd dig till {unheld.where}."
    )
