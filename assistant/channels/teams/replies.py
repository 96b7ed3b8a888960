"""What the bot sends (pure): the reply to an answer with Teams' citation entity, and the
texts of help, welcome and region commands, all within Teams' limits.

An answer's reply reads top down as staff need it (issue 23): the party per region on the
first line(s) ("**Regionen ansvarar** · Dalarna"), then the answer with its `[n]` markers,
then ONE line of warnings in their short forms ("⚠️ Frågan nämner ingen region · Dalarna –
missbruk och beroende 2021: gick ut 2024-06-30"; the full notes are in the API and the
widget), then the sources by their agreements' short titles. `summary` says what the lines
are, the same way the chat widget reads an answer; this module writes them as Markdown.

Markdown, not an Adaptive Card: Teams' in-text citations (each `[n]` a pill that opens the
source's short title, quoted sentence and link), the reference list under the message, the AI
label and the feedback buttons are features of a text message with the schema.org Message
entity; in a card the `[n]` would be plain text and the sources card elements of our own.
A text message wraps to a phone's width and follows the user's font size, while card
rendering and Markdown in cards differ between the desktop and mobile clients; and the
reply is five or six short lines, which a card would only frame and pad. Where a client does
not show the citation entity, the sources line still names each agreement.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from assistant.channels.teams.summary import (
    joined_names,
    party_lines,
    shorten,
    source_name,
    sources_by_agreement,
    warning_forms,
)
from assistant.models import SECTION_SEPARATOR, Answer, Citation
from assistant.search.regions import fold, mentions
from assistant.text import MAX_QUESTION_CHARS

# Teams' documented limits for citations: name ≤ 80, abstract ≤ 160 characters, at most
# 3 keywords of ≤ 28 characters. At most 10 citations keeps the reference list readable.
MAX_CITATIONS = 10
MAX_CITATION_NAME = 80
MAX_CITATION_ABSTRACT = 160
MIN_SECTION_CHARS = 12  # of the heading after a short title in a citation name
MAX_KEYWORDS = 3
MAX_KEYWORD_CHARS = 28
# Teams rejects a message over 40 KB (older documentation; newer says 100 KB), counted as
# UTF-16 over the whole payload. The text caps keep a message readable on a phone too.
MAX_MESSAGE_BYTES_UTF16 = 40_000
MAX_ANSWER_CHARS = 3000
MAX_TEXT_CHARS = 4000
MAX_ECHO_CHARS = 60  # of a user's text repeated in a reply
# CommonMark lets a backslash escape exactly the ASCII punctuation; escaped, none of it is
# markup, and a URL or address with escaped ':', '.', '@' is no longer linked automatically.
_MARKDOWN_PUNCTUATION = frozenset(string.punctuation)
# What makes markup inline (emphasis, code, links, HTML, tables); the rest of the
# punctuation in a date, a section number or "Annan: …" is only text there.
_INLINE_MARKUP = frozenset("\\`*_[]<>~|#")
# A word Teams could turn into a link by itself: an address, a mail or a domain.
_LINKABLE = re.compile(r"\S*(?:://|@|www\.|[A-Za-zÅÄÖåäö]\.[A-Za-zÅÄÖåäö])\S*")

CHOSEN_NOTE = " (vald i samtalet)"
WARNING_MARK = "⚠️ "
FORM_SEPARATOR = " · "


WELCOME_TEXT = (
    "Hej! Jag svarar på frågor om samverkansöverenskommelserna mellan kommuner och "
    "regioner om psykisk ohälsa, psykisk funktionsnedsättning och beroende – bara utifrån "
    "avtalstexterna, och jag visar alltid vilka avsnitt svaret bygger på.\n\n"
    "Skriv en fråga, till exempel *Vem ansvarar för abstinensvård i Värmland?*, "
    "eller **hjälp** för att se vad jag kan."
)
APOLOGY_TEXT = "Något gick fel när frågan skulle besvaras. Försök igen om en stund."
NO_ANSWER_TEXT = "Jag hittar inget svar på frågan i överenskommelserna."
PRIVACY_NOTE = "Skriv inga personuppgifter (namn, personnummer) i frågor eller kommentarer."


def list_regions(regions: Sequence[str]) -> str:
    """`Dalarna, Värmland och Västmanland`."""
    names = sorted(regions, key=fold)
    if not names:
        return "inga"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " och " + names[-1]


def genitive(name: str) -> str:
    """Swedish genitive of a place name: Dalarna → Dalarnas, Västmanland → Västmanlands."""
    return name if name.endswith(("s", "x", "z")) else name + "s"


def help_text(regions: Sequence[str], current: str | None) -> str:
    """How to use the bot, with the regions on offer and the conversation's choice."""
    chosen = (
        f"Just nu svarar jag utifrån **{genitive(current)}** överenskommelser i det här samtalet."
        if current
        else "Just nu är ingen region vald i det här samtalet."
    )
    return (
        "Jag svarar på frågor om samverkansöverenskommelserna – bara utifrån avtalstexterna. "
        "Varje svar visar vem som ansvarar och vilka avsnitt svaret bygger på; klicka på en "
        "hänvisning som [1] för att läsa stycket.\n\n"
        "- Skriv en fråga, t.ex. *Vem kallar till SIP i Dalarna?*\n"
        f"- **region <namn>** – svara utifrån en regions överenskommelser i det här samtalet. "
        f"Regioner: {list_regions(regions)}.\n"
        "- **region alla** – ta bort valet och sök i alla överenskommelser.\n"
        "- **hjälp** – visa den här texten.\n\n"
        f"{chosen} Nämner du en region i frågan gäller den före valet.\n\n"
        "Tumme upp eller ner under ett svar hjälper oss att förbättra tjänsten. "
        f"{PRIVACY_NOTE}"
    )


