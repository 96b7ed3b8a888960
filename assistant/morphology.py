"""Swedish morphology: lemmas, compound parts and verb forms, from hunspell's Swedish dictionary.

`chunspell` (imported as `hunspell`) with the `hunspell-sv` dictionary is confined to this
module; both come from PyPI and work offline. The dictionary is found where the
`hunspell-sv` wheel installs it (`<prefix>/share/hunspell/sv_SE.*`) and loaded on first use.
Each word's analysis is cached for the life of the process: the dictionary never changes
while it runs, so the cache cannot go stale.
"""

from __future__ import annotations

import site
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import MorphologyError

DICTIONARY = "sv_SE"
_lock = threading.Lock()
_speller: Any = None


def dictionary_dir() -> Path:
    """The folder holding sv_SE.aff/.dic as installed by the hunspell-sv package."""
    prefixes = [sys.prefix, sys.base_prefix, site.getuserbase(), "/usr/local", "/usr"]
    for prefix in prefixes:
        folder = Path(prefix) / "share" / "hunspell"
        if (folder / f"{DICTIONARY}.dic").is_file() and (folder / f"{DICTIONARY}.aff").is_file():
            return folder
    raise MorphologyError(
        "Den svenska ordlistan (hunspell-sv) saknas; installera paketet med `pip install "
        "hunspell-sv`."
    )


def _hunspell() -> Any:
    global _speller
    with _lock:
        if _speller is None:
            import hunspell

            _speller = hunspell.Hunspell(DICTIONARY, hunspell_data_dir=str(dictionary_dir()))
        return _speller


@lru_cache(maxsize=65536)
def _analyses(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems, compound parts) of one lower-cased word; empty when the dictionary lacks it."""
    speller = _hunspell()
    with _lock:
        if not speller.spell(word):
            return (), ()
        raw = speller.analyze(word)
    stems: list[str] = []
    parts: list[str] = []
    for analysis in raw:
        fields = analysis.split()
        for f in fields:
            if f.startswith("st:") and f[3:] not in stems:
                stems.append(f[3:])
            elif f.startswith("pa:") and f[3:] not in parts:
                parts.append(f[3:])
    return tuple(stems), tuple(parts)


def known(word: str) -> bool:
    """Whether the dictionary knows the word (in any inflected form)."""
    return bool(_analyses(word.lower())[0])


def lemmas(word: str) -> tuple[str, ...]:
    """The word's base forms ("insatser" → "insats"); the word itself when unknown."""
    stems = _analyses(word.lower())[0]
    return stems or (word.lower(),)


def is_infinitive(word: str) -> bool:
    """Whether the word is a verb in its base form ("tillhandahålla", "erbjuda", "samordna").

    A verb's infinitive is its own lemma and has a present tense whose lemma it is: in -r
    ("samordnar"), in -er ("erbjuder"), or a stem in -r that is its own present
    ("genomför"); nouns, adjectives and pronouns ending in -a ("dessa", "regionala") have
    no such form.
    """
    w = word.lower()
    if len(w) < 3 or not w.endswith("a") or w not in _analyses(w)[0]:
        return False
    # "genomföra", "styra": a stem ending in -r is its own present ("genomför", "styr").
    presents = (w + "r", w[:-1] + "er") + ((w[:-1],) if w[-2] == "r" else ())
    return any(w in _analyses(present)[0] for present in presents)


# Finite auxiliaries the dictionary lists as their own lemma (a closed class, not a suffix list).
AUXILIARIES = frozenset({"är", "var", "har", "hade", "ska", "skall", "skulle", "får", "fick",
                         "måste", "kan", "kunde", "bör", "borde", "vill", "ville", "blir"})


def is_finite_verb(word: str) -> bool:
    """Whether the word is a tensed verb form ("ansvarar", "erbjuder", "ansvarade", "ska")."""
    w = word.lower()
    if w in AUXILIARIES:
        return True
    # Present in -r, past in -de/-te; an imperative ("stöd") is no tensed form.
    if not w.endswith(("r", "de", "te")):
        return False
    return any(lemma != w and is_infinitive(lemma) for lemma in _analyses(w)[0])


# ── compounds and whole-word lemmas (for matching actors and duties) ───────────────────

MIN_COMPOUND_PART = 3  # letters: a shorter piece of an unknown word is no compound part


