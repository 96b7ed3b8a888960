"""Optional generated answers: a chat model rewrites the answer from the cited passages only.

Off unless `settings.llm_url` points at an OpenAI-compatible chat endpoint (vLLM, Ollama,
llama.cpp server …) in the organisation's own network. The model sees the numbered passages
the extractive answer already cites and must mark every claim with `[n]`. A reply is used
only when it passes the checks below; otherwise the extractive answer stands unchanged, so
the language model can make an answer read better but never make it less grounded:

- the endpoint answers in time with a non-empty, complete reply;
- the reply looks Swedish and does not say that the passages do not answer;
- every `[…]` is a marker of passage numbers, each within 1..number of passages;
- every sentence with content (headings, list lead-ins and bullet glyphs aside) has a marker;
- no sentence cites agreements of two regions, and the lines after "I <region>:" cite only
  that region's agreement (or national guidance): regions are never blended.

This is the only module that talks to the chat endpoint, and the only one importing httpx.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx

from assistant.answer.language import looks_swedish
from assistant.models import Answer, Citation
from assistant.redaction import redact
from assistant.search.retrieval import Retrieval
from assistant.settings import Settings

log = logging.getLogger("assistant.generation")


class _EndpointError(Exception):
    """The chat endpoint failed, timed out or answered in an unusable shape (never leaves)."""


GENERATED_WARNING = "Svaret är formulerat av en språkmodell utifrån de citerade avsnitten."
NO_ANSWER = "Underlaget besvarar inte frågan."

SYSTEM_PROMPT = f"""\
Du besvarar frågor från personal inom socialtjänst och hälso- och sjukvård om \
samverkansöverenskommelser mellan kommuner och regioner.

