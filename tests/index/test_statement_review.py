"""Review of a new agreement: sentences with a duty verb in which no known actor was found."""

from __future__ import annotations

import pytest

from assistant.index.statements import extract_statements, unattributed_duties
from tests.corpus import normalised


def listed(text: str) -> list[str]:
    return [d.text for d in unattributed_duties(normalised(text))]


@pytest.mark.parametrize(
    "sentence",
    [
        "Styrgruppen ansvarar för uppföljning av överenskommelsen.",
        "Förbundet har ett särskilt uppdrag att bidra till utvecklingen av arbetet.",
        "Myndigheter är skyldiga att samverka med andra myndigheter.",
        "Samordningsgruppen ska följa upp överenskommelsen varje år.",
    ],
)
def test_a_duty_of_an_unknown_actor_is_listed(sentence: str) -> None:
    assert listed(f"1. Ansvar\n\n{sentence}\n") == [sentence]


@pytest.mark.parametrize(
    "sentence",
    [
        "Regionen ansvarar för abstinensvård.",  # a known actor
        "Detta dokument ska ses som ett stöd i det gemensamma arbetet.",  # no doer
        "Överenskommelsen gäller vuxna i länet.",  # no duty verb
        "Planen ska upprättas tillsammans med den enskilde.",  # a passive: the doer is unsaid
    ],
)
def test_other_sentences_are_not_listed(sentence: str) -> None:
    assert listed(f"1. Ansvar\n\n{sentence}\n") == []


def test_a_list_under_an_unknown_actor_lists_its_lead_in_and_a_known_one_nothing() -> None:
    text = (
        "1. Samordning\n\nSamordningsgruppen ska:\n\n• följa upp överenskommelsen\n"
        "• ta fram en handlingsplan\n\n"
        "2. Ansvar\n\nRegionen ska:\n\n• erbjuda abstinensvård\n"
    )
    assert listed(text) == ["Samordningsgruppen ska:"]


def test_the_review_changes_nothing_the_extractor_finds() -> None:
    doc = normalised(
        "1. Ansvar\n\nRegionen ansvarar för abstinensvård. Styrgruppen ansvarar för "
        "uppföljning.\n\nKommunen ska:\n\n• erbjuda boendestöd\n"
    )
    before = extract_statements(doc)
    found = unattributed_duties(doc, before)
    assert [d.text for d in found] == ["Styrgruppen ansvarar för uppföljning."]
    assert found[0].section == "1. Ansvar"
    assert doc.text[found[0].start : found[0].end] == "Styrgruppen ansvarar för uppföljning."
    assert extract_statements(doc) == before
