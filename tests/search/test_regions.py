"""Region detection: län and municipality names in the forms staff type, and the API parameter."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.search.regions import canonical_region, detect_region, mentions
from assistant.text import fold

COVERED = {"Värmland", "Västmanland", "Dalarna"}

# Written out here rather than taken from the module, so that a municipality dropped from
# the module's table makes a test fail.
COVERED_MUNICIPALITIES = {
    "Värmland": (
        "Arvika", "Eda", "Filipstad", "Forshaga", "Grums", "Hagfors", "Hammarö", "Karlstad",
        "Kil", "Kristinehamn", "Munkfors", "Storfors", "Sunne", "Säffle", "Torsby", "Årjäng",
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
}
MUNICIPALITY_CASES = [
    (name, lan) for lan, names in COVERED_MUNICIPALITIES.items() for name in names
]


def _ascii(name: str) -> str:
    """The name as typed on a keyboard without å/ä/ö, keeping the capital."""
    return fold(name)[:1].upper() + fold(name)[1:]


def _genitive(name: str) -> str:
    return name if name.endswith("s") else f"{name}s"


def test_the_three_covered_counties_have_41_municipalities() -> None:
    assert len(MUNICIPALITY_CASES) == 16 + 10 + 15 == 41


@pytest.mark.parametrize(("name", "lan"), MUNICIPALITY_CASES)
def test_every_covered_municipality_points_to_its_county(name: str, lan: str) -> None:
    forms = {
        name,
        _ascii(name),  # Vasteras, Arjang, Saffle
        _genitive(name),  # Karlstads socialtjänst
        f"{name} kommun",
        f"{_genitive(name)} kommun",
        f"{_genitive(_ascii(name))} kommun",
        name.upper(),
    }
    if name != "Kil":  # "kil" (a wedge) is an everyday word: only "Kil" names the place
        forms |= {name.lower(), fold(name)}
    for form in sorted(forms):
        question = f"Vem ansvarar för boendestöd i {form}?"
        place = detect_region(question, COVERED)
        assert place.region == lan, (form, place)
        assert place.uncovered is None
        assert place.mentioned == (form,), (form, place)


def test_every_place_name_of_the_country_is_found_in_a_sentence() -> None:
    # mentions() tries only the patterns whose first letters begin a word of the question;
    # every name, in every län, must still be found, and as the right län.
    from assistant.search.regions import MUNICIPALITIES, REGION_FORMS

    names = [(lan, lan) for lan in MUNICIPALITIES]
    names += [(m, lan) for lan, ms in MUNICIPALITIES.items() for m in ms]
    names += [(form, lan) for lan, forms in REGION_FORMS.items() for form in forms]
    assert len(names) == 21 + 290 + len([f for fs in REGION_FORMS.values() for f in fs])
    lans_of: dict[str, set[str]] = {}
    for name, lan in names:
        lans_of.setdefault(fold(name), set()).add(lan)
    for name, _ in names:
        written = name[:1].upper() + name[1:]  # common-word names count only capitalised
        found = mentions(f"Hur gör man i {written} med SIP?")
        assert [words for words, _ in found] == [written], name
        # Habo (Jönköping) and Håbo (Uppsala) are one name once folded.
        assert found[0][1] in lans_of[fold(name)], name


def test_the_municipality_names_are_kept_as_the_question_wrote_them() -> None:
    assert mentions("Gäller det Karlstads kommun och Vasteras?") == [
        ("Karlstads kommun", "Värmland"),
        ("Vasteras", "Västmanland"),
    ]


def test_falun_by_its_official_name_falu_kommun() -> None:
    assert detect_region("Vem kallar till SIP i Falu kommun?", COVERED).region == "Dalarna"
    assert detect_region("Falu kommuns socialtjänst", COVERED).region == "Dalarna"


@pytest.mark.parametrize(
    ("question", "lan"),
    [
        ("Vem ansvarar för abstinensvård i Värmland?", "Värmland"),
        ("Hur gör de värmländska kommunerna?", "Värmland"),
        ("vem ansvarar for LARO i varmland", "Värmland"),
        ("VEM ANSVARAR I VÄRMLAND", "Värmland"),
        ("Vad säger Region Värmland om SIP?", "Värmland"),
        ("Vad säger Region Dalarna om boendestöd?", "Dalarna"),
        ("Gäller avtalet i dalarna även barn?", "Dalarna"),
        ("Vad gäller i Dalarnas län?", "Dalarna"),
        ("Vilka kommuner finns i Västmanlands län?", "Västmanland"),
        ("Hur gör den västmanländska psykiatrin?", "Västmanland"),
        ("vastmanland hjälpmedel", "Västmanland"),
    ],
)
def test_region_names_in_any_form(question: str, lan: str) -> None:
    place = detect_region(question, COVERED)
    assert place.region == lan
    assert place.uncovered is None
    assert place.mentioned


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("Vem ansvarar för LARO i Skåne?", "Skåne"),
        ("Vad gäller i Region Skåne?", "Skåne"),
        ("Vem ansvarar för SIP i Malmö?", "Malmö (Skåne)"),
        ("Hur gör man i Norrbotten?", "Norrbotten"),
        ("Vem betalar boendet i Göteborg?", "Göteborg (Västra Götaland)"),
        ("Vem betalar boendet i Goteborgs kommun?", "Goteborgs kommun (Västra Götaland)"),
        ("Finns det en överenskommelse i Luleå?", "Luleå (Norrbotten)"),
        ("Vad gäller i Stockholms län?", "Stockholm"),
        ("Vem ansvarar i Ånge?", "Ånge (Västernorrland)"),
    ],
)
def test_a_place_without_agreement_is_reported_as_uncovered(question: str, label: str) -> None:
    place = detect_region(question, COVERED)
    assert place.region is None
    assert place.uncovered == label


@pytest.mark.parametrize(
    "question",
    [
        "Ska det vara så att kommunen betalar?",
        "Vem äger mark och berg runt boendet?",
        "Vad ska anges i en SIP?",
        "Ange vem som ansvarar för boendestöd.",
        "Våra rutiner för samordnad individuell plan",
        "Vem slår in en kil mellan huvudmännen?",
        "Vad finns i boden?",
        "Who are responsible for detox?",
        "Vem ansvarar för abstinensvård?",
    ],
)
def test_everyday_words_do_not_name_a_place(question: str) -> None:
    place = detect_region(question, COVERED)
    assert place == detect_region("Vem ansvarar?", COVERED)
    assert place.region is None and place.uncovered is None and place.mentioned == ()


def test_two_covered_regions_give_no_single_region() -> None:
    place = detect_region("Skiljer sig Värmland och Dalarna åt i synen på anhörigstöd?", COVERED)
    assert place.region is None
    assert place.uncovered is None
    assert place.mentioned == ("Värmland", "Dalarna")

    by_municipality = detect_region("Karlstad eller Västerås?", COVERED)
    assert by_municipality.region is None
    assert by_municipality.mentioned == ("Karlstad", "Västerås")


def test_two_places_of_one_county_are_that_county() -> None:
    assert detect_region("Gäller det både Falun och Mora?", COVERED).region == "Dalarna"


def test_a_character_that_folds_to_several_does_not_shift_the_words() -> None:
    # "…" folds to "..." and "ß" to "ss": the reported words must still be the place name.
    assert mentions("Vem ansvarar… och vad gäller i Karlstad?") == [("Karlstad", "Värmland")]
    assert mentions("Straße, Sala") == [("Sala", "Västmanland")]


def test_fold_strips_diacritics_and_case() -> None:
    assert fold("Västerås ÅRJÄNG Säffle") == "vasteras arjang saffle"


@pytest.mark.parametrize(
    ("name", "lan"),
    [
        ("Värmland", "Värmland"),
        ("värmland", "Värmland"),
        ("  VARMLAND ", "Värmland"),
        ("Region Dalarna", "Dalarna"),
        ("region  dalarna", "Dalarna"),
        ("Landstinget Dalarna", "Dalarna"),
        ("Västmanlands län", "Västmanland"),
        ("Västerås", "Västmanland"),
        ("Karlstads kommun", "Värmland"),
        ("Falu kommun", "Dalarna"),
        ("Skåne", "Skåne"),  # a real län: retrieval then reports it as uncovered
        ("Region Norrbotten", "Norrbotten"),
    ],
)
def test_canonical_region_for_the_api_parameter(name: str, lan: str) -> None:
    assert canonical_region(name) == lan


@pytest.mark.parametrize(
    "name", ["Atlantis", "", "   ", "Värmland och Dalarna", "Region", "mark", "12345"]
)
def test_an_unknown_region_parameter_is_an_input_error(name: str) -> None:
    with pytest.raises(InputError) as caught:
        canonical_region(name)
    assert caught.value.status == 422
    assert "Okänd region" in caught.value.message
    assert "Värmland" in caught.value.message  # the message lists what can be given
