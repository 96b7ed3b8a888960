"""Statements: who does what, read from agreement texts, and scored against the gold."""

from __future__ import annotations

import pytest

from assistant.evals.statements import evaluate
from assistant.index.statements import actors, extract_statements
from assistant.models import Statement
from tests.corpus import normalised


def statements_of(text: str) -> list[Statement]:
    return extract_statements(normalised(text))


def one(text: str) -> Statement:
    found = statements_of(text)
    assert len(found) == 1, [(s.actor, s.duty) for s in found]
    return found[0]


@pytest.mark.parametrize(
    ("text", "actor", "party"),
    [
        ("Regionen ansvarar för abstinensvård och avgiftning.", "Regionen", "region"),
        ("Socialtjänsten ska erbjuda boendestöd till personer med psykisk funktionsnedsättning.",
         "Socialtjänsten", "kommun"),
        ("Kommunerna har kostnadsansvar för placeringar på HVB-hem.", "Kommunerna", "kommun"),
        ("Statens institutionsstyrelse ansvarar för de särskilda ungdomshemmen.",
         "Statens institutionsstyrelse", "annan"),
        ("Beroendevården ansvarar för läkemedelsassisterad behandling.", "Beroendevården",
         "region"),
    ],
)
def test_a_prose_duty_names_its_actor_and_party(text: str, actor: str, party: str) -> None:
    found = one(text)
    assert (found.actor, found.party, found.polarity) == (actor, party, "duty")
    assert found.quotes == (text,)


def test_a_list_under_a_lead_in_gives_one_complete_sentence_per_item() -> None:
    found = statements_of(
        "Regionen ansvarar för:\n\n"
        "• läkemedelsassisterad behandling vid opiatberoende\n"
        "• abstinensbehandling\n"
    )
    assert [s.party for s in found] == ["region", "region"]
    assert found[0].duty == (
        "Regionen ansvarar för läkemedelsassisterad behandling vid opiatberoende."
    )
    assert found[0].form == "list"
    assert found[0].quotes[0] == "Regionen ansvarar för:"


def test_an_infinitive_item_under_ska_becomes_a_sentence_with_ska() -> None:
    found = statements_of("Kommunen ska:\n\n• erbjuda stöd i boendet\n• kalla till SIP\n")
    assert [s.duty for s in found] == ["Kommunen ska erbjuda stöd i boendet.",
                                       "Kommunen ska kalla till SIP."]


def test_an_explicit_negative_has_polarity_not() -> None:
    found = statements_of(
        "Kommunen har skyldighet att erbjuda sysselsättning. Regionen saknar motsvarande "
        "skyldighet."
    )
    by_actor = {s.actor: s for s in found}
    assert by_actor["Kommunen"].polarity == "duty"
    assert by_actor["Regionen"].polarity == "not"


def test_a_joint_duty_is_gemensamt() -> None:
    found = one("Kommunerna och regionen har ett gemensamt ansvar för att upprätta en SIP.")
    assert found.party == "gemensamt" and found.form == "joint"


@pytest.mark.parametrize(
    "text",
    [
        "Regionen kan erbjuda stöd vid behov.",
        "Det är viktigt att kommunen och regionen samverkar.",
        "Parkeringsavgiften höjs nästa år.",
    ],
)
def test_permissions_importance_and_actorless_sentences_are_not_statements(text: str) -> None:
    assert statements_of(text) == []


@pytest.mark.parametrize(
    ("name", "party"),
    [("socialtjänstens", "kommun"), ("vuxenpsykiatrin", "region"), ("BUP", "region"),
     ("Försäkringskassan", "annan"), ("IFO", "kommun"), ("vårdcentralen", "region")],
)
def test_actor_names_match_on_lemmas_and_compounds(name: str, party: str) -> None:
    assert actors.party_of(name) == party


# ── the real corpus against the gold (slow: the corpus is normalised) ──────────────────


@pytest.mark.slow
def test_the_extractor_holds_its_figures_on_the_development_gold() -> None:
    scores = evaluate("dev")
    assert scores.overall.precision is not None and scores.overall.precision >= 0.95
    assert scores.overall.recall is not None and scores.overall.recall >= 0.85
    assert scores.overall.party_accuracy is not None and scores.overall.party_accuracy >= 0.95


@pytest.mark.slow
def test_the_held_out_gold_is_scored_without_details() -> None:
    scores = evaluate("holdout")
    assert scores.overall.gold == 163  # every held-out statement is counted
    assert scores.overall.precision is not None and scores.overall.precision >= 0.8
