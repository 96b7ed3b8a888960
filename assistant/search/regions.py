"""Where a question is about: Sweden's 21 län and 290 municipalities, in the forms staff type.

A question that names a covered region (or one of its municipalities) is answered from that
region's agreements plus national guidance only. A question that names a place whose
region has no agreement in the corpus is reported as such, never answered from another
region's agreement.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from assistant.errors import InputError
from assistant.models import RegionQuery
from assistant.text import fold

# län → its municipalities (SCB's list of 290 kommuner).
MUNICIPALITIES: dict[str, tuple[str, ...]] = {
    "Stockholm": (
        "Botkyrka", "Danderyd", "Ekerö", "Haninge", "Huddinge", "Järfälla", "Lidingö",
        "Nacka", "Norrtälje", "Nykvarn", "Nynäshamn", "Salem", "Sigtuna", "Sollentuna",
        "Solna", "Stockholm", "Sundbyberg", "Södertälje", "Tyresö", "Täby", "Upplands-Bro",
        "Upplands Väsby", "Vallentuna", "Vaxholm", "Värmdö", "Österåker",
    ),
    "Uppsala": (
        "Enköping", "Heby", "Håbo", "Knivsta", "Tierp", "Uppsala", "Älvkarleby", "Östhammar",
    ),
    "Södermanland": (
        "Eskilstuna", "Flen", "Gnesta", "Katrineholm", "Nyköping", "Oxelösund", "Strängnäs",
        "Trosa", "Vingåker",
    ),
    "Östergötland": (
        "Boxholm", "Finspång", "Kinda", "Linköping", "Mjölby", "Motala", "Norrköping",
        "Söderköping", "Vadstena", "Valdemarsvik", "Ydre", "Åtvidaberg", "Ödeshög",
    ),
    "Jönköping": (
        "Aneby", "Eksjö", "Gislaved", "Gnosjö", "Habo", "Jönköping", "Mullsjö", "Nässjö",
        "Sävsjö", "Tranås", "Vaggeryd", "Vetlanda", "Värnamo",
    ),
    "Kronoberg": (
        "Alvesta", "Lessebo", "Ljungby", "Markaryd", "Tingsryd", "Uppvidinge", "Växjö",
        "Älmhult",
    ),
    "Kalmar": (
        "Borgholm", "Emmaboda", "Hultsfred", "Högsby", "Kalmar", "Mönsterås", "Mörbylånga",
        "Nybro", "Oskarshamn", "Torsås", "Vimmerby", "Västervik",
    ),
    "Gotland": ("Gotland",),
    "Blekinge": ("Karlshamn", "Karlskrona", "Olofström", "Ronneby", "Sölvesborg"),
    "Skåne": (
        "Bjuv", "Bromölla", "Burlöv", "Båstad", "Eslöv", "Helsingborg", "Hässleholm",
        "Höganäs", "Hörby", "Höör", "Klippan", "Kristianstad", "Kävlinge", "Landskrona",
        "Lomma", "Lund", "Malmö", "Osby", "Perstorp", "Simrishamn", "Sjöbo", "Skurup",
        "Staffanstorp", "Svalöv", "Svedala", "Tomelilla", "Trelleborg", "Vellinge", "Ystad",
        "Åstorp", "Ängelholm", "Örkelljunga", "Östra Göinge",
    ),
    "Halland": ("Falkenberg", "Halmstad", "Hylte", "Kungsbacka", "Laholm", "Varberg"),
    "Västra Götaland": (
        "Ale", "Alingsås", "Bengtsfors", "Bollebygd", "Borås", "Dals-Ed", "Essunga",
        "Falköping", "Färgelanda", "Grästorp", "Gullspång", "Göteborg", "Götene",
        "Herrljunga", "Hjo", "Härryda", "Karlsborg", "Kungälv", "Lerum", "Lidköping",
        "Lilla Edet", "Lysekil", "Mariestad", "Mark", "Mellerud", "Munkedal", "Mölndal",
        "Orust", "Partille", "Skara", "Skövde", "Sotenäs", "Stenungsund", "Strömstad",
        "Svenljunga", "Tanum", "Tibro", "Tidaholm", "Tjörn", "Tranemo", "Trollhättan",
        "Töreboda", "Uddevalla", "Ulricehamn", "Vara", "Vårgårda", "Vänersborg", "Åmål",
        "Öckerö",
    ),
    "Värmland": (
        "Arvika", "Eda", "Filipstad", "Forshaga", "Grums", "Hagfors", "Hammarö", "Karlstad",
        "Kil", "Kristinehamn", "Munkfors", "Storfors", "Sunne", "Säffle", "Torsby", "Årjäng",
    ),
    "Örebro": (
        "Askersund", "Degerfors", "Hallsberg", "Hällefors", "Karlskoga", "Kumla", "Laxå",
        "Lekeberg", "Lindesberg", "Ljusnarsberg", "Nora", "Örebro",
    ),
    "Västmanland": (
        "Arboga", "Fagersta", "Hallstahammar", "Kungsör", "Köping", "Norberg", "Sala",
        "Skinnskatteberg", "Surahammar", "Västerås",
    ),
    "Dalarna": (
        "Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika",
        "Malung-Sälen", "Mora", "Orsa", "Rättvik", "Smedjebacken", "Säter", "Vansbro",
        "Älvdalen",
    ),
    "Gävleborg": (
        "Bollnäs", "Gävle", "Hofors", "Hudiksvall", "Ljusdal", "Nordanstig", "Ockelbo",
        "Ovanåker", "Sandviken", "Söderhamn",
    ),
    "Västernorrland": (
        "Härnösand", "Kramfors", "Sollefteå", "Sundsvall", "Timrå", "Ånge", "Örnsköldsvik",
    ),
    "Jämtland": (
        "Berg", "Bräcke", "Härjedalen", "Krokom", "Ragunda", "Strömsund", "Åre", "Östersund",
    ),
    "Västerbotten": (
        "Bjurholm", "Dorotea", "Lycksele", "Malå", "Nordmaling", "Norsjö", "Robertsfors",
        "Skellefteå", "Sorsele", "Storuman", "Umeå", "Vilhelmina", "Vindeln", "Vännäs", "Åsele",
    ),
    "Norrbotten": (
        "Arjeplog", "Arvidsjaur", "Boden", "Gällivare", "Haparanda", "Jokkmokk", "Kalix",
        "Kiruna", "Luleå", "Pajala", "Piteå", "Älvsbyn", "Överkalix", "Övertorneå",
    ),
}

# Other ways of naming a län: genitive and adjective forms, the region's own name.
REGION_FORMS: dict[str, tuple[str, ...]] = {
    "Värmland": ("värmländsk", "värmlänning"),
    "Västmanland": ("västmanländsk", "västmanlänning"),
    "Dalarna": ("dalarnas", "dalsk", "dalkarl", "dalmas", "Falu kommun"),  # Falun's own name
    "Skåne": ("skånsk", "skåning"),
    "Stockholm": ("stockholmsk", "storstockholm"),
    "Västra Götaland": ("västra götalandsregionen", "vgr", "västgöt"),
    "Östergötland": ("östgöt",),
    "Södermanland": ("sörmland", "sörmländsk"),
    "Gotland": ("gotländsk",),
    "Norrbotten": ("norrbottnisk",),
    "Västerbotten": ("västerbottnisk",),
    "Jämtland": ("jämtländsk", "jämtland härjedalen"),
    "Halland": ("halländsk",),
    "Blekinge": ("blekingsk",),
    "Gävleborg": (),
    "Västernorrland": (),
    "Uppsala": (),
    "Jönköping": (),
    "Kronoberg": (),
    "Kalmar": (),
    "Örebro": (),
}

# Municipality names that are also everyday Swedish words count only when capitalised and
# spelt with the name's own letters ("Våra" is not Vara, "anges" is not Ånge).
COMMON_WORDS = {
    "vara", "mark", "berg", "kil", "ale", "boden", "lund", "salem", "nora", "åre", "ånge",
}


@cache
def _patterns() -> list[tuple[re.Pattern[str], str, str]]:
    """(pattern over folded text, län, exact name it must be written as or "") — longest first."""
    names: list[tuple[str, str, bool]] = []
    for lan, municipalities in MUNICIPALITIES.items():
        names.append((lan, lan, False))
        names.extend((form, lan, False) for form in REGION_FORMS[lan])
        names.extend((m, lan, m.casefold() in COMMON_WORDS) for m in municipalities)
    names.sort(key=lambda n: -len(n[0]))
    patterns = []
    for name, lan, strict in names:
        stem = re.escape(fold(name)).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
        adjective = name.islower()  # "värmländsk" → värmländska, värmländskt …
        # Longest first: the regex takes the first alternative that fits, and "s" alone would
        # leave "kommun" of "Karlstads kommun" behind; "lan" because the text is folded.
        suffix = r"\w*" if adjective else r"(?:s\s+lan|s\s+kommun|\s+lan|\s+kommun|s)?"
        exact = name.casefold() if strict else ""
        patterns.append((re.compile(rf"(?<!\w){stem}{suffix}(?!\w)"), lan, exact))
    return patterns


def _fold_with_origins(text: str) -> tuple[str, list[int]]:
    """The folded text and, per folded character, its index in `text`."""
    # Folding can change the length ("…" → "...", "ß" → "ss"): map spans back per character.
    parts: list[str] = []
    origins: list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch)
        parts.append(folded)
        origins.extend([i] * len(folded))
    return "".join(parts), origins


_WORD = re.compile(r"\w+")
_KEY_CHARS = 3  # the shortest first word of a name ("kil", "are", "vgr")


@cache
def _patterns_by_key() -> dict[str, tuple[int, ...]]:
    """For the first letters of a word: the patterns (by position) that can start there."""
    keys: dict[str, list[int]] = {}
    for n, (pattern, _, _) in enumerate(_patterns()):
        # A match starts where a word starts, and that word begins with the name's first
        # word (a hyphen or a space ends it), so it begins with these letters.
        first = pattern.pattern.removeprefix("(?<!\\w)")[:_KEY_CHARS]
        if not first.isalnum() or len(first) < _KEY_CHARS:
            raise AssertionError(f"place-name pattern without a plain start: {pattern.pattern}")
        keys.setdefault(first, []).append(n)
    return {key: tuple(found) for key, found in keys.items()}


def _candidates(folded: str) -> list[tuple[re.Pattern[str], str, str]]:
    """The patterns that may match somewhere in `folded`, in `_patterns()` order."""
    by_key = _patterns_by_key()
    chosen: set[int] = set()
    for word in _WORD.findall(folded):
        chosen.update(by_key.get(word[:_KEY_CHARS], ()))
    patterns = _patterns()
    return [patterns[n] for n in sorted(chosen)]


def mentions(question: str) -> list[tuple[str, str]]:
    """Every (words, län) the question names, in order of appearance, without overlaps."""
    folded, origins = _fold_with_origins(question)
    taken = [False] * len(folded)
    found: list[tuple[int, str, str]] = []
    # Only the few patterns whose first letters begin a word of the question are tried
    # (trying all 337 took 0.8 ms a question); the order, and so the result, is the same.
    for pattern, lan, exact in _candidates(folded):
        for match in pattern.finditer(folded):
            if any(taken[match.start() : match.end()]):
                continue
            start, end = origins[match.start()], origins[match.end() - 1] + 1
            words = question[start:end]
            if exact and not (words[:1].isupper() and words.casefold().startswith(exact)):
                continue
            for i in range(match.start(), match.end()):
                taken[i] = True
            found.append((start, words, lan))
    return [(words, lan) for _, words, lan in sorted(found)]


def region_mentions(text: str) -> Counter[str]:
    """How many times a text (a whole agreement) names each län or one of its places."""
    return Counter(lan for _, lan in mentions(text))


def detect_region(question: str, covered: set[str]) -> RegionQuery:
    """Which covered region a question is about, or which named place has no agreement."""
    named = mentions(question)
    covered_named = sorted({lan for _, lan in named if lan in covered})
    uncovered_named = [(w, lan) for w, lan in named if lan not in covered]
    words = tuple(w for w, _ in named)
    if len(covered_named) == 1:
        return RegionQuery(region=covered_named[0], mentioned=words)
    if not covered_named and uncovered_named:
        place, lan = uncovered_named[0]
        return RegionQuery(region=None, uncovered=_place_label(place, lan), mentioned=words)
    return RegionQuery(region=None, mentioned=words)


def _place_label(place: str, lan: str) -> str:
    """'Malmö (Skåne)' for a municipality, 'Skåne' for a län."""
    return lan if fold(place).startswith(fold(lan)[:5]) else f"{place.strip()} ({lan})"


def canonical_region(name: str) -> str:
    """The län a region parameter names ("värmland", "Region Dalarna", "Västerås" …)."""
    cleaned = " ".join(name.split())
    for prefix in ("region ", "landstinget "):
        if cleaned.casefold().startswith(prefix):
            cleaned = cleaned[len(prefix) :]
    named = mentions(cleaned)
    if len(named) == 1 and len(fold(named[0][0]).strip()) >= len(fold(cleaned)) - 8:
        return named[0][1]
    known = ", ".join(sorted(MUNICIPALITIES))
    raise InputError(f"Okänd region {name!r}. Ange ett län, till exempel: {known}.")
