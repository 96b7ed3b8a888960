"""The län's own names and the warning for a text filed under another region."""

from __future__ import annotations

from assistant.ingest.regions import REGIONS, default_parties, region_mismatch
from assistant.search.regions import MUNICIPALITIES, region_mentions

VARMLAND = (
    "Överenskommelsen gäller Region Värmland och Värmlands kommuner. Region Värmland "
    "ansvarar för abstinensvård; Karlstads kommun för boendestöd. En patient från Dalarna "
    "får vård i Värmland."
)


def test_the_kommun_side_names_the_county_only_where_the_short_name_is_a_kommun() -> None:
    assert set(REGIONS) == set(MUNICIPALITIES)
    for short, names in REGIONS.items():
        assert names.county.endswith(" län"), short
        if short == "Gotland":
            assert default_parties(short) == ("Region Gotland",)
        elif short in MUNICIPALITIES[short] or short == "Jämtland":  # Härjedalen too
            assert names.municipalities == f"kommunerna i {names.county}", short
        else:
            assert names.municipalities == f"kommunerna i {short}", short


def test_a_text_naming_another_region_gives_a_warning() -> None:
    named = region_mentions(VARMLAND)
    assert named["Värmland"] == 5 and named["Dalarna"] == 1
    assert region_mismatch("Dalarna", named) == (
        "Varning: texten nämner Värmland (5 gånger) men --region är Dalarna (1 gånger). "
        "Kontrollera --region."
    )
    assert region_mismatch(None, named) is not None  # filed as national, names one län


def test_the_own_region_gives_no_warning() -> None:
    assert region_mismatch("Värmland", region_mentions(VARMLAND)) is None


def test_a_few_mentions_of_another_region_give_no_warning() -> None:
    text = "Region Dalarna samverkar med Region Värmland och Uppsala universitet."
    assert region_mismatch("Dalarna", region_mentions(text)) is None
    assert region_mismatch(None, region_mentions("Överenskommelsen gäller i hela landet.")) is None
