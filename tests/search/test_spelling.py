"""Typos matched to the corpus word meant; real words, places and abbreviations kept."""

from __future__ import annotations

from assistant.search.spelling import Speller, corpus_words

TEXTS = [
    "Regionen ansvarar för abstinensbehandling och suicidprevention.",
    "Kommunen ansvarar för försörjning. Personligt ombud finns i Värmland.",
    "Kommunerna ansvarar för boendestöd. Mottagningen har öppet på vardagar.",
    "I Värmland ansvarar kommunen för LVM-vården.",
]


def speller() -> Speller:
    return Speller(*corpus_words(TEXTS))


def test_a_typo_is_corrected_to_the_corpus_word_meant() -> None:
    text, changes = speller().correct("Vem ansvrar för sucidprevention och försörjnig?")
    assert text == "Vem ansvarar för suicidprevention och försörjning?"
    assert changes == (
        ("ansvrar", "ansvarar"), ("sucidprevention", "suicidprevention"),
        ("försörjnig", "försörjning"),
    )


def test_a_word_without_its_diacritics_gets_them_back() -> None:
    assert speller().correct("nar har mottagningen oppet")[0] == "nar har mottagningen öppet"


def test_a_misspelt_region_is_found_and_keeps_its_capital() -> None:
    assert speller().correct("LARO i Värmlnd?")[0] == "LARO i Värmland?"


def test_real_words_places_abbreviations_and_ages_are_left_alone() -> None:
    s = speller()
    for question in (
        "Min pappa dricker för mycket",  # real Swedish words the corpus lacks
        "Vem ansvarar i Rättvik?",  # a municipality, not a typo of anything
        "Vem har LVU-vården?",  # another law's care, not "LVM-vården"
        "En 14-åring med missbruk",
    ):
        assert s.correct(question) == (question, ()), question
