"""Who is responsible: the party a sentence gives a duty to, read with its lead-in and
headings, and the party a question asks about."""

from __future__ import annotations

import pytest

from assistant.answer.parties import asks_who, party_asked_of, party_of
from assistant.answer.sentences import split_sentences


def only(text: str, trail: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The party of each quotable unit of a passage."""
    return tuple(str(party_of(s, trail)) for s in split_sentences(text))


def test_a_bullet_under_regionen_ansvarar_for_is_the_regions() -> None:
    text = "Regionen ansvarar för:\n\n• abstinensvård\n• läkemedelsassisterad behandling"
    units = split_sentences(text)
    assert [u.text for u in units[1:]] == ["• abstinensvård", "• läkemedelsassisterad behandling"]
    assert all(party_of(u, ()) == "region" for u in units)


def test_a_lead_in_carried_over_a_cut_list_still_counts() -> None:
    units = split_sentences(
        "• boendestöd\n• sysselsättning", lead_in="Insatser som kommunerna ansvarar för:"
    )
    assert [u.lead_in for u in units] == ["Insatser som kommunerna ansvarar för:"] * 2
    assert [party_of(u, ()) for u in units] == ["kommun", "kommun"]


@pytest.mark.parametrize(
    ("sentence", "party"),
    [
        ("Kommunen ansvarar för boendestöd i den egna bostaden.", "kommun"),
        ("Socialtjänsten ansvarar för att utreda behovet av stöd.", "kommun"),
        ("Regionen ansvarar för abstinensvård och tillnyktring.", "region"),
        ("Psykiatrin ska erbjuda behandling vid samsjuklighet.", "region"),
        ("Läkarintyg utfärdas av primärvård.", "region"),
        ("Läkemedelsassisterad behandling ges av beroendevården.", "region"),
        ("Boendestöd utförs av socialtjänsten.", "kommun"),
        ("Kommunerna och regionen har ett gemensamt ansvar för att ta fram rutiner.", "gemensamt"),
        ("Båda huvudmännen ansvarar för att kalla till SIP.", "gemensamt"),
        # Actors that are neither, from the actors file: the doer, or a passive's agent.
        ("Statens institutionsstyrelse anvisar plats på LVM-hem.", "annan"),
        ("Vård kan ske efter att Förvaltningsrätten beslutat om tvångsvård eller "
         "Socialnämnden fattat beslut om omedelbart omhändertagande.", "annan"),
        ("Tvisten får avgöras i allmän domstol.", "annan"),
        ("Kommunen ska erbjuda den enskilde stöd.", "kommun"),
    ],
)
def test_party_of_a_sentence(sentence: str, party: str) -> None:
    assert only(sentence) == (party,)


def test_kommunerna_och_regionen_gemensamt_ansvar_for_a_list() -> None:
    text = (
        "Kommunerna och regionen har ett gemensamt ansvar för:\n\n"
        "• att ge psykosocial behandling\n• att sprida information om stöd"
    )
    assert only(text) == ("gemensamt", "gemensamt", "gemensamt")


@pytest.mark.parametrize(
    ("heading", "party"),
    [
        ("3.2 Regionens ansvar", "region"),
        ("3.1 Kommunens ansvar", "kommun"),
        ("3.3.1 Insatser som kommunerna ansvarar för:", "kommun"),
        ("3.4 Gemensamt ansvar för kommunerna och regionen", "gemensamt"),
    ],
)
def test_a_heading_trail_gives_a_bullet_without_lead_in_its_party(heading: str, party: str) -> None:
    trail = ("3. Ansvarsfördelning", heading)
    text = "• screening och diagnostik\n• abstinensbehandling i öppenvård"
    assert only(text, trail) == (party, party)


def test_a_bullets_own_party_wins_over_its_heading() -> None:
    trail = ("3. Ansvarsfördelning", "3.2 Regionens ansvar")
    assert only("• Kommunen ansvarar för boendestöd.", trail) == ("kommun",)


def test_running_text_does_not_take_its_party_from_the_heading() -> None:
    # A heading speaks for the list under it, not for every sentence of the section.
    trail = ("3. Ansvarsfördelning", "3.2 Regionens ansvar")
    assert only("Det är viktigt med god samverkan i länet.", trail) == ("None",)


def test_a_sentence_naming_no_doer_has_no_party() -> None:
    assert only("En samordnad individuell plan är ett verktyg för samordning.") == ("None",)


@pytest.mark.parametrize(
    ("sentence", "party"),
    [
        # the subject outranks the parties it is compared with
        (
            "Kommunalt drivna skolor har ett ansvar att kalla till SIP på samma sätt som "
            "socialtjänsten och hälso- och sjukvården.",
            "kommun",
        ),
        # an actor after till/med is the one addressed, not the doer
        ("Vårdcentralen ska anmäla till socialtjänsten om ett barn far illa.", "region"),
        ("Vid misstanke om missbruk ska kontakt tas med socialtjänsten.", "None"),
        # the subject of a clause
        (
            "Ett exempel på samverkan och ansvarsfördelning kan vara att kommunen påkallar "
            "behov av insatser från specialistsjukvården.",
            "kommun",
        ),
        ("Enligt lagen har anhöriga rätt till stöd från socialtjänsten.", "kommun"),
        # lists and alternatives name both
        ("Alla i socialtjänsten, hälso- och sjukvården och i skolan är skyldiga att anmäla.",
         "gemensamt"),
        ("Den som arbetar inom kommun eller region har ett ansvar för att starta arbetet.",
         "gemensamt"),
        ("Kostnaden är fördelad mellan regionen och länets 15 kommuner.", "gemensamt"),
        ("Vuxenpsykiatri Västmanland är en specialistresurs för vuxna.", "region"),
        # a doer whose verb is to coordinate
        ("Öppenvårdsmottagningar inom specialistpsykiatrin samordnar vårdplaneringen.",
         "region"),
        # the actor of an opening condition is not the one given the duty
        ("Får socialtjänsten kännedom om att en person är suicidal, ska kontakt tas med "
         "hälso- och sjukvården.", "None"),
        ("Om socialtjänsten misstänker psykisk sjukdom, ska regionen erbjuda en bedömning.",
         "region"),
        ("Om patienten samtycker ska regionen kalla till SIP, och kommunen delta.", "region"),
        ("Vid behov ska kommunen kalla till SIP, även utan begäran.", "kommun"),
        # "huvudmännen" as the object is not a joint duty
        ("Regional stödstruktur stödjer huvudmännen i frågor om socialtjänst.", "None"),
    ],
)
def test_party_of_who_does_it(sentence: str, party: str) -> None:
    assert only(sentence) == (party,)


def test_sveriges_kommuner_och_regioner_is_a_name_not_both_parties() -> None:
    assert only("Materialet är framtaget av Sveriges Kommuner och Regioner.") == ("None",)


def test_a_list_items_lead_in_speaks_before_the_actors_the_item_names() -> None:
    text = (
        "Insatser som regionen ansvarar för:\n\n"
        "• anmäla till socialtjänsten om en patient behöver vård enligt LVM\n"
        "• socialtjänsten informeras om utskrivning"
    )
    assert only(text) == ("region", "region", "region")


def test_a_sentence_carrying_on_from_the_one_before_takes_its_party() -> None:
    text = (
        "Det finns verksamheter där båda huvudmännen är ansvariga för verksamheten. "
        "Exempelvis Ungdomsmottagningen och Familjecentraler. Planen följs upp årligen."
    )
    assert only(text) == ("gemensamt", "gemensamt", "None")


def test_where_the_asker_stands_is_not_the_party_asked_about() -> None:
    assert party_asked_of("Har regionen någon roll för personligt ombud?") == "region"
    assert party_asked_of("Kan jag få stöd från kommunen?") == "kommun"
    assert party_asked_of("En klient hos soc har självmordstankar. Vem bedömer risken?") is None
    assert party_asked_of("Jag jobbar på socialtjänsten. Vem skriver intyget?") is None
    assert party_asked_of("Kommunen eller regionen?") is None


def test_a_list_opened_by_an_elided_law_quote_has_that_lead_in() -> None:
    # SoL 5 kap. 1 § quoted as "Socialnämnden ska…" followed by its numbered points.
    text = (
        "1 § Socialnämnden ska…\n\n"
        "1. verka för att barn och unga växer upp under trygga förhållanden,\n"
        "4. aktivt arbeta för att förebygga och motverka missbruk bland barn och unga,"
    )
    units = split_sentences(text)
    assert [u.lead_in for u in units[1:]] == ["1 § Socialnämnden ska…"] * 2
    assert only(text)[1:] == ("kommun", "kommun")


def test_a_unit_the_agreements_place_under_a_party_is_that_party() -> None:
    # units.txt: Västmanland's agreement says Välfärd is part of Region Västmanland.
    assert only("Verksamheten Välfärd ansvarar för att sammanställa uppföljningarna.") == (
        "region",
    )
    # Only the name as written: Dalarna's Välfärdsrådet is a joint political body.
    assert only("Välfärdsrådet ansvarar för att lösa tvisten.") == ("None",)


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("Vem ansvarar för boendestöd?", True),
        ("Vilken huvudman betalar LVM-hemmet?", True),
        ("Våld i nära relationer – kommun eller region?", True),
        ("Kan en närstående söka stöd hos kommunen utan samtycke?", False),
        ("Har kommunen ansvar för sysselsättning?", False),
    ],
)
def test_a_question_asks_who_when_it_says_vem_or_offers_the_two_parties(
    question: str, who: bool
) -> None:
    assert asks_who(question) is who
