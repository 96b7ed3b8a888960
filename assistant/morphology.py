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

    A verb's infinitive is its own lemma and has a present tense in -r ("samordnar") or
    -er ("erbjuder") whose lemma is the infinitive; nouns, adjectives and pronouns ending in
    -a ("dessa", "regionala") have no such form.
    """
    w = word.lower()
    if len(w) < 3 or not w.endswith("a") or w not in _analyses(w)[0]:
        return False
    return any(w in _analyses(present)[0] for present in (w + "r", w[:-1] + "er"))


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
