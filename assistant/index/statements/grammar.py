"""Grammar: the closed classes of Swedish function words the extractor reads by, and the
word-class tests (finite, infinitive, passive) it asks `morphology` for.

These are grammar, not vocabulary: modals, subordinators, adverbial openers, negations,
the nouns and adjectives that carry a duty. Which actors there are comes from `actors`.
"""

from __future__ import annotations

import re

from assistant import morphology

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


_WORD = re.compile(r"[^\W\d_]+")


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