@lru_cache(maxsize=65536)
def _readings(word: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Each analysis of a lower-cased word as its parts, (surface, lemma) in order.

    A compound's analysis lists its parts as `pa:` fields, each followed by its own `st:`
    ("beroendevården" → pa:beroende st:beroende pa:vården st:vård); a plain word has one
    `st:` and no `pa:`. Letters no part covers (a linking "s", an unanalysed first part:
    "öppenvårds" + "psykiatrin") stay with the part before, or open the word. An unknown
    word is split at its longest known tail ("götalandsregionen" → "göta" + "landsregionen"),
    so compounds the dictionary lacks still show their head.
    """
    speller = _hunspell()
    with _lock:
        raw = speller.analyze(word) if speller.spell(word) else []
    readings: list[tuple[tuple[str, str], ...]] = []
    for analysis in raw:
        found: list[list[str]] = []
        stem: str | None = None
        for f in analysis.split():
            if f.startswith("pa:"):
                found.append([f[3:], f[3:]])
            elif f.startswith("st:"):
                if found:
                    found[-1][1] = f[3:]
                else:
                    stem = f[3:]
        if found:
            readings.append(_placed(word, found))
        elif stem:
            readings.append(((word, stem),))
    if readings:
        return tuple(readings)
    if word.isalpha():
        for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART):
            tail = word[cut:]
            if speller.spell(tail) and _analyses(tail)[0]:
                return (((word[:cut], word[:cut]), *_best(tail)),)
    return (((word, word),),)


def _placed(word: str, found: list[list[str]]) -> tuple[tuple[str, str], ...]:
    """The parts of one analysis laid over the word, so that their surfaces cover it."""
    parts: list[tuple[str, str]] = []
    at = 0
    for surface, part_lemma in found:
        where = word.find(surface, at)
        if where < 0:
            continue
        if where > at:  # letters before this part: a linking morpheme or an unknown part
            if parts:
                prev_surface, prev_lemma = parts[-1]
                parts[-1] = (prev_surface + word[at:where], prev_lemma)
            else:
                parts.append((word[:where], word[:where]))
        parts.append((surface, part_lemma))
        at = where + len(surface)
    if not parts:
        return ((word, word),)
    if at < len(word):
        last_surface, last_lemma = parts[-1]
        parts[-1] = (last_surface + word[at:], last_lemma)
    return tuple(parts)


def _best(word: str) -> tuple[tuple[str, str], ...]:
    """The reading with the shortest lemma: the inflected reading of "sjukvården" ("sjukvård")
    wins over the lexicalised form the dictionary also lists."""
    return min(_readings(word.lower()), key=lambda parts: len(_joined(parts)))


def _joined(parts: tuple[tuple[str, str], ...]) -> str:
    return "".join(surface for surface, _ in parts[:-1]) + parts[-1][1]


def lemma(word: str) -> str:
    """The word's base form as one word ("beroendevården" → "beroendevård", "parterna" →
    "part"); the lower-cased word itself when the dictionary does not know it."""
    return _joined(_best(word))


def compound_parts(word: str) -> tuple[str, ...]:
    """The lemmas of a compound's parts, first to last ("beroendevården" → beroende, vård);
    a simple word gives its lemma alone."""
    return tuple(part_lemma for _, part_lemma in _best(word))


def head(word: str) -> str:
    """The lemma of the word's last compound part, which carries its meaning ("vård")."""
    return _best(word)[-1][1]


# Verbs in -ra whose present tense drops the -a ("göra" → "gör", "genomföra" → "genomför",
# "innebära" → "innebär"): the dictionary lists these forms as words of their own, not as
# inflections, so their present tense cannot be read from it. A closed class.
_SHORT_PRESENT_STEMS = ("gör", "för", "bär")


@lru_cache(maxsize=65536)
def is_present_tense(word: str) -> bool:
    """Whether the word is a verb in the present tense ("ansvarar", "erbjuder", "står",
    "ger", "genomför"); "för" alone is the preposition. The modal auxiliaries ("ska",
    "kan", "är") are the closed class `AUXILIARIES`."""
    w = word.lower()
    if len(w) < 3 or not w.endswith("r") or not w.isalpha():
        return False
    if is_finite_verb(w):
        return w not in ("var", "hade", "skulle", "kunde", "fick", "borde", "ville")
    stems = _analyses(w)[0]
    # "står" ← "stå", "ger" ← "ge", "ingår" ← "ingå": the dictionary reads it as a form of
    # a verb that ends in a vowel.
    if w[:-1] in stems and (w[-2] in "aå" or (w[-2] == "e" and len(w) <= 4)):
        return True
    # "för" and "inför" are far more often the prepositions.
    if w.endswith(_SHORT_PRESENT_STEMS) and w not in ("för", "inför") and known(w + "a"):
        return True
    # "tar" ← "ta": a one-syllable verb the dictionary keeps apart from its present tense.
    if len(w) == 3 and w[1] in "aeå" and known(w[:-1]) and w != "var":
        return True
    # "stödjer" ← "stödja", "förbinder" ← "förbinda": an -er present the dictionary keeps
    # apart from its infinitive (long enough not to be a preposition: "över" ← "öva").
    # The dictionary lists such a form as a word of its own, with no other base form (a
    # plural noun in -er has its singular: "personer" → "person").
    return (
        len(w) >= 7
        and w.endswith("er")
        and stems == (w,)
        and known(w[:-2] + "a")
    )