def region_chosen_text(region: str) -> str:
    """Confirmation of `region <namn>`."""
    return (
        f"Jag svarar nu utifrån **{genitive(region)}** överenskommelser i det här samtalet. "
        "Nämner du en annan region i en fråga gäller den. Skriv **region alla** för att ta "
        "bort valet."
    )


def question_too_long_text(length: int) -> str:
    """Reply to a question over the API's length limit."""
    return (
        f"Frågan är för lång ({length} tecken); skriv den med högst {MAX_QUESTION_CHARS} "
        "tecken."
    )


def region_cleared_text() -> str:
    """Confirmation of `region alla`."""
    return "Ingen region är vald längre – jag söker i alla överenskommelser."


def escape_markdown(text: str) -> str:
    """The text with every ASCII punctuation character backslash-escaped, so that a user's
    words repeated in a reply are shown as written: no link, emphasis, markup or autolink."""
    return "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in text)


def escape_shown(text: str) -> str:
    """The service's own words (short titles, regions, actors, warnings' short forms) safe in
    Markdown but readable: markup characters escaped, and any word that could become a link
    escaped whole, as a user's words are; "2024-06-30" and "Annan: SiS" stay as they are."""
    out = []
    last = 0
    for found in _LINKABLE.finditer(text):
        out.append(_escape_markup(text[last : found.start()]))
        out.append(escape_markdown(found.group(0)))
        last = found.end()
    out.append(_escape_markup(text[last:]))
    return "".join(out)


def _escape_markup(text: str) -> str:
    return "".join("\\" + ch if ch in _INLINE_MARKUP else ch for ch in text)


def escape_places(text: str, question: str) -> str:
    """The text with the places the user named in `question`, where it repeats them as
    written (a decline for a place without an agreement), escaped and on one line."""
    for words, _ in sorted(mentions(question), key=lambda m: -len(m[0])):
        written = words.strip()
        # A place name as matched can hold '_' (värmländsk_…) and line breaks with '-'.
        safe = escape_markdown(" ".join(written.split()))
        if safe != written:
            text = text.replace(written, safe)
    return text


