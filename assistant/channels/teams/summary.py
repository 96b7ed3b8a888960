"""What a Teams reply says at a glance (pure, plain text): the party per region, the
warnings' short forms, the sources by their short titles.

It reads an answer the way the chat widget does (`assistant/static/widget.js`: `partyLines`,
`WARNING_LINES`), so staff see the same lines in both: "Regionen ansvarar · Dalarna",
"Delat: kommunen / regionen · Värmland", "Annan: Statens institutionsstyrelse · Västmanland",
"Frågan nämner ingen region". `replies` turns them into the message's Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.models import Answer, Citation

PARTIES = ("kommun", "region", "gemensamt", "annan")
NATIONAL = "Nationell vägledning"
OTHER_ACTOR = "annan aktör"
MAX_WARNING_CHARS = 90  # one short form, for an unknown wording cut to its first sentence


@dataclass(frozen=True)
class PartyLine:
    """Who is responsible in some regions ("Regionen ansvarar" · Dalarna, Värmland); `label`
    is "Gäller" for regions the answer covers when it names no party at all, "Oklart vem" for
    regions it covers without a party beside others that have one."""

    label: str
    regions: tuple[str, ...]
    party: str | None  # kommun | region | gemensamt | annan; None for the two lines above


def joined_names(names: Sequence[str]) -> str:
    """`Dalarna`, `Dalarna och Värmland`, `Dalarna, Värmland och Västmanland`."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} och {names[-1]}"


def party_label(parties: set[str], others: Sequence[str]) -> tuple[str, str]:
    """What a set of parties in one region comes to: (party, label)."""
    named = ", ".join(others) or OTHER_ACTOR
    if parties == {"region"}:
        return "region", "Regionen ansvarar"
    if parties == {"kommun"}:
        return "kommun", "Kommunen ansvarar"
    if parties == {"gemensamt"}:
        return "gemensamt", "Gemensamt ansvar"
    if parties == {"annan"}:
        return "annan", f"Annan: {named}"
    parts = []
    if parties & {"kommun", "gemensamt"}:
        parts.append("kommunen")
    if parties & {"region", "gemensamt"}:
        parts.append("regionen")
    if "annan" in parties:
        parts.extend(others or [OTHER_ACTOR])
    return "gemensamt", "Delat: " + " / ".join(parts)


def party_lines(answer: Answer) -> list[PartyLine]:
    """The answer's party lines, from its `responsibilities` (one per region and party;
    regions with the same party share a line), else from `responsible` over its regions;
    a region the answer covers that no line names gets an "Oklart vem" line, or "Gäller" if
    no line names a party. None for a decline."""
    if answer.status == "no_support":
        return []
    regions = list(answer.regions) or ([answer.region] if answer.region else [])
    by_region: dict[str, tuple[set[str], list[str]]] = {}
    for r in answer.responsibilities:
        if r.polarity == "not" or r.party not in PARTIES:  # a "not" never names its actor
            continue
        parties, others = by_region.setdefault(r.region or NATIONAL, (set(), []))
        parties.add(r.party)
        actor = " ".join(r.actor.split())
        if r.party == "annan" and actor and actor not in others:
            others.append(actor)
    if not by_region and answer.responsible in PARTIES and answer.responsible != "annan":
        for where in regions or [""]:
            by_region[where] = ({answer.responsible}, [])
    order = regions + [r for r in by_region if r not in regions]
    lines: list[PartyLine] = []
    for where in order:
        if where not in by_region:
            continue
        party, label = party_label(*by_region[where])
        same = next((i for i, line in enumerate(lines) if line.label == label), None)
        if same is None:
            lines.append(PartyLine(label, (where,) if where else (), party))
        elif where:
            lines[same] = PartyLine(label, (*lines[same].regions, where), party)
    named = {r for line in lines for r in line.regions}
    rest = tuple(r for r in regions if r not in named)
    if rest:
        lines.append(PartyLine("Oklart vem" if lines else "Gäller", rest, None))
    return lines


