"""Quotable units of a passage: sentences and list items, each with its list's lead-in.

The agreements are PDF extractions: lists lose their lead-in when a passage is cut, full
stops go missing after law references, and abbreviations ("t.ex.", "kap.") look like
sentence ends. `split_sentences` gives the units an answer may quote, exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Chunk

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:t\.ex|bl\.a|m\.m|m\.fl|d\.v\.s|dvs|kap|s|nr|ca|jfr|resp|inkl|exkl|st|p|osv|o\.s\.v|"
    r"enl|ang|f\.d|t\.o\.m|fr\.o\.m|prop|SFS|SOU)\.)$",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"(])|(?<=\))\s+(?=[A-ZÅÄÖ][a-zåäö])")
# "… hjälpmedel (HSL 2017:30) För att …": a reference to a law ends a sentence whose
# full stop was lost in the PDF.
_LAW_REFERENCE = re.compile(r"\([^()]*(?:\d|§)[^()]*\)$")
ITEM = re.compile(r"^(?:• |\d{1,2}[.)] |[a-h]\) )")
_SUB_ITEM = re.compile(r"^\s+– ")
# "Regionen ansvarar för:", "1 § Socialnämnden ska…": a line that opens a list.
_LEADS = (":", "…")
SENTENCE_END_MARK = re.compile(r"[.!?:]['’”)]*\s*$")


@dataclass(frozen=True)
class Sentence:
    """A quotable unit of a passage: a sentence, or a list item with its sub-items."""

    text: str  # exactly as in the passage (for highlighting)
    lead_in: str | None  # the line that introduces the list it belongs to
    previous: str | None = None  # the sentence before it in the same paragraph



def split_sentences(body: str, lead_in: str | None = None) -> list[Sentence]:
    """Sentences and list items of a passage, each with the lead-in of its list (`lead_in`:
    that of the list the passage was cut from)."""
    return list(_split(body, lead_in))


def sentences_of(chunk: Chunk) -> list[Sentence]:
    """The sentences and list items of a passage."""
    return split_sentences(chunk.body, chunk.lead_in)


def _split(body: str, lead_in: str | None) -> tuple[Sentence, ...]:
    units: list[Sentence] = []
    current_lead = lead_in
    for paragraph in body.split("\n\n"):
        lines = paragraph.split("\n")
        if not any(ITEM.match(ln) for ln in lines):
            previous: str | None = None
            for sentence in _sentences(" ".join(ln.strip() for ln in lines)):
                units.append(Sentence(sentence, None, previous))
                previous = sentence
            current_lead = paragraph.strip() if paragraph.rstrip().endswith(_LEADS) else None
            continue
        item: list[str] = []
        for line in lines:
            if _SUB_ITEM.match(line) and item:
                item.append(line)
                continue
            if item:
                units.append(Sentence("\n".join(item), current_lead))
            item = [line]
            if not ITEM.match(line):  # a lead-in line inside the paragraph
                units.append(Sentence(line, None))
                current_lead = line.strip() if line.rstrip().endswith(_LEADS) else current_lead
                item = []
        if item:
            units.append(Sentence("\n".join(item), current_lead))
    return tuple(u for u in units if u.text.strip())


def _sentences(text: str) -> list[str]:
    """Split running text into sentences, not at abbreviations like "t.ex." or "kap."."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        head = text[start : match.start()]
        if _ABBREVIATIONS.search(head.split(" ")[-1] if head else ""):
            continue
        if head.endswith(")") and not _LAW_REFERENCE.search(head):
            continue
        out.append(head.strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def plain(sentence: Sentence) -> str:
    """A quotable unit as running text: bullets dropped, sub-items joined with commas."""
    lines = [re.sub(r"^\s*(?:• |– )", "", ln).strip() for ln in sentence.text.split("\n")]
    text = lines[0] + (" " + ", ".join(lines[1:]) if len(lines) > 1 else "")
    if sentence.lead_in:
        lead = sentence.lead_in.rstrip()
        first = text[:1] if text[1:2].isupper() else text[:1].lower()  # "LARO" stays
        text = f"{lead} {first}{text[1:]}"
    return text


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote is in the text, ignoring differences in white space."""
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (match.start(), match.end()) if match else None