def region_unknown_text(argument: str, regions: Sequence[str], current: str | None) -> str:
    """Reply to `region` with no or an unknown name: which regions exist."""
    # The argument is the user's own text: escaped, it cannot put a link in the bot's mouth.
    echoed = escape_markdown(shorten(argument, MAX_ECHO_CHARS))
    lead = (
        f"Jag har ingen överenskommelse för ”{echoed}”."
        if argument
        else (
            f"Vald region i det här samtalet: **{current}**."
            if current
            else "Ingen region är vald i det här samtalet."
        )
    )
    return (
        f"{lead} Regioner med överenskommelser: {list_regions(regions)}. "
        "Skriv till exempel **region Dalarna**, eller **region alla** för att ta bort valet."
    )


_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_WITH_SPACE = re.compile(r"[ \t]*\[(\d+)\]")


def absolute_url(url: str, base_url: str) -> str:
    """A citation link made absolute against the public base URL."""
    if urlsplit(url).scheme in {"http", "https"}:
        return url
    return base_url.rstrip("/") + "/" + url.lstrip("/")


def citation_name(citation: Citation) -> str:
    """`<short title> · <section>, s. <page>`, within Teams' 80 characters: the short title
    whole (it is what tells the agreements apart), the heading in the room left."""
    name = shorten(source_name(citation), MAX_CITATION_NAME - MIN_SECTION_CHARS)
    section = citation.section.split(SECTION_SEPARATOR)[-1].strip() if citation.section else ""
    page = f", s. {citation.page}" if citation.page else ""
    room = MAX_CITATION_NAME - len(name) - len(FORM_SEPARATOR) - len(page)
    if section and room >= MIN_SECTION_CHARS // 2:
        name += FORM_SEPARATOR + shorten(section, room)
    return (name + page)[:MAX_CITATION_NAME]


def citation_keywords(citation: Citation) -> list[str]:
    """Short tags Teams shows with a citation: the region and the page."""
    words = [citation.region or "Nationell vägledning"]
    if citation.page:
        words.append(f"sida {citation.page}")
    return [w[:MAX_KEYWORD_CHARS] for w in words][:MAX_KEYWORDS]


def citation_claim(citation: Citation, base_url: str) -> dict[str, Any]:
    """One Teams citation (`Claim`): name, the quoted sentence as abstract, the passage link."""
    abstract = citation.quote.strip() or citation.text
    return {
        "@type": "Claim",
        "position": citation.n,
        "appearance": {
            "@type": "DigitalDocument",
            "name": citation_name(citation),
            "abstract": shorten(abstract, MAX_CITATION_ABSTRACT),
            "url": absolute_url(citation.url, base_url),
            "keywords": citation_keywords(citation),
        },
    }


def renumber_text(text: str, kept: set[int]) -> str:
    """The text without markers that point at no kept citation."""
    return _MARKER_WITH_SPACE.sub(
        lambda m: m.group(0) if int(m.group(1)) in kept else "", text
    ).strip()


def party_text(answer: Answer, remembered_region: str | None) -> str:
    """The reply's first lines: who is responsible, one line per region and party
    ("**Regionen ansvarar** · Dalarna"), the conversation's chosen region marked; "" for a
    decline or an answer that covers no region and names no party."""
    lines = []
    for line in party_lines(answer):
        names = [
            escape_shown(r) + (CHOSEN_NOTE if r == remembered_region else "")
            for r in line.regions
        ]
        label = f"**{escape_shown(line.label)}**" if line.party else f"{line.label}:"
        where = joined_names(names)
        lines.append(f"{label} · {where}" if where and line.party else f"{label} {where}".strip())
    return "\n".join(lines)


