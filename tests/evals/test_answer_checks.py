"""The clean-answer rule (DESIGN.md) and the Swedish verb forms it rests on."""

from __future__ import annotations

import pytest

from assistant import morphology
from assistant.evals.answer_checks import is_clean, sentences, unclean_parts


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Regionen ansvarar för abstinensvård [1].", True),
        ("I Dalarna: Regionen ansvarar [1]. I Värmland: Kommunen ansvarar [2].", True),
        ("T.ex. ansvarar kommunen, bl.a. för boende, m.m. [1].", True),
        ("Enligt 2 kap. ska regionen erbjuda vård [1].", True),
        ("Båda huvudmännen ansvarar för SIP [1].", True),  # "båda" is also a verb (to bode)
        ("Erbjuda insatser som är anpassade efter behov [1].", False),
        ("3.3.1 Insatser som regionen ansvarar för: läkemedelsbehandling [1].", False),
        ("12 Socialstyrelsen anger att … [1].", False),
        ("Tillhandahålla boende och stöd [1].", False),
        ("Erbjuda stöd till anhöriga [1].", False),
        (": att erbjuda stöd [1].", False),
        ("att erbjuda stöd [1].", False),
        ("Kommunen ansvarar för: att erbjuda boendestöd [1].", False),
        ("Regionen ansvarar för vården [1]. närmast är: Den som …", False),
    ],
)
def test_the_clean_answer_rule(text: str, clean: bool) -> None:
    assert is_clean(text) == clean, unclean_parts(text)


def test_markers_abbreviations_and_region_prefixes_are_not_sentences() -> None:
    assert sentences("I Dalarna: Regionen ansvarar t.ex. för LARO [1]. Kommunen ska [2].") == [
        "Regionen ansvarar tex för LARO.",
        "Kommunen ska.",
    ]


def test_every_reason_is_named() -> None:
    reasons = unclean_parts("Kommunen ansvarar för: att stödja. Tillhandahålla boende.")
    assert any("ansvarar för: att" in r for r in reasons)
    assert any("infinitivt verb" in r and "Tillhandahålla" in r for r in reasons)


@pytest.mark.parametrize(
    ("word", "infinitive"),
    [("tillhandahålla", True), ("Erbjuda", True), ("samordna", True), ("utreda", True),
     ("regionala", False), ("dessa", False), ("vissa", False), ("Psykiatrin", False),
     ("insatser", False), ("ansvarar", False), ("Övriga", False)],
)
def test_infinitives_come_from_the_dictionary(word: str, infinitive: bool) -> None:
    assert morphology.is_infinitive(word) == infinitive


def test_lemmas_and_unknown_words() -> None:
    assert morphology.lemmas("insatser") == ("insats",)
    assert morphology.lemmas("psykiatrin") == ("psykiatri",)
    assert morphology.known("boendestöd")
    assert not morphology.known("xqzvbrk")
    assert morphology.lemmas("xqzvbrk") == ("xqzvbrk",)