# The service's warnings are sentences (answer/compose.py, answer/validity.py,
# matrix/export.py, answer/generation.py); each becomes (subject, short form). A subject is
# the agreement's short title, so two notes on one agreement share it ("gick ut …, förslag").
_Short = Callable[[re.Match[str]], tuple[str | None, str]]
_AGREEMENT = r"(?:Överenskommelsen för .+? \(”(?P<title>[^”]*)”\)|Vägledningen ”(?P<guide>[^”]*)”)"
WARNING_FORMS: tuple[tuple[re.Pattern[str], _Short], ...] = (
    (re.compile(r"^Frågan nämner ingen region\."), lambda m: (None, "Frågan nämner ingen region")),
    (
        re.compile(r"^Svaret skiljer sig mellan regioner\."),
        lambda m: (None, "Skiljer sig mellan regioner"),
    ),
    (
        re.compile(r"^Svaret gäller flera regioner:"),
        lambda m: (None, "Samma ansvar i flera regioner"),
    ),
    (
        re.compile(_AGREEMENT + r" gällde till och med (?P<day>\d{4}-\d{2}-\d{2}); "
                   r"giltighetstiden har gått ut\."),
        lambda m: (m["title"] or m["guide"], f"gick ut {m['day']}"),
    ),
    (
        re.compile(_AGREEMENT + r" är märkt som förslag"),
        lambda m: (m["title"] or m["guide"], "förslag, ej beslutad"),
    ),
    (
        re.compile(r"^Frågan nämner (?P<named>.+?), så svaret gäller (?P=named) och inte "
                   r"(?P<chosen>.+?), som är vald"),
        lambda m: (None, f"Svaret gäller {m['named']}, inte {m['chosen']}"),
    ),
    (
        re.compile(r"^Överenskommelserna i (?P<region>.+?) säger olika om insatsen "
                   r"(?P<matter>.+?) \("),
        lambda m: (None, f"{m['region']}: avtalen säger olika om {m['matter']}"),
    ),
    (
        re.compile(r"^Svaret är formulerat av en språkmodell"),
        lambda m: (None, "Formulerat av en språkmodell"),
    ),
)
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")
_QUOTED_TITLE = re.compile(r"\s*\(”[^”]*”\)")


def warning_form(text: str) -> tuple[str | None, str]:
    """One warning as (the agreement it is about or None, its short form)."""
    text = " ".join(text.split())
    for pattern, short in WARNING_FORMS:
        found = pattern.match(text)
        if found:
            return short(found)
    # Unknown wording: its first sentence, any quoted title left out.
    first = _QUOTED_TITLE.sub("", _FIRST_SENTENCE.split(text)[0]).rstrip(".")
    return None, shorten(first, MAX_WARNING_CHARS)


def warning_forms(warnings: Iterable[str]) -> list[str]:
    """The warnings' short forms, in order, one per concern: the notes on one agreement
    joined after its short title ("Dalarna – psykisk funktionsnedsättning 2021: gick ut
    2024-07-01, förslag, ej beslutad"), a form said twice said once."""
    order: list[str | None] = []
    said: dict[str | None, list[str]] = {}
    plain: list[str] = []
    for text in warnings:
        subject, form = warning_form(text)
        if subject is None:
            if form not in plain:
                plain.append(form)
                order.append(None)
            continue
        if subject not in said:
            said[subject] = []
            order.append(subject)
        if form not in said[subject]:
            said[subject].append(form)
    forms: list[str] = []
    unnamed = iter(plain)
    for subject in order:
        forms.append(next(unnamed) if subject is None else f"{subject}: {', '.join(said[subject])}")
    return forms


def source_name(citation: Citation) -> str:
    """What names a citation's agreement: its short title (its title if it has none)."""
    return " ".join((citation.short_title or citation.title).split())


def sources_by_agreement(citations: Iterable[Citation]) -> list[tuple[str, list[int]]]:
    """The citations' numbers grouped by agreement, in the order they come:
    [("Dalarna – missbruk och beroende 2021", [1, 3]), …]."""
    groups: dict[str, list[int]] = {}
    for citation in citations:
        groups.setdefault(source_name(citation), []).append(citation.n)
    return list(groups.items())


def shorten(text: str, limit: int) -> str:
    """The text cut at a word boundary to at most `limit` characters, with `…` if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-") + "…"
