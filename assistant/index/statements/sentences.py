"""Sentences: a block's text cut into sentences and words, and a quote made running text.

Sentences are not cut at abbreviations ("t.ex.", "14 kap.") and are cut where a PDF lost a
full stop (a law reference or a footnote number before a capital). Words inside parentheses
are masked: an aside is nobody's duty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index.statements.grammar import _WORD

_FOOTNOTE_MARK = re.compile(r"(?<=[^\W\d_])\d{1,3}(?=[\s.,;:]|$)|(?<=[.,;:)”])\d{1,3}(?=\s|$)")


_SENTENCE_END = re.compile(
    r"[.!?](?:[”\"')]*)(?:\d{1,3})?\s+(?=[”\"(]?[A-ZÅÄÖ0-9])"
    # "… hjälpmedel (HSL 2017:30) För att …": a law reference ends a sentence whose full
    # stop the PDF lost.
    r"|(?<=\))(?<=\d\))\s+(?=[A-ZÅÄÖ][a-zåäö])"
)


# A footnote number glued to the last word of a sentence whose full stop was lost:
# "… bosatt inom regionen30 Med hälso- och sjukvård avses …".
_LOST_STOP = re.compile(r"(?<=[a-zåäö])\d{1,3}\s+(?=[A-ZÅÄÖ][a-zåäö])")


_ABBREVIATION = re.compile(
    r"(?:\b(?:t\.ex|bl\.a|m\.m|m\.fl|d\.v\.s|dvs|kap|s|nr|ca|jfr|resp|inkl|exkl|st|p|osv|"
    r"o\.s\.v|enl|ang|f\.d|t\.o\.m|fr\.o\.m|prop|ex|mm|jml|mfl|iom|pga|sk|s\.k)\.)$",
    re.IGNORECASE,
)


_ITEM_MARKER = re.compile(r"^\s*(?:[•–-]\s+|\d{1,2}[.)]\s+|[a-h]\)\s+)")


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end] as spans, not split at "t.ex." or "14 kap."."""
    spans: list[tuple[int, int]] = []
    at = start
    chunk = text[start:end]
    breaks = sorted(
        [(m.start(), m.end(), True) for m in _SENTENCE_END.finditer(chunk)]
        + [(m.start(), m.end(), False) for m in _LOST_STOP.finditer(chunk)]
    )
    for b_start, b_end, has_stop in breaks:
        head = text[at : start + b_start + (1 if has_stop else 0)]
        last_word = head.rsplit(" ", 1)[-1]
        if has_stop and _ABBREVIATION.search(last_word):
            continue
        if has_stop and re.search(r"\d\.$", head) and re.match(r"\d", chunk[b_end - 1 : b_end + 1]):
            continue
        sentence_end = start + b_end
        stripped = text[at:sentence_end].rstrip()
        if stripped:
            spans.append((at, at + len(stripped)))
        at = sentence_end
    tail = text[at:end].rstrip()
    if tail.strip():
        spans.append((at, at + len(tail)))
    return [(a + (len(text[a:b]) - len(text[a:b].lstrip())), b) for a, b in spans]


@dataclass(frozen=True)
class _Tok:
    text: str
    low: str
    start: int  # in the document text
    end: int


def _masked(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of parenthesised asides in text[start:end]: they are read as nobody's duty
    ("(de olika delarna inom hälso- och sjukvården har här olika ansvar …)")."""
    spans: list[tuple[int, int]] = []
    depth, opened = 0, 0
    for k in range(start, end):
        ch = text[k]
        if ch == "(":
            if depth == 0:
                opened = k
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, k + 1))
    return spans


def _tokens(text: str, start: int, end: int) -> list[_Tok]:
    asides = _masked(text, start, end)
    return [
        _Tok(m.group(0), m.group(0).lower(), m.start(), m.end())
        for m in _WORD.finditer(text, start, end)
        if not any(a <= m.start() < b for a, b in asides)
    ]


def _clean(text: str) -> str:
    """A quote as running text: bullets and footnote numbers dropped, spaces single."""
    text = _ITEM_MARKER.sub("", text)
    text = _FOOTNOTE_MARK.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def _sentence(text: str) -> str:
    """Text as a sentence for display: capital first, full stop last."""
    text = _clean(text).strip(" :;,–")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")", "”")) else text + "."
