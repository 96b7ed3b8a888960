"""Who is responsible: the party (kommun, region or both) a sentence gives a duty to.

A sentence is read for its doer: the subject ("Kommunen ansvarar för …"), the agent of a
passive ("utfärdas av primärvård"), a joint formula ("ett gemensamt ansvar", "båda
huvudmännen"), then its list lead-in and heading trail. The patterns are Swedish and
general; they name the actors of the agreements, not any one agreement's wording.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from assistant.answer.sentences import ITEM, Sentence, plain
from assistant.index.statements.actors import find_mentions
from assistant.models import Responsible

_REGION_ACTOR = (
    r"regionen|regionens|(?-i:Region [A-ZÅÄÖ]\w+)|landstinget|vårdgivaren|"
    r"(?:den regionala |regionens )?hälso- och sjukvården?s?|sjukvården|"
    r"(?:vuxen|special|specialist|rätts)?psykiatrin?|barn(?:-| och )ungdomspsykiatrin|BUP|"
    r"primärvården|primärvård|"
    r"beroendevården|habiliteringen|slutenvården|vårdcentral(?:en|erna)|sjukvårdshuvudmannen"
)
_KOMMUN_ACTOR = (
    r"kommunen|kommunerna|kommunens|kommunernas|socialtjänsten|socialtjänstens|"
    r"socialnämnden|socialnämnd|kommunal\w*|kommuner(?:na)?|länets (?:\d+ )?kommuner|"
    r"\w+s kommuner|socialsekreterare"
)


def _units() -> dict[str, list[str]]:
    """The agreements' own units by party, as patterns ("Välfärd" → region), from units.txt."""
    names: dict[str, list[str]] = {"region": [], "kommun": []}
    text = resources.files("assistant").joinpath("data/units.txt").read_text("utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        party, _, name = (part.strip() for part in line.partition(":"))
        if party not in names or not name:
            raise ValueError(f"units.txt rad {number}: skriv 'region: Namn' eller 'kommun: Namn'")
        names[party].append(f"(?-i:{re.escape(name)})")  # capitals as written
    return names


@cache  # read on first use, not at import
def actor_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The region's and the municipality's actors, the agreements' own units included."""
    units = _units()
    return (
        re.compile(rf"\b(?:{'|'.join([_REGION_ACTOR, *units['region']])})s?\b", re.IGNORECASE),
        re.compile(rf"\b(?:{'|'.join([_KOMMUN_ACTOR, *units['kommun']])})s?\b", re.IGNORECASE),
    )

JOINT = re.compile(
    r"\b(?:gemensamt?|gemensamma) ansvar|\bansvar(?:et)? är gemensamt|båda huvudmännen|"
    r"\b(?:respektive|varje|båda) (?:huvudman|part|parter)\b|\bhuvudmännen\b|\bparterna\b|"
    rf"\b(?:både )?(?:{_KOMMUN_ACTOR})(?:,| och| samt| liksom) (?:\w+ )?(?:{_REGION_ACTOR})\b|"
    rf"\b(?:både )?(?:{_REGION_ACTOR})(?:,| och| samt| liksom) (?:\w+ )?(?:{_KOMMUN_ACTOR})\b|"
    r"(?<!Sveriges )\bkommun(?:er|erna)? (?:och|eller) region(?:en|er|erna)?\b",
    re.IGNORECASE,
)
# "utfärdas av primärvård", "tillhör psykiatrin": the doer comes after the verb.
AGENT = re.compile(
    r"\b(?:tillhör|ligger (?:hos|på)|(?:utförs|utfärdas|görs|ges|erbjuds|sköts|bedrivs|"
    r"ordnas|beslutas|bekostas|betalas|finansieras) (?:av|inom|hos)|sker (?:inom|hos|av)|"
    r"(?:avgörs|avgöras|prövas|prövar) (?:av|i|hos)|"
    r"är en uppgift för|åligger|(?:stöd|insatser|hjälp|bistånd|behandling) från)\s+"
    r"(?:den |det |de )?",
    re.IGNORECASE,
)
# Words that give a duty: "ansvarar för", "ska", "erbjuder", "bekostar" …
DUTY = re.compile(
    r"\b(?:ansvar\w*|ska|skall|svarar för|skyldig\w*|erbjud\w*|tillhandahåll\w*|beslutar|"
    r"kallar|betalar|bekostar|står för|utför\w*|har hand om|ordnar|bedriver|initierar|"
    r"uppdrag\w*|åtagande\w*|vårdåtagande\w*|uppgift\w*|beslut\w*|samordna\w*)\b",
    re.IGNORECASE,
)
# The parties as questions name them: "soc", "vården", "kommun eller region".
QUESTION_ACTOR = re.compile(
    r"\b(?:region(?:en)?s?|regioner(?:na)?|landstinget|kommun(?:en|er|erna)?s?|soc|"
    r"socialtjänst(?:en)?s?|socialnämnden|(?:hälso- och )?sjukvården|vården|huvudm[aä]n\w*)\b",
    re.IGNORECASE,
)
# A question about who does, pays, decides or calls: its answer names a party.
RESPONSIBILITY_QUESTION = re.compile(
    r"\b(?:vem|vems|vilken huvudman|vilka huvudmän|vilka (?:ska|som)|ansvar\w*|betala\w*|"
    r"bekosta\w*|kalla\w*|"
    r"ska (?:soc|socialtjänsten|kommunen|regionen|psykiatrin)|eller (?:regionen|kommunen|"
    r"psykiatrin|soc|socialtjänsten)|huvudman|står för|ordna\w*|skyldig\w*|roll|uppgift\w*|"
    r"uppdrag\w*|sak|var sker|vilken verksamhet|vilka verksamheter|sköter|erbjud\w*|"
    r"soc|psyk\w*|vården|kommun\w*|region\w*|habiliteringen|primärvården|vårdcentral\w*)\b",
    re.IGNORECASE,
)


def party_of(sentence: Sentence, trail: tuple[str, ...]) -> Responsible | None:
    """Who the sentence makes responsible: its list lead-in, else itself, else its headings.

    The lead-in comes first: under "Insatser som regionen ansvarar för:" the item
    "anmäla till socialtjänsten …" is the region's duty, whoever else it names.
    """
    party = _party_in(sentence.lead_in) if sentence.lead_in else None
    if party is None:
        party = _party_in(plain(Sentence(sentence.text, None)))
    if party is None and (ITEM.match(sentence.text) or sentence.lead_in):
        # A heading like "3.2 Regionens ansvar" speaks for the list under it.
        for heading in reversed(trail):
            party = _heading_party(heading)
            if party:
                break
    if party is None and sentence.previous and _CONTINUES.match(sentence.text):
        party = _party_in(sentence.previous)
    return party


# "Exempelvis …", "Detta gäller …": a sentence that carries on from the one before it.
_CONTINUES = re.compile(
    r"(?:exempelvis|till exempel|t\.ex\.|detta|dessa|denna|där|här|även|också|"
    r"dessutom|därför|då)\b",
    re.IGNORECASE,
)


def _heading_party(heading: str) -> Responsible | None:
    """'3.2 Regionens ansvar' → region; 'Gemensamt ansvar …' → gemensamt."""
    if JOINT.search(heading) or re.search(r"\bgemensam", heading, re.IGNORECASE):
        return "gemensamt" if re.search(r"ansvar", heading, re.IGNORECASE) else None
    if not re.search(r"ansvar", heading, re.IGNORECASE):
        return None
    region_actor, kommun_actor = actor_patterns()
    region = region_actor.search(heading)
    kommun = kommun_actor.search(heading)
    if region and kommun:
        return "gemensamt"
    return "region" if region else "kommun" if kommun else None


def _party_in(text: str) -> Responsible | None:
    """The party a text makes responsible, when it names one as the doer.

    The first doer named wins: a sentence's subject ("Kommunalt drivna skolor har ett
    ansvar … på samma sätt som socialtjänsten och hälso- och sjukvården") outranks the
    parties it compares itself with. An actor after a preposition ("anmäla till
    socialtjänsten") is the one addressed, not the doer.
    """
    region_actor, kommun_actor = actor_patterns()
    found: list[tuple[int, int, Responsible]] = []
    for joint in JOINT.finditer(text):
        # "huvudmännen", "parterna" alone may be only the object ("RSS stödjer huvudmännen").
        if joint.group(0).lower() not in ("huvudmännen", "parterna") or _is_doer(
            text, joint.start(), joint.end()
        ):
            found.append((joint.start(), 0, "gemensamt"))
            break
    for agent in AGENT.finditer(text):
        after = text[agent.end() :]
        party: Responsible | None = (
            "region" if region_actor.match(after) else "kommun" if kommun_actor.match(after)
            else None
        )
        if party:
            found.append((agent.start(), 1, party))
            break
    for pattern, named in ((region_actor, "region"), (kommun_actor, "kommun")):
        for match in pattern.finditer(text):
            if _is_doer(text, match.start(), match.end()):
                found.append((match.start(), 2, named))  # type: ignore[arg-type]
                break
    # An actor that is neither ("Förvaltningsrätten beslutar …", "avgöras i allmän domstol",
    # "IVO … i sin tillsyn"), named in the actors file: the doer as well, when it is one.
    for mention in find_mentions(text):
        if mention.party != "annan":
            continue
        after_agent = any(  # "avgöras i allmän domstol": an adjective may come between
            a.end() <= mention.start and len(text[a.end() : mention.start].split()) <= 1
            for a in AGENT.finditer(text)
        )
        if after_agent or _is_doer(text, mention.start, mention.end):
            found.append((mention.start, 1 if after_agent else 2, "annan"))
            break
    return min(found)[2] if found else None


def _is_doer(text: str, start: int, end: int) -> bool:
    """Whether the actor at text[start:end] is the one who does something, not the one
    addressed."""
    condition = _CONDITION.match(text)
    if condition and start < condition.end():
        return False
    if _OBJECT.search(text, max(0, start - 40), start):
        return False
    after = text[end : end + 60]
    before = text[max(0, start - 40) : start]
    # The subject of the sentence ("Kommunen påkallar …") or of a clause ("… kan vara att
    # kommunen påkallar …").
    opening = start < 25 or _CLAUSE.search(text, 0, start) is not None
    subject = start < 60 or DUTY.search(after[:40]) is not None
    return opening or bool(subject and (DUTY.search(after) or DUTY.search(before)))


# "Får socialtjänsten kännedom om … skall kontakt tas med …", "Om kommunen misstänker …,
# ska …": the actor of an opening condition is not the one the sentence gives the duty to.
# The condition ends at its comma or where the main clause's "ska" begins.
_CONDITION = re.compile(
    r"(?:om|när|får|ifall)\b.{0,200}?(?:,|(?=\s(?:ska|skall|bör|måste)\b))", re.IGNORECASE
)
_CLAUSE = re.compile(r"\b(?:att|där|som)\s+(?:den |det |de )?$", re.IGNORECASE)
# "anmäla till socialtjänsten", "kontakt tas med hälso- och sjukvården": the actor is the
# one addressed, not the doer (a few words may come between: "med X eller kommunens Y").
_OBJECT = re.compile(r"\b(?:till|med|mot|åt)\s+(?:\w+\s+){0,3}$", re.IGNORECASE)


# "Vem …?", "Vilken huvudman …?": the question asks who, not whether or how.
_ASKS_WHO = re.compile(
    r"\b(?:vem|vems|vilken huvudman|vilka huvudmän|vilken verksamhet|vilka verksamheter)\b",
    re.IGNORECASE,
)


def asks_who(question: str) -> bool:
    """Whether the question asks who does it ("Vem …?", "kommunen eller regionen?")."""
    return bool(_ASKS_WHO.search(question)) or offers_choice(question)


def offers_choice(question: str) -> bool:
    """Whether the question asks which of the two ("kommunen eller regionen?")."""
    named = {_party_word(m.group(0)) for m in QUESTION_ACTOR.finditer(question)}
    return {"kommun", "region"} <= named and " eller " in question


def _party_word(word: str) -> Responsible:
    return "kommun" if word.lower().startswith(("kommun", "soc")) else "region"


# "En klient hos soc …", "Jag jobbar på socialtjänsten …": where the asker stands.
_WHERE = re.compile(r"\b(?:hos|på|inom|vid)\s+(?:den |det )?$", re.IGNORECASE)


def party_asked_of(question: str) -> Responsible | None:
    """The one party a question asks about ("Vad är kommunens roll …?"), if it names one."""
    region_actor, _ = actor_patterns()
    named: set[Responsible] = set()
    for pattern in (region_actor, QUESTION_ACTOR):
        for match in pattern.finditer(question):
            if _WHERE.search(question, 0, match.start()):
                continue
            word = match.group(0).lower()
            if word.startswith("huvudm"):
                return None  # "vilken huvudman": the question names no one
            named.add("region" if pattern is region_actor else _party_word(word))
    return named.pop() if len(named) == 1 else None
