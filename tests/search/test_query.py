"""The question as analysed once per ask: cleaning and its limits, synonyms, place words
and ages (assistant/search/query.py)."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.models import RegionQuery
from assistant.search.query import (
    clean_question,
    expand_query,
    make_query,
    strip_places,
    without_ages,
)
from assistant.search.regions import detect_region
from assistant.text import MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    ("question", "added"),
    [
        ("Vem ansvarar för avgiftning?", "abstinensvård"),
        ("Ska soc ordna boende?", "socialtjänsten"),
        ("Vem ansvarar för LARO?", "läkemedelsassisterad behandling"),
        ("Vem ger läkemedelsassisterad behandling?", "laro"),
        ("Vem hjälper till med jobb?", "sysselsättning"),
        ("Vem ansvarar för abstinensvard?", "avgiftning"),  # typed without å
    ],
)
def test_synonym_expansion(question: str, added: str) -> None:
    expanded = expand_query(question)
    assert expanded.startswith(question)
    assert added in expanded[len(question) :]


def test_no_expansion_without_a_synonym() -> None:
    assert expand_query("Vem ansvarar för personer med demens?") == (
        "Vem ansvarar för personer med demens?"
    )


def test_strip_places_removes_the_place_words_only() -> None:
    question = "Vem ansvarar för boendestöd i Karlstads kommun?"
    place = detect_region(question, {"Värmland"})
    assert strip_places(question, place) == "Vem ansvarar för boendestöd ?"
    only_place = "Värmland?"
    assert strip_places(only_place, detect_region(only_place, {"Värmland"})) == only_place




@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "tom"),
        ("   \n\t  ", "tom"),
        ("\x00\x01\x07\x1b", "tom"),  # only control characters
        ("\u200b\u200b", "tom"),  # only zero-width spaces
        ("?!? … ... ,;:", "inga ord"),
        ("12 34 56", "inga ord"),
        ("Vem ansvarar för SIP? " * 500, "för lång"),  # about 10 kB
    ],
)
def test_bad_questions_are_input_errors_with_a_clear_message(raw: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        clean_question(raw)
    assert fragment in caught.value.message
    assert caught.value.status == 422
    assert caught.value.code == "invalid_input"


def test_control_characters_inside_a_question_are_removed() -> None:
    assert clean_question("Vem\x00 ansvarar\x1b för\u200b SIP?\x7f") == "Vem ansvarar för SIP?"


def test_the_longest_allowed_question_passes() -> None:
    question = ("a" * 9 + " ") * (MAX_QUESTION_CHARS // 10)
    assert len(clean_question(question)) == MAX_QUESTION_CHARS - 1
    with pytest.raises(InputError):
        clean_question("a" * (MAX_QUESTION_CHARS + 1))


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("Jag är mamma till en 30-åring i Falun.", "Jag är mamma till en åring i Falun."),
        ("en man på 52 år som inte har", "en man på år som inte har"),
        ("Gäller den 16-åringar?", "Gäller den åringar?"),
        # Age limits, years, law references and other numbers stay.
        ("Gäller den personer under 18 år?", "Gäller den personer under 18 år?"),
        ("Vem fick 2018 ett utökat ansvar?", "Vem fick 2018 ett utökat ansvar?"),
        ("Vad säger 5 kap. 7 § SoL?", "Vad säger 5 kap. 7 § SoL?"),
    ],
)
def test_the_number_of_an_age_is_not_searched_for(question: str, searched: str) -> None:
    assert without_ages(question) == searched


def test_a_query_strips_the_place_for_the_search_only_when_a_region_filters() -> None:
    question = "Vem ansvarar för boendestöd för en 30-åring i Karlstads kommun?"
    query = make_query(question, detect_region(question, {"Värmland"}))
    assert query.text == question and query.place.region == "Värmland"
    assert query.stripped == query.searched == "Vem ansvarar för boendestöd för en 30-åring ?"
    assert query.lexical.startswith("Vem ansvarar för boendestöd för en åring ?")
    uncovered = make_query("Vem ansvarar för LARO i Skåne?", RegionQuery(
        region=None, uncovered="Skåne", mentioned=("Skåne",)))
    assert uncovered.stripped != uncovered.text and uncovered.searched == uncovered.text