def warnings_text(answer: Answer) -> str:
    """ONE line of warnings, their short forms joined ("⚠️ Frågan nämner ingen region ·
    Dalarna – missbruk och beroende 2021: gick ut 2024-06-30"); "" without warnings."""
    forms = warning_forms(answer.warnings)
    return WARNING_MARK + FORM_SEPARATOR.join(escape_shown(f) for f in forms) if forms else ""


def sources_text(answer: Answer, kept: Sequence[Citation], used: set[int]) -> str:
    """The sources by their agreements' short titles, those the answer cites first
    ("Källor: Dalarna – missbruk och beroende 2021 [1] [3] · …"), the rest as numbers."""
    def named(citations: Sequence[Citation]) -> str:
        return FORM_SEPARATOR.join(
            f"{escape_shown(name)} {' '.join(f'[{n}]' for n in numbers)}"
            for name, numbers in sources_by_agreement(citations)
        )

    if answer.status == "no_support":
        return f"Närmast liknande avsnitt – de besvarar inte frågan: {named(kept)}" if kept else ""
    cited = [c for c in kept if c.n in used] or list(kept[:1])
    rest = " ".join(f"[{c.n}]" for c in kept if c not in cited)
    lines = [f"Källor: {named(cited)}"] if cited else []
    if rest:
        lines.append(f"Fler avsnitt: {rest}")
    return "\n".join(lines)


def answer_text(answer: Answer, kept: Sequence[Citation], remembered_region: str | None) -> str:
    """The reply's Markdown: the party first, the answer with [n] markers, one line of
    warnings, the sources by short title."""
    numbers = {c.n for c in kept}
    body = renumber_text(escape_places(answer.text, answer.question), numbers) or NO_ANSWER_TEXT
    body = shorten_keeping_lines(body, MAX_ANSWER_CHARS)
    used = {int(n) for n in _MARKER.findall(body)}
    blocks = [
        party_text(answer, remembered_region),
        body,
        warnings_text(answer),
        sources_text(answer, kept, used),
    ]
    return "\n\n".join(b for b in blocks if b)


def shorten_keeping_lines(text: str, limit: int) -> str:
    """Like `shorten`, but keeps the text's line breaks (lists in an answer)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-\n") + " …"


def answer_reply(
    answer: Answer, base_url: str, *, remembered_region: str | None = None
) -> dict[str, Any]:
    """The Teams reply to an answer, as activity JSON: text, citation entity, AI label,
    feedback buttons; within Teams' limits."""
    kept = sorted(answer.citations, key=lambda c: c.n)[:MAX_CITATIONS]
    while True:
        payload = {
            "type": "message",
            "textFormat": "markdown",
            "text": shorten_keeping_lines(
                answer_text(answer, kept, remembered_region), MAX_TEXT_CHARS
            ),
            "entities": [
                {
                    "type": "https://schema.org/Message",
                    "@type": "Message",
                    "@context": "https://schema.org",
                    # The AI label; Teams shows "AI generated" next to the bot's name.
                    "additionalType": ["AIGeneratedContent"],
                    "citation": [citation_claim(c, base_url) for c in kept],
                }
            ],
            # Thumbs up/down under the message; a click arrives as message/submitAction.
            # Teams rejects a message with both this and the older feedbackLoopEnabled.
            "channelData": {"feedbackLoop": {"type": "default"}},
        }
        if not kept or payload_size(payload) <= MAX_MESSAGE_BYTES_UTF16:
            return payload
        kept = kept[:-1]


def text_reply(text: str) -> dict[str, Any]:
    """A plain bot message (help, welcome, region confirmations): no AI label, no feedback."""
    return {"type": "message", "textFormat": "markdown", "text": text[:MAX_TEXT_CHARS]}


def payload_size(payload: dict[str, Any]) -> int:
    """Bytes of the payload as UTF-16, the way Teams counts its message size limit."""
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-16-le"))