Regler:
1. Svara enbart utifrån de numrerade avsnitten i meddelandet. Använd ingen annan kunskap och \
gissa aldrig.
2. Varje mening som påstår något ska ha en hänvisning till avsnittet den bygger på, skriven \
som [n] där n är avsnittets nummer, till exempel "Regionen ansvarar för abstinensvård [1]." \
Hänvisa bara till nummer som finns bland avsnitten.
3. Om avsnitten inte besvarar frågan: skriv endast "{NO_ANSWER}"
4. Blanda aldrig ihop regioner. Kommer avsnitten från olika regioner, svara för varje region \
för sig i ett eget stycke som börjar med "I <region>:". Nationell vägledning (SKR) är inte \
en överenskommelse för någon region.
5. Säg vem som ansvarar – kommunen, regionen eller båda gemensamt – när texten anger det.
6. Svara kort och sakligt på svenska, i ren text utan rubriker och utan markdown."""

# Whatever a model writes inside a "thinking" block is not part of the answer.
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_BRACKETS = re.compile(r"\[([^\[\]\n]*)\]")
_MARKER_LIST = re.compile(r"^\s*(\d{1,3})((?:\s*,\s*\d{1,3})*)\s*$")
_MARKER = re.compile(r"\[(\d+)\]")
_REGION_LABEL = re.compile(r"^(?:• )?I (?:[Rr]egion )?([A-ZÅÄÖ][\w-]*(?: [A-ZÅÄÖ][\w-]*)*)\s*:")
_BULLET = re.compile(r"^(?:[-*•–]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^#{1,6}\s+")
_BOLD = re.compile(r"\*\*|__")
_WHOLE_BOLD = re.compile(r"^(?:\*\*|__)[^*_]+(?:\*\*|__):?$")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s")
_LETTER = re.compile(r"[^\W\d_]")
# Sentence punctuation followed by markers: "vård. [1]" is read as "vård [1]."
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_ABBREVIATION = re.compile(
    r"\b(?:t\.ex|bl\.a|m\.m|m\.fl|d\.v\.s|dvs|kap|s|nr|ca|jfr|resp|inkl|exkl|st|p|osv|"
    r"o\.s\.v|enl|ang|f\.d|t\.o\.m|fr\.o\.m|prop|sfs|sou|jan|feb|aug|sep|sept|okt|nov|dec)\.$",
    re.IGNORECASE,
)
def generate(settings: Settings, found: Retrieval, answer: Answer) -> Answer:
    """The answer rewritten by the chat model from its cited passages, or `answer` unchanged."""
    citations = answer.citations
    if not settings.llm_url or not citations:
        return answer
    messages = build_messages(found, citations)
    try:
        reply = _request_reply(settings, messages)
    except _EndpointError as exc:
        log.warning("Språkmodellen kunde inte användas (%s); extraktivt svar används.", exc)
        return answer
    text, problem = check_reply(reply, citations)
    if text is None:
        # Neither question nor reply is logged: either may contain personal data.
        log.warning("Språkmodellens svar avvisades (%s); extraktivt svar används.", problem)
        return answer
    return replace(answer, text=text, warnings=(*answer.warnings, GENERATED_WARNING))


def build_messages(found: Retrieval, citations: Sequence[Citation]) -> list[dict[str, str]]:
    """The chat messages: Swedish rules, then the numbered passages and the question."""
    parts = ["Avsnitt ur överenskommelserna:"]
    for citation in citations:
        parts.append(
            f"[{citation.n}] Dokument: {citation.title}\n"
            f"Region: {citation.region or 'nationell vägledning (SKR)'}\n"
            f"Avsnitt: {citation.section or 'okänt'}\n"
            f"Sida: {citation.page if citation.page is not None else 'okänd'}\n"
            f"Text:\n{citation.text.strip()}"
        )
    if found.place.region:
        parts.append(f"Frågan gäller {found.place.region}.")
    # Data minimisation: personnummer, addresses and phone numbers never help the answer.
    parts.append(f"Fråga: {redact(found.question)}")
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n\n".join(parts)},
    ]


def _request_reply(settings: Settings, messages: list[dict[str, str]]) -> str:
    """The model's reply text from one non-streaming chat completion at temperature 0."""
    body: dict[str, Any] = {"messages": messages, "temperature": 0, "stream": False}
    if settings.llm_model:
        body["model"] = settings.llm_model
    headers = {"Accept": "application/json"}
    if settings.llm_api_key:
        headers["Authorization"] = f"Bearer {settings.llm_api_key}"
    url = settings.llm_url.rstrip("/") + "/chat/completions"
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=settings.llm_timeout)
    except httpx.TimeoutException as exc:
        raise _EndpointError(f"ingen respons inom {settings.llm_timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise _EndpointError(f"anslutningsfel: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise _EndpointError(f"HTTP {response.status_code}")
    try:
        choice = response.json()["choices"][0]
        content = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise _EndpointError("svaret har inte formen av en chat completion") from exc
    if not isinstance(content, str):
        raise _EndpointError("svaret saknar text")
    if choice.get("finish_reason") == "length":
        raise _EndpointError("svaret avbröts vid längdgränsen")
    return content


def check_reply(reply: str, citations: Sequence[Citation]) -> tuple[str | None, str]:
    """The reply cleaned for display if every claim cites a given passage, else (None, why)."""
    passages = len(citations)
    text = tidy(_THINKING.sub("", reply))
    if not text:
        return None, "tomt svar"
    if "underlaget besvarar inte" in " ".join(text.lower().split()):
        return None, "modellen anger att underlaget inte besvarar frågan"
    text_or_none = normalise_markers(text)
    if text_or_none is None:
        return None, "felformad hänvisning"
    text = text_or_none
    numbers = [int(n) for n in _MARKER.findall(text)]
    if not numbers:
        return None, "inga hänvisningar"
    if any(not 1 <= n <= passages for n in numbers):
        return None, "hänvisning till ett avsnitt som inte gavs"
    if not looks_swedish(text):
        return None, "svaret ser inte ut att vara på svenska"
    found = claims(text)
    if any(not _MARKER.search(claim) for claim in found):
        return None, "påstående utan hänvisning"
    if any(len(_regions_cited(claim, citations)) > 1 for claim in found):
        return None, "ett påstående bygger på flera regioners överenskommelser"
    if not _labels_match(text, citations):
        return None, "en regions stycke hänvisar till en annan regions överenskommelse"
    return text, ""


def _regions_cited(text: str, citations: Sequence[Citation]) -> set[str]:
    """The regions whose agreements the markers in a text point at (national texts aside)."""
    regions = {citations[int(n) - 1].region for n in _MARKER.findall(text)}
    return {r for r in regions if r}


def _labels_match(text: str, citations: Sequence[Citation]) -> bool:
    """Whether the lines after each "I <region>:" cite only that region (or national texts)."""
    known = {c.region for c in citations if c.region}
    current: str | None = None
    for line in text.splitlines():
        label = _REGION_LABEL.match(line)
        if label and label.group(1) in known:
            current = label.group(1)
        if current and not _regions_cited(line, citations) <= {current}:
            return False
    return True


def tidy(text: str) -> str:
    """Plain text like the extractive answers: headings as `…:` lines, `•` bullets, no markdown."""
    lines = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        heading = bool(_HEADING.match(line)) or bool(_WHOLE_BOLD.match(line))
        line = _BOLD.sub("", _HEADING.sub("", line)).strip()
        if heading and line and not line.endswith((":", ".", "!", "?", "]")):
            line += ":"  # shown and checked like a list lead-in: the lines below carry claims
        if _BULLET.match(line) and not _NUMBERED.match(line):
            line = _BULLET.sub("• ", line)
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def normalise_markers(text: str) -> str | None:
    """`[1, 2]` becomes `[1] [2]`; None when any bracket is not a list of passage numbers."""
    malformed = False

    def rewrite(match: re.Match[str]) -> str:
        nonlocal malformed
        if not _MARKER_LIST.match(match.group(1)):
            malformed = True
            return match.group(0)
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        return " ".join(f"[{n}]" for n in numbers)

    rewritten = _BRACKETS.sub(rewrite, text)
    if malformed or "[" in _MARKER.sub("", rewritten) or "]" in _MARKER.sub("", rewritten):
        return None
    return rewritten


def claims(text: str) -> list[str]:
    """The sentences of a reply that state something (not headings or list lead-ins)."""
    out: list[str] = []
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        line = _BULLET.sub("", line)
        if not _LETTER.search(_MARKER.sub("", line)):
            continue
        if line.endswith(":") and any(lines[i + 1 :]):
            continue  # a lead-in or heading: the lines below carry the claims
        line = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)
        start = 0
        for brk in _SENTENCE_BREAK.finditer(line):
            head = line[start : brk.start()]
            if _ABBREVIATION.search(head):
                continue
            out.append(head)
            start = brk.end()
        out.append(line[start:])
    return [c.strip() for c in out if _LETTER.search(_MARKER.sub("", c))]
