"""Statements: who does what, read once per agreement from its normalised text.

The agreements state responsibility in a handful of Swedish shapes, and each is read here:

- a sentence whose subject is an actor and whose predicate gives a duty: "Regionen ansvarar
  för …", "Socialnämnden ska …", "Socialtjänsten har kostnadsansvar för …", "Kommunerna är
  skyldiga att …", a task in the present tense ("Socialtjänsten beslutar om …"), with the
  subject before the verb or, after an opening adverbial, right after it ("Enligt SoL ska
  socialnämnden …"); an agent ("utfärdas av primärvård"); the actor of an opening condition
  when the main clause names none ("Om socialtjänsten misstänker …, ska kontakt tas …");
- a sentence of two predicates is two statements ("… har ett allmänt ansvar för … och har
  därutöver ett särskilt ansvar …"), as is one of two subjects ("… och den
  rättspsykiatriska öppenvården samordnar …");
- a list under a lead-in that names the actor ("Regionen ansvarar för:", "Kommunen ska:",
  "Insatser som kommunerna ansvarar för:", a heading "Regionens ansvar"): each item, nested or
  numbered, is a statement whose duty is made a complete sentence ("Regionen ansvarar för
  läkemedelsassisterad behandling vid opiatberoende."); an item naming its own actor keeps it;
- a table: an x-matrix whose columns are actors (one statement per party marked in a row) and
  rows of "Actor: Does …";
- joint forms ("Kommuner och region har ett gemensamt ansvar för", "båda huvudmännen",
  "parterna") give `gemensamt`; two adjacent sentences giving a matter to kommun and region
  are `divided`;
- an explicit negative ("ansvarar inte för", "saknar motsvarande skyldighet", "ingår inte")
  has polarity "not", with the party of the actor that lacks the duty; a prohibition ("får
  inte") is a duty.

Not statements: permissions and possibilities ("kan", "får"), recommendations ("bör"),
importance ("det är viktigt att"), purposes ("för att X ska"), passives with no agent, and
anything without a known actor. Actors and their parties come from `actors` (the data file);
Swedish word classes from `morphology`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from assistant import morphology
from assistant.index import actors as actor_names
from assistant.index.actors import Mention
from assistant.ingest.normalise import page_at
from assistant.models import (
    SECTION_SEPARATOR,
    Block,
    Chunk,
    Document,
    Party,
    Polarity,
    Statement,
    StatementForm,
)

EXTRACTOR_VERSION = "5"

# ── closed classes of Swedish function words (grammar, not vocabulary) ────────────────

# Modal verbs that give a duty.
_DUTY_MODALS = frozenset({"ska", "skall", "måste"})
# Modal verbs of possibility, permission or advice: no duty ("kan", "får", "bör").
_SOFT_MODALS = frozenset({"kan", "kunde", "får", "fick", "bör", "borde", "kunna", "vill"})
# Verbs that describe a state, not a task ("Habiliteringen är ett komplement", "finns").
_STATE_VERBS = frozenset(
    {
        "är",
        "var",
        "finns",
        "fanns",
        "gäller",
        "innebär",
        "avser",
        "handlar",
        "utgör",
        "består",
        "saknar",
        "behövs",
        "krävs",
        "kallas",
        "används",
        "syftar",
        "betyder",
        "heter",
        "ligger",
        "hör",
        "leder",
        "visar",
        "framgår",
        "beskriver",
        "anser",
        "tycker",
        "vet",
        "menar",
        "upplever",
        "har",
        "blir",
        "står",
        "omfattas",
        "regleras",
        "berör",
        "rör",
        "vänder",
        "möter",
        "varierar",
        "skiljer",
        "bygger",
        "utgår",
        "beror",
        "ingår",
        "omfattar",
        "ger",
        "får",
        "kan",
        "bör",
        "ska",
        "skall",
        "måste",
        "vill",
        "tar",
        "gör",
        "sker",
        "fungerar",
        "arbetar",
        "behöver",
        "motsvarar",
        "inskränker",
        "kommer",
        "inkluderar",
        "riktar",
        "uppstår",
        "förekommer",
        "upptäcker",
        "uppmärksammar",
        "ser",
        "kännetecknas",
    }
)
# Task verbs that are in _STATE_VERBS for the general case but give a task with an
# object or particle: "står för", "tar emot", "arbetar på uppdrag", "fungerar som stöd".
_TASK_PARTICLES = {
    "står": ("för",),
    "tar": ("emot", "fram", "ansvar"),
    "arbetar": ("på", "för", "med"),
    "fungerar": ("som",),
    "gör": ("en", "ett"),
    "ger": ("råd", "stöd", "tips"),
}
# Words that open a subordinate clause: the clause's verb is not the sentence's.
_SUBORDINATORS = frozenset(
    {
        "att",
        "om",
        "när",
        "då",
        "eftersom",
        "ifall",
        "medan",
        "innan",
        "där",
        "vilket",
        "vilka",
        "vilken",
        "såvida",
        "fast",
        "trots",
        "huruvida",
        "emedan",
        "tills",
        "varför",
        "hur",
        "vad",
        "vem",
        "var",
    }
)
# Words an opening adverbial starts with: then the subject follows the verb.
_ADVERBIAL_OPENERS = frozenset(
    {
        "i",
        "vid",
        "enligt",
        "för",
        "inom",
        "efter",
        "under",
        "med",
        "utifrån",
        "genom",
        "om",
        "när",
        "då",
        "innan",
        "eftersom",
        "dessutom",
        "därför",
        "därmed",
        "även",
        "också",
        "sedan",
        "här",
        "där",
        "nu",
        "därutöver",
        "utöver",
        "på",
        "till",
        "av",
        "från",
        "mot",
        "trots",
        "oavsett",
        "samtidigt",
        "tillsammans",
        "således",
        "slutligen",
        "vidare",
        "inledningsvis",
        "först",
        "ibland",
        "ofta",
        "alltid",
        "normalt",
        "generellt",
        "det",
        "detta",
        "dessa",
        "så",
        "sammanfattningsvis",
        "inför",
        "kring",
        "bland",
        "hos",
        "exempelvis",
        "likaså",
        "ytterst",
        "istället",
        "däremot",
        "emellertid",
        "dock",
    }
)
# Words that may stand between a verb and the subject after it ("ska därför kommunen").
_INVERSION_ADVERBS = frozenset(
    {
        "därför",
        "också",
        "även",
        "dessutom",
        "dock",
        "således",
        "alltså",
        "normalt",
        "alltid",
        "ofta",
        "vanligtvis",
        "i",
        "första",
        "hand",
        "enligt",
        "lag",
        "själva",
        "gemensamt",
        "tillsammans",
        "inte",
        "ej",
        "den",
        "det",
        "de",
        "en",
        "ett",
        "båda",
        "så",
    }
)
_DETERMINERS = frozenset({"den", "det", "de", "en", "ett", "dessa", "denna", "detta"})
_NEGATIONS = frozenset({"inte", "ej", "inga", "inget", "ingen", "aldrig", "icke"})
_PERSONAL_PRONOUNS = frozenset({"de", "dessa", "hen", "han", "hon", "vi"})
# Nouns whose holder has the duty: "har ett ansvar", "har kostnadsansvar", "har i uppdrag".
_DUTY_NOUN = re.compile(
    r"(?:ansvar\w*|\w*ansvar(?:et)?|skyldighet\w*|\w*skyldighet\w*|uppdrag\w*|\w*plikt\w*|"
    r"åtagande\w*|uppgift\w*)$"
)
# Adjectives after "är" that give a duty: "är skyldiga att", "är ansvariga för".
_DUTY_ADJECTIVES = frozenset(
    {
        "skyldig",
        "skyldiga",
        "skyldigt",
        "ansvarig",
        "ansvariga",
        "ansvarigt",
        "behjälplig",
        "behjälpliga",
        "behjälpligt",
        "lagstadgade",
        "förpliktigad",
        "förpliktigade",
    }
)
# "det är viktigt att X gör": importance, not an assignment (nor "krävs att").
_IMPORTANCE = frozenset(
    {
        "viktigt",
        "angeläget",
        "nödvändigt",
        "önskvärt",
        "avgörande",
        "centralt",
        "krävs",
        "rimligt",
        "bra",
        "lämpligt",
        "väsentligt",
        "eftersträvansvärt",
    }
)
# Conditions as the texts open them.
_CONDITION = re.compile(
    r"(?:(?<=\s)|^)(?:om|när|ifall|i de fall|i den mån|under förutsättning att|såvida|vid|"
    r"för personer|för den som|oavsett)\b[^,.;:]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
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
_TABLE_MARK = re.compile(r"[xX✓✔]")


# ── sentences ─────────────────────────────────────────────────────────────────────────


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


def _mentions(text: str, start: int, end: int) -> list[Mention]:
    """Actors named in text[start:end] outside parentheses, with document spans."""
    asides = _masked(text, start, end)
    return [
        Mention(m.actor, m.start + start, m.end + start, m.text)
        for m in actor_names.find_mentions(text[start:end])
        if not any(a <= m.start + start < b for a, b in asides)
    ]


# ── reading one clause ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Actor:
    """Who a clause names as the doer: its words as written and its party."""

    text: str
    party: Party
    start: int
    end: int
    mentions: tuple[Mention, ...]


@dataclass(frozen=True)
class _Reading:
    """A clause read as a statement."""

    actor: _Actor
    polarity: Polarity
    anchor: int  # where the predicate starts, in the document text


@dataclass
class _Clause:
    """One clause being read: its words, the actors it names and its context."""

    text: str  # the whole document text
    start: int
    end: int
    toks: list[_Tok]
    mentions: list[Mention]
    in_mention: set[int]  # indices of tokens inside a mention
    previous: _Actor | None  # the doer of the clause before, for "de" and left-out subjects
    recent: Sequence[Mention]  # actors named earlier in the paragraph, for "Nämnden"
    elided: bool  # the clause goes on from the one before without its own subject


def _clause(
    text: str,
    start: int,
    end: int,
    previous: _Actor | None = None,
    recent: Sequence[Mention] = (),
    elided: bool = False,
) -> _Clause:
    toks = _tokens(text, start, end)
    mentions = _mentions(text, start, end)
    inside = {
        k
        for k, t in enumerate(toks)
        if any(m.start <= t.start and t.end <= m.end for m in mentions)
    }
    return _Clause(text, start, end, toks, mentions, inside, previous, recent, elided)


def _is_finite(word: str) -> bool:
    return (
        word in _DUTY_MODALS
        or word in _SOFT_MODALS
        or word in ("är", "har")
        or (morphology.is_present_tense(word))
    )


# One-syllable verbs whose infinitive the dictionary cannot tell from other words.
_SHORT_INFINITIVES = frozenset(
    {
        "se",
        "ta",
        "ge",
        "gå",
        "stå",
        "nå",
        "få",
        "ha",
        "dra",
        "slå",
        "bo",
        "kunna",
        "vara",
    }
)


def _is_infinitive(word: str) -> bool:
    return (
        word in _SHORT_INFINITIVES
        or morphology.is_infinitive(word)
        or (
            len(word) >= 5
            and word.endswith("a")
            and morphology.known(word)
            and morphology.known(word[:-1] + "er")
        )
    )


def _is_passive(word: str) -> bool:
    """A present or infinitive passive: "utfärdas", "görs", "erbjuds", "prioriteras"."""
    if not word.endswith("s") or len(word) < 4:
        return False
    stem = word[:-1]
    return (
        stem in _SHORT_INFINITIVES  # "ges", "ses", "tas", "fås"
        or morphology.is_infinitive(stem)
        or morphology.is_present_tense(stem)
        or morphology.is_infinitive(stem + "a")
    )


def _actor_of(text: str, mentions: Sequence[Mention]) -> _Actor | None:
    """The doer named by a run of mentions (their conjuncts decide the party)."""
    if not mentions:
        return None
    heads = actor_names.conjuncts(text, mentions)
    party = actor_names.combined_party([m.party for m in heads])
    if party is None:
        return None
    start, end = mentions[0].start, mentions[-1].end
    return _Actor(text[start:end], party, start, end, tuple(mentions))


def _run_from(c: _Clause, first: Mention) -> list[Mention]:
    """A mention and the ones coordinated with it ("socialtjänsten och hälso- och sjukvården")."""
    run = [first]
    for m in c.mentions:
        if m.start <= run[-1].start:
            continue
        words = _WORD.findall(c.text[run[-1].end : m.start])
        if len(words) <= 3 and not any(_is_finite(w.lower()) for w in words):
            run.append(m)
        else:
            break
    return run


# Words that may open a subject before its actor: "Varje", "Alla", "Den regionala".
_SUBJECT_PREPOSITIONS = frozenset(
    {
        "mellan",
        "av",
        "för",
        "till",
        "med",
        "om",
        "på",
        "från",
        "hos",
        "kring",
        "i",
        "under",
        "vid",
        "efter",
        "mot",
        "utan",
        "genom",
        "enligt",
        "utifrån",
        "gällande",
        "avseende",
    }
)


def _subject_phrase(c: _Clause, first: int, i: int) -> _Actor | None:
    """The actor of the subject phrase toks[first:i], when the phrase is about an actor.

    The phrase names its actor before any preposition ("Övergången mellan olika
    vårdgivare" is no actor's); a generic person ("Den som arbetar inom kommun eller
    region …", "Alla inom socialtjänst …") is read through the actors the phrase names.
    """
    start, end = c.toks[first].start, c.toks[i].start
    inside = [m for m in c.mentions if m.start >= start and m.end <= end]
    if not inside:
        return None
    lead = [t.low for t in c.toks[first:] if t.start < inside[0].start]
    generic = (
        len(lead) >= 2
        and lead[0] in ("den", "de", "alla", "var")
        and lead[1] in ("som", "inom", "i")
    )
    if any(w in _SUBJECT_PREPOSITIONS for w in lead) and not generic:
        return None
    actor = _actor_of(c.text, inside)
    if actor is None:
        return None
    tail = _WORD.findall(c.text[inside[-1].end : end].lower())
    if tail and (tail[0] in _SUBJECT_PREPOSITIONS or tail[0] in _INVERSION_ADVERBS):
        end = inside[-1].end  # "kommuner och regioner enligt lag": the actor, not the adverbial
    phrase = c.text[start:end].strip(" ,")
    return replace(actor, text=phrase, start=start, end=end)


def _after_subject(c: _Clause, i: int) -> _Actor | None:
    """The subject right after the finite verb at toks[i] ("ska socialnämnden …")."""
    j = i + 1
    while j < len(c.toks) and j not in c.in_mention and c.toks[j].low in _INVERSION_ADVERBS:
        j += 1
    if j >= len(c.toks) or "," in c.text[c.toks[i].end : c.toks[j].start]:
        return None
    first = next((m for m in c.mentions if m.start == c.toks[j].start), None)
    if first is None:
        return None
    return _actor_of(c.text, _run_from(c, first))


def _subject_start(c: _Clause, i: int) -> int:
    """Where the subject phrase that ends before toks[i] starts (a token index).

    It reaches back to the clause's start or to the word that opens a subordinate clause
    ("… som huvudmännen är skyldiga att ingå"); a relative clause inside it ("Den som
    arbetar inom kommun eller region och upptäcker …") is part of it.
    """
    toks = c.toks
    j = i - 1
    while j >= 0:
        w = toks[j].low
        if w in _SUBORDINATORS or w == "som":
            break
        if j not in c.in_mention and _is_finite(w):
            # The verb of a relative clause of the subject: right after its "som", or
            # joined to that clause's verb ("som arbetar … och upptäcker …").
            k = j - 1
            while (
                k >= 0
                and toks[k].low != "som"
                and toks[k].low not in _SUBORDINATORS
                and (toks[k].low not in _DUTY_MODALS)
            ):
                k -= 1
            joined = k + 1 == j or toks[j - 1].low in ("och", "eller", "samt")
            if k >= 1 and toks[k].low == "som" and joined and _is_finite(toks[k + 1].low):
                j = k - 1
                continue
            break
        j -= 1
    return j + 1


def _predicate(c: _Clause, i: int) -> str | None:
    """What kind of predicate starts at toks[i]: modal, holder, adjective, verb, task, lacks."""
    toks = c.toks
    w = toks[i].low
    nxt = [t.low for k, t in enumerate(toks[i + 1 : i + 16], start=i + 1) if k not in c.in_mention]
    if w in _DUTY_MODALS:
        verb = next((x for x in nxt[:3] if x not in _INVERSION_ADVERBS | _NEGATIONS), "")
        if verb in ("vara", "bli") and not any(a in _DUTY_ADJECTIVES for a in nxt[:5]):
            return None  # "Den enskilde ska vara helt bostadslös": a state, not a duty
        if _is_passive(verb):
            return None  # "Närstående ska ges möjlighet": the subject is not the doer
        return "modal"
    if w == "behöver" and nxt and (_is_infinitive(nxt[0]) or nxt[0] in _INVERSION_ADVERBS):
        return "modal"
    if w in ("kan", "får"):
        # "kan … vara skyldig", "kan således ansvara för": a hedged duty; "får inte": a ban.
        if w == "får" and nxt[:1] == ["inte"]:
            return "modal"
        window = nxt[:5]
        if "ansvara" in window or ("vara" in window and any(a in _DUTY_ADJECTIVES for a in window)):
            return "modal"
        return None
    if w in ("har", "hade"):
        for k, word in enumerate(nxt[:8]):
            if word in _SUBORDINATORS and word != "att":
                return None
            if _DUTY_NOUN.match(word) and not word.startswith(("ansvarsför", "uppgiftsfö")):
                return "holder"
            if word == "roll" and "att" in nxt[k + 1 : k + 4]:
                return "holder"
            if _is_finite(word) or word in ("som",):
                return None
        return None
    if w in ("är", "blir"):
        window = nxt[:4]
        if any(a in _DUTY_ADJECTIVES for a in window):
            return "adjective"
        if "aktörer" in window:
            return "adjective"
        return None
    if w == "saknar" and any(_DUTY_NOUN.match(x) for x in nxt[:3]):
        return "lacks"
    if w in ("ansvarar", "svarar", "ansvara"):
        return "verb"
    # "Regionen ansvar för att …": the noun written for the verb, right after its actor.
    if (
        w == "ansvar"
        and nxt[:1] == ["för"]
        and i > 0
        and i - 1 in c.in_mention
        and not toks[i - 1].low.endswith("s")
    ):
        return "verb"
    if w in _TASK_PARTICLES and nxt and nxt[0] in _TASK_PARTICLES[w]:
        return "task"
    if w in _STATE_VERBS or w in _SOFT_MODALS:
        return None
    if morphology.is_present_tense(w):
        return "task"
    return None


def _negated(c: _Clause, i: int, kind: str, boundary: int) -> bool:
    """Whether the predicate at toks[i] is denied ("ansvarar inte för", "inget krav på att
    organisationerna ska …"); a prohibition ("får inte") is a duty."""
    if kind == "lacks":
        return True
    toks = c.toks
    if toks[i].low == "får":
        return False
    for t in toks[i + 1 : i + 7]:
        if t.low in _SUBORDINATORS or t.low in ("som", "men"):
            break
        if t.low in _NEGATIONS:
            return True
    # "inget krav på att X ska …", "ingen skyldighet att …": the duty itself is denied.
    if boundary > 0 and toks[boundary - 1].low == "att":
        before = [t.low for t in toks[max(0, boundary - 5) : boundary - 1]]
        if any(w in _NEGATIONS for w in before) and any(
            _DUTY_NOUN.match(w) or w == "krav" for w in before
        ):
            return True
    return False


def _read_clause(c: _Clause) -> list[_Reading]:
    """Read one clause: its predicate, its doer and whether it is denied; a duty in a
    relative clause with its own actor ("… som huvudmännen är skyldiga att ingå") is read
    as well."""
    holder = _genitive_holder(c)
    if holder is not None:
        return [holder]
    readings: list[_Reading] = []
    toks = c.toks
    if (
        c.elided
        and c.previous is not None
        and len(toks) > 1
        and toks[0].low == "att"
        and _is_infinitive(toks[1].low)
    ):
        readings.append(_Reading(c.previous, "duty", toks[0].start))  # "… samt att kartlägga …"
    for i, tok in enumerate(toks):
        if i in c.in_mention:
            continue
        kind = _predicate(c, i)
        if kind is None:
            continue
        first = _subject_start(c, i)
        boundary = toks[first - 1].low if first > 0 else ""
        if readings and not (boundary == "som" and first < i and first in c.in_mention):
            continue  # after the main reading, only a relative clause with its own actor
        if boundary == "att" and first >= 2 and toks[first - 2].low == "för":
            continue  # "för att socialtjänsten ska kunna …": a purpose
        if boundary == "att" and any(
            t.low in _IMPORTANCE for t in toks[max(0, first - 4) : first - 1]
        ):
            continue  # "det är viktigt att X gör": importance, not an assignment
        actor = _subject_phrase(c, first, i) if first < i else None
        if (
            actor is not None
            and first == 0
            and toks[0].low in _ADVERBIAL_OPENERS
            and 0 not in c.in_mention
        ):
            actor = None  # an opening adverbial, not the subject
        if actor is None and first < i:
            actor = _anaphor(c, first, i)
        if actor is None and boundary != "som":
            actor = _after_subject(c, i)
        if actor is None and kind == "modal":
            actor = _agent(c, i) or _condition_actor(c, i)
        if actor is None and c.elided and c.previous is not None and i <= 2:
            actor = c.previous
        if actor is None:
            continue
        if kind == "task" and (
            boundary in _SUBORDINATORS or boundary == "som" or _subordinate(c, first)
        ):
            continue  # a task verb counts in a main clause only
        polarity: Polarity = "not" if _negated(c, i, kind, first) else "duty"
        readings.append(_Reading(actor, polarity, tok.start))
    if readings:
        return readings
    reading = _bearer(c) or _passive_agent(c)
    return [reading] if reading else []


def _subordinate(c: _Clause, first: int) -> bool:
    """Whether the subject at toks[first] stands in a subordinate clause: a subordinator
    ("om det är lämpligt och den enskilde inte motsätter sig") comes before it with no
    finite verb of a main clause in between."""
    for tok in reversed(c.toks[:first]):
        if tok.low in _SUBORDINATORS:
            return True
        if _is_finite(tok.low) and tok.low not in ("är", "var"):
            return False
    return False


def _anaphor(c: _Clause, first: int, i: int) -> _Actor | None:
    """A subject that points back: "De ska samarbeta …" (the doer before), "Nämnden
    ansvarar …" after "En gemensam hjälpmedelsnämnd finns …" (an actor named before whose
    compound head the noun is)."""
    words = [t for t in c.toks[first:i]]
    if not words or len(words) > 2:
        return None
    last = words[-1]
    if last.low in _PERSONAL_PRONOUNS and len(words) == 1:
        if c.previous is not None:
            return replace(c.previous, start=last.start, end=last.end)
        return None
    if not last.text[:1].isupper() and len(words) == 1:
        return None
    head = morphology.head(last.low)
    for m in reversed(c.recent):
        if morphology.head(_WORD.findall(m.text)[-1]) == head and len(head) > 3:
            actor = _actor_of(c.text, [m])
            if actor is not None:
                return replace(
                    actor,
                    text=c.text[words[0].start : last.end],
                    start=words[0].start,
                    end=last.end,
                )
    return None


def _agent(c: _Clause, i: int) -> _Actor | None:
    """The agent of a passive or of "få … från": "ska prioriteras av alla", "utfärdas av X"."""
    toks = c.toks
    for k in range(i + 1, min(len(toks), i + 12)):
        w = toks[k].low
        if w in _SUBORDINATORS:
            return None
        if w in ("av", "från") and k > i + 1:
            if not any(_is_passive(t.low) or t.low == "få" for t in toks[i + 1 : k]):
                continue
            after = [m for m in c.mentions if m.start >= toks[k].end]
            if after and len(_WORD.findall(c.text[toks[k].end : after[0].start])) <= 1:
                return _actor_of(c.text, _run_from(c, after[0]))
    return None


def _condition_actor(c: _Clause, i: int) -> _Actor | None:
    """ "Om socialtjänsten misstänker …, ska … kontakt tas": the condition's actor must act."""
    toks = c.toks
    if len(toks) < 3 or i == 0:
        return None
    first = toks[0].low
    v1 = _is_finite(first) and first not in _DUTY_MODALS
    if first not in ("om", "när", "ifall") and not v1:
        return None
    k = 1
    while k < len(toks) and toks[k].low in _DETERMINERS:
        k += 1
    subject = (
        next((m for m in c.mentions if m.start == toks[k].start), None) if k < len(toks) else None
    )
    if subject is None or subject.end > toks[i].start:
        return None
    return _actor_of(c.text, [subject])


# "I vuxenpsykiatrins uppdrag ingår att …", "Habiliteringens uppdrag omfattar …",
# "Hälso- och sjukvårdens och kommunernas gemensamma ansvar är att …".
_HOLDER = re.compile(
    r"\s*(?:I\s+)?(?P<who>.+?)s\s+(?:\w+\s+)?(?:uppdrag|ansvar|skyldighet|åtagande)(?:et|en)?\s+"
    r"(?:ingår|omfattar|innefattar|innebär|är att|är)\b",
    re.IGNORECASE,
)


def _genitive_holder(c: _Clause) -> _Reading | None:
    m = _HOLDER.match(c.text, c.start, c.end)
    if not m:
        return None
    who_start, who_end = m.start("who"), m.end("who") + 1
    inside = [x for x in c.mentions if x.start >= who_start and x.end <= who_end]
    if not inside or inside[0].start != who_start:
        return None
    actor = _actor_of(c.text, inside)
    if actor is None:
        return None
    tail = c.text[m.end() : m.end() + 12].lower()
    return _Reading(actor, "not" if tail.startswith((" inte", " ej")) else "duty", m.start("who"))


# "Ansvaret för detta vilar på båda parter", "Anmälningsskyldigheten … gäller för läkare",
# "Kostnadsansvaret … är fördelat mellan Region Dalarna och länets 15 kommuner".
_BEARER = re.compile(
    r"\b(?:vilar på|ligger på|åligger|gäller för|är fördelat mellan|fördelas mellan|delas "
    r"mellan)\s+",
    re.IGNORECASE,
)
_BURDEN = re.compile(r"\b\w*(?:ansvar|skyldighet|plikt|uppdrag)\w*\b", re.IGNORECASE)


def _bearer(c: _Clause) -> _Reading | None:
    for bearer in _BEARER.finditer(c.text, c.start, c.end):
        if not _BURDEN.search(c.text, c.start, bearer.start()):
            continue
        after = [m for m in c.mentions if m.start >= bearer.end()]
        if after and after[0].start - bearer.end() <= 12:
            actor = _actor_of(c.text, _run_from(c, after[0]))
            if actor is not None:
                return _Reading(actor, "duty", bearer.start())
    return None


def _passive_agent(c: _Clause) -> _Reading | None:
    """ "Läkarintyg … utfärdas av primärvård …": a passive whose agent is an actor."""
    toks = c.toks
    for k, tok in enumerate(toks):
        if k == 0 or not _is_passive(tok.low):
            continue
        if toks[k - 1].low in _SOFT_MODALS or toks[k - 1].low == "som":
            continue
        if k + 1 < len(toks) and toks[k + 1].low == "av":
            after = [m for m in c.mentions if m.start >= toks[k + 1].end]
            if after and len(_WORD.findall(c.text[toks[k + 1].end : after[0].start])) <= 1:
                actor = _actor_of(c.text, _run_from(c, after[0]))
                if actor is not None:
                    return _Reading(actor, "duty", tok.start)
    return None


# ── clauses of a sentence ───────────────────────────────────────────────────────────────

# Where a sentence may go on with a second predicate: ", och har …", " och har därutöver
# …", ", men …", " samt …", ", de behöver också …"; a dash or semicolon always ends one.
_JOINS = re.compile(r",?\s+(?:och|men|samt)\s+(?:även\s+|också\s+)?|,\s+(?=[a-zåäö])")
_HARD_JOINS = re.compile(r"\s+[–—]\s+|;\s+")


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Clauses of one sentence: (start, end, subject left out). A sentence is cut where a
    conjunction is followed by a second duty predicate ("… och har därutöver ett särskilt
    ansvar"), by "samt att" and an infinitive, or by a new subject and its verb after a
    complete clause ("… (ÖPT) och den rättspsykiatriska öppenvården samordnar …")."""
    whole = _clause(text, start, end)
    asides = _masked(text, start, end)
    cuts: list[tuple[int, int, bool]] = [
        (m.start(), m.end(), False) for m in _HARD_JOINS.finditer(text, start, end)
    ]
    for join in _JOINS.finditer(text, start, end):
        if any(m.start < join.end() and join.start() < m.end for m in whole.mentions):
            continue  # "hälso- och sjukvård": the "och" of an actor's name
        if any(a <= join.start() < b for a, b in asides):
            continue  # inside an aside in parentheses
        rest = _clause(text, join.end(), end)
        if len(rest.toks) < 3:
            continue
        joined = text[join.start() : join.end()]
        if "samt" in joined and rest.toks[0].low == "att" and _is_infinitive(rest.toks[1].low):
            if _read_clause(_clause(text, start, join.start())):
                cuts.append((join.start(), join.end(), True))
            continue
        kind = _predicate(rest, 0)
        if kind in ("modal", "holder", "verb", "adjective", "lacks") and rest.toks[0].low != "att":
            cuts.append((join.start(), join.end(), True))
            continue
        if not _has_predicate(text, start, join.start()):
            continue
        if rest.toks[0].low in _PERSONAL_PRONOUNS and _predicate(rest, 1):
            cuts.append((join.start(), join.end(), False))
            continue
        k = 0
        while (
            k < len(rest.toks)
            and k not in rest.in_mention
            and rest.toks[k].low in (_DETERMINERS | {"även", "också"})
        ):
            k += 1
        if k >= len(rest.toks) or k not in rest.in_mention:
            continue
        j = k
        while j < len(rest.toks) and (
            j in rest.in_mention or rest.toks[j].low in ("och", "samt", "eller")
        ):
            j += 1
        if j < len(rest.toks) and _predicate(rest, j) is not None:
            cuts.append((join.start(), join.end(), False))
    clauses: list[tuple[int, int, bool]] = []
    at, elided = start, False
    for cut_start, cut_end, cut_elided in sorted(cuts):
        if cut_start <= at:
            continue
        clauses.append((at, cut_start, elided))
        at, elided = cut_end, cut_elided
    clauses.append((at, end, elided))
    return clauses


def _has_predicate(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds a finite verb after its last subordinating word."""
    c = _clause(text, start, end)
    last = max((k for k, t in enumerate(c.toks) if t.low in _SUBORDINATORS), default=-1)
    return any(
        _is_finite(t.low) for k, t in enumerate(c.toks) if k > last and k not in c.in_mention
    )


# ── lists ───────────────────────────────────────────────────────────────────────────────


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


# ── drafts ──────────────────────────────────────────────────────────────────────────────


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


# "Ansvaret för detta vilar på …": the duty is the sentence before's.
_BACK_REFERENCE = re.compile(r"\b\w*ansvar\w* för (?:detta|dessa|det)\b", re.IGNORECASE)


def _paragraph_statements(
    doc: Document, index: int, block: Block, opens_list: bool
) -> list[_Draft]:
    """The statements of one paragraph, sentence by sentence and clause by clause."""
    text = doc.text
    drafts: list[_Draft] = []
    previous: _Actor | None = None
    recent: list[Mention] = []
    spans = _sentence_spans(text, block.start, block.end)
    for n, (s, e) in enumerate(spans):
        if opens_list and n == len(spans) - 1 and text[s:e].rstrip().endswith(":"):
            continue  # the lead-in of the list that follows: its items are the statements
        for c_start, c_end, elided in _clauses(text, s, e):
            c = _clause(text, c_start, c_end, previous, recent, elided)
            for reading in _read_clause(c):
                quote = (s if elided else c_start, c_end)
                if n > 0 and _BACK_REFERENCE.search(text, c_start, c_end):
                    quote = (spans[n - 1][0], c_end)
                d = _draft(doc, index, block, n, reading, [quote], "prose", text[c_start:c_end])
                if elided:
                    rest = re.sub(r"^\s*(?:och|men|samt)\s+", "", text[c_start:c_end])
                    d.duty = _sentence(f"{reading.actor.text} {rest}")
                drafts.append(d)
                previous = reading.actor
            recent.extend(c.mentions)
    return drafts


def _actor_rows(doc: Document, blocks: Sequence[tuple[int, Block]]) -> list[_Draft]:
    """A table flattened to "Actor: Does …" paragraphs, two or more in a row."""
    text = doc.text
    rows: list[tuple[int, Block, _Actor]] = []
    for index, block in blocks:
        m = re.match(r"([^:.]{2,80}):\s+([A-ZÅÄÖ])", block.text)
        if not m:
            continue
        mentions = _mentions(text, block.start, block.start + m.end(1))
        if not mentions or mentions[0].start != block.start:
            continue
        actor = _actor_of(text, mentions)
        if actor is not None:
            rows.append((index, block, replace(actor, text=m.group(1).strip())))
    drafts: list[_Draft] = []
    runs: list[list[tuple[int, Block, _Actor]]] = []
    for row in rows:
        if runs and row[0] == runs[-1][-1][0] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    for run in runs:
        if len(run) < 2:
            continue
        for index, block, actor in run:
            reading = _Reading(actor, "duty", block.start)
            d = _draft(
                doc, index, block, 0, reading, [(block.start, block.end)], "table", block.text
            )
            rest = block.text.split(":", 1)[1].strip()
            d.duty = _sentence(f"{actor.text} {rest[:1].lower()}{rest[1:]}")
            d.conditions = _conditions(rest)
            drafts.append(d)
    return drafts


# ── the x-matrix ────────────────────────────────────────────────────────────────────────

# A run of table marks: "x x x", "x x", "x".
_MARKS = re.compile(r"(?<!\S)[xX✓✔](?: [xX✓✔])*(?!\S)")
# A raw table row: its label (if on the same line), then cells one space apart.
_RAW_ROW = re.compile(r"^(?:(?P<label>.*[^\sxX✓✔]) )?(?P<run>[ ]*[xX✓✔](?:[ ]+[xX✓✔])*[ ]*)$")


@dataclass(frozen=True)
class _Row:
    label: str
    spans: tuple[tuple[int, int], ...]  # the label and its marks in the normalised text
    marks: int
    block: int  # index of the block holding the marks


def _table_rows(doc: Document) -> list[list[_Row]]:
    """Runs of x-matrix rows: paragraphs ending in marks, their labels before the marks
    (a label may close the paragraph before a paragraph of marks alone)."""
    tables: list[list[_Row]] = []
    current: list[_Row] = []
    pending: tuple[str, int, int] | None = None
    for index, block in enumerate(doc.blocks):
        marks = list(_MARKS.finditer(doc.text, block.start, block.end))
        if block.kind != "paragraph" or not marks:
            if current and (pending is None or block.kind != "paragraph"):
                tables.append(current)
                current, pending = [], None
            if block.kind == "paragraph" and current:
                pending = (block.text, block.start, block.end)
            continue
        at = block.start
        for m in marks:
            label_text = doc.text[at : m.start()].strip()
            spans: list[tuple[int, int]] = []
            if label_text:
                spans.append((at + doc.text[at : m.start()].index(label_text), m.start() - 1))
            elif pending is not None:
                label_text = pending[0]
                spans.append((pending[1], pending[2]))
            if not _WORD.search(label_text):
                at = m.end()
                continue
            spans.append((m.start(), m.end()))
            current.append(
                _Row(_clean(label_text), tuple(spans), len(_TABLE_MARK.findall(m.group(0))), index)
            )
            pending = None
            at = m.end()
        tail = doc.text[at : block.end].strip()
        if tail:
            pending = (tail, block.end - len(doc.text[at : block.end].lstrip()), block.end)
    if current:
        tables.append(current)
    return [t for t in tables if len(t) >= 3]


def _raw_cells(raw: str) -> list[tuple[list[str], list[str]]]:
    """Rows of x-matrices in the raw text: (label words, cells as written)."""
    rows: list[tuple[list[str], list[str]]] = []
    paragraph: list[str] = []
    last: list[str] = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if paragraph:
                last, paragraph = paragraph, []
            continue
        m = _RAW_ROW.match(line)
        if not m:
            paragraph.append(line.strip())
            continue
        label = [*paragraph, m.group("label")] if m.group("label") else (paragraph or last)
        rows.append((_WORD.findall(" ".join(label).lower()), m.group("run").split(" ")))
        paragraph, last = [], []
    return rows


def _cells(cells: list[str], columns: int) -> list[bool]:
    """Which columns a row marks: cells are one space apart and an empty cell leaves its
    space ("x  x x" = 1, 3, 4); a line's trailing space is no cell."""
    cells = list(cells)
    while len(cells) > columns and cells[-1] == "":
        cells.pop()
    return [bool(_TABLE_MARK.fullmatch(c)) for c in cells[:columns]]


def _marked(row: _Row, raw_rows: list[tuple[list[str], list[str]]], columns: int) -> list[bool]:
    want = [w.lower() for w in _WORD.findall(row.label)]
    joined = "".join(want)
    for words, cells in raw_rows:
        if words[-len(want) :] == want or "".join(words).endswith(joined):
            marked = _cells(cells, columns)
            if sum(marked) == row.marks:
                return marked
    return [k < row.marks for k in range(columns)]  # the marks fill the columns from the left


def _column_heads(doc: Document, first: _Row, columns: int) -> list[tuple[str, Party]]:
    """The actors heading the columns, in order: the cells above the first row that open
    with an actor ("Primärvård", "Somatiska kliniker", "Psykiatrisk vård inkl. …")."""
    text = doc.text
    above = [b for b in doc.blocks[: first.block] if b.kind in ("paragraph", "heading")]
    heads: list[tuple[str, Party]] = []
    for block in above[-(2 * columns + 2) :]:
        mentions = [m for m in _mentions(text, block.start, block.end) if m.text[:1].isupper()]
        if not mentions or mentions[0].start != block.start:
            continue
        cells: list[Mention] = []
        for m in mentions:
            if cells and re.fullmatch(r"[\s\S]*,\s*", text[cells[-1].start : m.start]):
                continue  # "… beroendevård, VUP, BUP": more of the same cell
            cells.append(m)
        for k, m in enumerate(cells):
            stop = cells[k + 1].start if k + 1 < len(cells) else block.end
            rest = _clean(text[m.end : stop])
            name = m.text
            if rest.lower().startswith("inkl"):
                name = f"{m.text} ({re.split(r'(?<=[a-zåäö]) (?=[A-ZÅÄÖ][a-zåäö])', rest)[0]})"
            heads.append((name, m.party))
    return heads[-columns:]


def _x_matrices(doc: Document, raw: str | None) -> list[_Draft]:
    """Tables whose columns are actors and whose rows mark with x who does each matter:
    one statement per party marked in a row.

    The extracted text keeps a row's cells one space apart, an empty cell as an extra
    space; the normalised text has lost that, so the raw text is read when it is given
    (without it, the marks fill the columns from the left).
    """
    drafts: list[_Draft] = []
    raw_rows = _raw_cells(raw) if raw else []
    for rows in _table_rows(doc):
        columns = max(r.marks for r in rows)
        heads = _column_heads(doc, rows[0], columns)
        if len(heads) != columns:
            continue
        for row in rows:
            by_party: dict[Party, list[str]] = {}
            for k, on in enumerate(_marked(row, raw_rows, columns)):
                if on:
                    by_party.setdefault(heads[k][1], []).append(heads[k][0])
            block = doc.blocks[row.block]
            for party, names in by_party.items():
                name = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
                start, end = row.spans[0][0], row.spans[-1][1]
                actor = _Actor(name, party, start, end, ())
                d = _draft(
                    doc,
                    row.block,
                    block,
                    0,
                    _Reading(actor, "duty", start),
                    list(row.spans),
                    "table",
                    row.label,
                )
                d.duty = (
                    f"{name} ansvarar för {row.label[:1].lower()}{row.label[1:]}".rstrip(".") + "."
                )
                d.conditions = ()
                drafts.append(d)
    return drafts


# ── assembling ──────────────────────────────────────────────────────────────────────────


def _divided(drafts: list[_Draft]) -> None:
    """Two adjacent prose sentences giving one matter to kommun and to region: `divided`,
    each quoting both."""
    for a, b in itertools.pairwise(drafts):
        if a.form != "prose" or b.form != "prose":
            continue
        if {a.actor.party, b.actor.party} != {"kommun", "region"}:
            continue
        same_block = a.paragraph == b.paragraph and b.sentence == a.sentence + 1
        next_block = (
            b.paragraph == a.paragraph + 1 and b.sentence == 0 and a.block.trail == b.block.trail
        )
        if not (same_block or next_block) or not _shares_matter(a, b):
            continue
        a.form = b.form = "divided"
        own_a, own_b = a.spans[-1], b.spans[-1]
        a.spans = [*a.spans, own_b]
        b.spans = [own_a, *b.spans]


def _shares_matter(a: _Draft, b: _Draft) -> bool:
    """Parallel wording: "motsvarande", or a content word both duties share."""
    if "motsvarande" in b.duty.lower():
        return True
    actors = {morphology.lemma(w) for w in _WORD.findall(a.actor.text + " " + b.actor.text)}
    words_a = {morphology.lemma(w) for w in _WORD.findall(a.duty) if len(w) > 4}
    words_b = {morphology.lemma(w) for w in _WORD.findall(b.duty) if len(w) > 4}
    return bool((words_a & words_b) - actors)


def _form(draft: _Draft) -> StatementForm:
    if draft.form in ("table", "list", "divided"):
        return draft.form
    if draft.polarity == "not":
        return "negation"
    if draft.actor.party == "gemensamt" and _joint_phrase(draft.actor):
        return "joint"
    return "prose"


def _joint_phrase(actor: _Actor) -> bool:
    """Both parties named, or a word for them all ("huvudmännen", "varje verksamhet"),
    not one joint body ("Beredningsgruppen", whose name comes from one agreement)."""
    if len({m.party for m in actor.mentions}) > 1:
        return True
    return any(m.actor.source.startswith("allmän") for m in actor.mentions)


def _chunk_for(chunks: Sequence[Chunk], at: int) -> str | None:
    for chunk in chunks:
        if chunk.start <= at < chunk.end:
            return chunk.id
    return None


def _finish(doc: Document, chunks: Sequence[Chunk], draft: _Draft) -> Statement:
    spans = tuple(dict.fromkeys(draft.spans))
    quotes = tuple(doc.text[a:b] for a, b in spans)
    own = _own_span(draft)
    first_page, _last = page_at(doc, own[0], own[1])
    actor = draft.actor.text.strip(" ,")
    key = hashlib.sha256(
        f"{doc.id}\x1f{spans}\x1f{actor}\x1f{draft.actor.party}".encode()
    ).hexdigest()[:12]
    return Statement(
        id=f"{doc.id[:24]}-st-{key}",
        document_id=doc.id,
        chunk_id=_chunk_for(chunks, own[0]),
        actor=actor,
        party=draft.actor.party,
        duty=draft.duty,
        conditions=draft.conditions,
        polarity=draft.polarity,
        quotes=quotes,
        spans=spans,
        section=SECTION_SEPARATOR.join(draft.block.trail),
        page=first_page,
        form=_form(draft),
    )


def _own_span(draft: _Draft) -> tuple[int, int]:
    """The span the statement itself stands in: a list item's (not its lead-in's), a
    divided sentence's own (not its partner's)."""
    if draft.form == "list":
        return draft.spans[-1]
    if draft.form == "divided" and len(draft.spans) > 1:
        own = [s for s in draft.spans if draft.block.start <= s[0] < draft.block.end]
        return own[-1] if own else draft.spans[0]
    return draft.spans[0]


def extract_statements(
    document: Document, chunks: Sequence[Chunk] = (), raw: str | None = None
) -> list[Statement]:
    """Who does what in one agreement, in text order. `chunks` are its passages (each
    statement names the one it lies in); `raw`, the text as extracted, lets a table be read
    with its empty cells."""
    blocks = document.blocks
    tables = _x_matrices(document, raw)
    rows = _actor_rows(document, [(i, b) for i, b in enumerate(blocks) if b.kind == "paragraph"])
    taken = {id(d.block) for d in tables} | {id(d.block) for d in rows}
    table_blocks = {i for t in _table_rows(document) for r in t for i in _blocks_of(document, r)}
    drafts: list[_Draft] = []
    for index, block in enumerate(blocks):
        if id(block) in taken or index in table_blocks:
            continue
        if block.kind == "paragraph":
            opens_list = index + 1 < len(blocks) and blocks[index + 1].kind == "item"
            drafts.extend(_paragraph_statements(document, index, block, opens_list))
        elif block.kind == "item":
            lead = _lead_of(document, block, index)
            if block.level >= 2 and lead is not None and lead.actor is not None:
                parent = next(
                    (
                        b
                        for b in reversed(blocks[:index])
                        if b.kind == "item" and b.level < block.level
                    ),
                    None,
                )
                if parent is not None:  # a sub-item: its lead-in is the list's and its parent's
                    lead = replace(lead, text=f"{lead.text} {_clean(parent.text)}")
            drafts.extend(_item_statements(document, index, block, lead))
    drafts.extend(tables)
    drafts.extend(rows)
    drafts.sort(key=lambda d: _own_span(d)[0])
    _divided(drafts)
    return [_finish(document, chunks, d) for d in drafts]


def _blocks_of(doc: Document, row: _Row) -> list[int]:
    return [i for i, b in enumerate(doc.blocks) if any(b.start <= s < b.end for s, _ in row.spans)]


def extract_corpus(
    documents: Iterable[Document],
    chunks: Sequence[Chunk] = (),
    raws: dict[str, str] | None = None,
) -> list[Statement]:
    """The statements of every document, each with its own document's passages and raw text."""
    by_document: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_document.setdefault(chunk.document_id, []).append(chunk)
    out: list[Statement] = []
    for doc in documents:
        out.extend(extract_statements(doc, by_document.get(doc.id, []), (raws or {}).get(doc.id)))
    return out
