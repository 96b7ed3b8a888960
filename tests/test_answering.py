"""Extractive answers on hand-made hits: who is responsible, citations, declining, regions
never blended, validity warnings, and sentence splitting."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.answering import (
    compose,
    idf_table,
    party_of,
    plain,
    score_sentences,
    split_sentences,
    support_score,
    validity_warnings,
)
from assistant.chunking import LEAD_IN_GAP
from assistant.models import Answer, Chunk, DocumentMeta, Hit, RegionQuery
from assistant.retrieval import Retrieval

TODAY = date(2026, 1, 15)
EXTENSION = (
    "Om en utvärdering och revidering har påbörjats innan giltighetstiden löper ut förlängs "
    "överenskommelsen automatiskt med 12 månader."
)


def meta(
    doc_id: str,
    region: str | None,
    *,
    valid_to: date | None = None,
    extension: str | None = None,
    draft: bool = False,
) -> DocumentMeta:
    return DocumentMeta(
        id=doc_id,
        title=f"Överenskommelse om samverkan {doc_id}",
        region=region,
        parties=(f"Region {region}",) if region else ("SKR",),
        target_groups=("missbruk och beroende",),
        age_scope="vuxna",
        kind="överenskommelse" if region else "vägledning",
        valid_from=date(2021, 7, 1) if valid_to else None,
        valid_to=valid_to,
        extension=extension,
        draft=draft,
        source=f"{doc_id}.txt",
    )


CATALOG = {
    "varmland": meta("varmland", "Värmland", valid_to=date(2028, 2, 24)),
    "dalarna": meta("dalarna", "Dalarna", valid_to=date(2024, 6, 30), extension=EXTENSION),
    "dalarna-utkast": meta(
        "dalarna-utkast", "Dalarna", valid_to=date(2024, 7, 1), extension=EXTENSION, draft=True
    ),
    "vastmanland": meta("vastmanland", "Västmanland"),
    "skr": meta("skr", None),
}

# Passages that make term weights realistic: words like "ansvarar" are common, topics rare.
BACKGROUND = [
    "Överenskommelsen gäller samverkan mellan kommunerna och regionen i länet.",
    "Parterna ansvarar för att följa upp överenskommelsen varje år.",
    "Ledningsgruppen ansvarar för att överenskommelsen är känd i verksamheterna.",
    "Tvister mellan parterna hanteras i första hand på lokal nivå.",
    "Uppföljning sker genom en gemensam rapport till det politiska samrådet.",
    "Överenskommelsen ska revideras vart fjärde år.",
]


def chunk(
    doc_id: str, text: str, trail: tuple[str, ...] = ("2. Ansvar",), n: int = 0, page: int = 3
) -> Chunk:
    return Chunk(
        id=f"{doc_id}-{n:04d}",
        document_id=doc_id,
        text=text,
        trail=trail,
        page_start=page,
        page_end=page,
        start=n * 1000,
        end=n * 1000 + len(text),
    )


def hits_of(*chunks: Chunk, dense: float = 0.88) -> tuple[Hit, ...]:
    return tuple(
        Hit(chunk=c, dense=dense - 0.01 * i, lexical=5.0 - i, fused=1.0 - 0.1 * i, rank=i + 1)
        for i, c in enumerate(chunks)
    )


def answer(
    question: str,
    hits: tuple[Hit, ...],
    *,
    region: str | None = None,
    uncovered: str | None = None,
    min_support: float = 0.5,
) -> Answer:
    place = RegionQuery(region=region, uncovered=uncovered, mentioned=())
    idf = idf_table([h.chunk.indexed_text for h in hits] + BACKGROUND)
    found = Retrieval(question, hits, place, tuple(CATALOG))
    return compose(found, CATALOG, idf, today=TODAY, min_support=min_support)


def markers(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"\[(\d+)\]", text)]


def assert_citations_are_sound(result: Answer) -> None:
    """Every [n] points at a citation; every quote is found in its passage."""
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))
    for n in markers(result.text):
        assert 1 <= n <= len(result.citations), (n, result.text)
    for c in result.citations:
        assert c.quote in c.text, (c.quote, c.text)


def only(text: str, trail: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The party of each quotable unit of a passage."""
    return tuple(str(party_of(s, trail)) for s in split_sentences(text))


# ── who is responsible ───────────────────────────────────────────────────────────────


def test_a_bullet_under_regionen_ansvarar_for_is_the_regions() -> None:
    text = "Regionen ansvarar för:\n\n• abstinensvård\n• läkemedelsassisterad behandling"
    units = split_sentences(text)
    assert [u.text for u in units[1:]] == ["• abstinensvård", "• läkemedelsassisterad behandling"]
    assert all(party_of(u, ()) == "region" for u in units)


def test_a_lead_in_carried_over_a_cut_list_still_counts() -> None:
    text = f"Insatser som kommunerna ansvarar för:{LEAD_IN_GAP}• boendestöd\n• sysselsättning"
    units = split_sentences(text)
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


# ── compose: answered, responsible, citations ────────────────────────────────────────


VARMLAND_REGION = chunk(
    "varmland",
    "Regionen ansvarar för:\n\n• abstinensvård och tillnyktring\n• läkemedelsassisterad "
    "behandling vid opioidberoende",
    ("Bilaga", "Personer med skadligt bruk och beroende"),
)
VARMLAND_KOMMUN = chunk(
    "varmland",
    "Kommunen ansvarar för boendestöd i den egna bostaden. Kommunen ordnar sysselsättning.",
    ("3. Kommunens ansvar",),
    n=1,
)
SIP_DEFINITION = chunk(
    "skr",
    "En samordnad individuell plan, SIP, är en plan som upprättas när den enskilde behöver "
    "insatser från både socialtjänsten och hälso- och sjukvården. Planen beskriver vem som "
    "gör vad.",
    ("Samordnad individuell plan",),
)


def test_a_responsibility_question_is_answered_with_the_party_and_citations() -> None:
    result = answer(
        "Vem ansvarar för abstinensvård?",
        hits_of(VARMLAND_REGION, VARMLAND_KOMMUN),
        region="Värmland",
    )
    assert result.status == "answered"
    assert result.responsible == "region"
    assert result.region == "Värmland"
    assert "abstinensvård" in result.text
    assert markers(result.text) == [1]
    assert_citations_are_sound(result)
    first = result.citations[0]
    assert first.document_id == "varmland"
    assert first.region == "Värmland"
    assert first.title == CATALOG["varmland"].title
    assert first.section == "Bilaga › Personer med skadligt bruk och beroende"
    assert first.page == 3
    assert first.quote == "• abstinensvård och tillnyktring"
    assert first.url.startswith(f"/dokument/varmland/{VARMLAND_REGION.id}?citat=")
    assert result.warnings == ()  # valid until 2028, not a draft


def test_a_kommun_responsibility() -> None:
    result = answer(
        "Vem ansvarar för boendestöd?",
        hits_of(VARMLAND_KOMMUN, VARMLAND_REGION),
        region="Värmland",
    )
    assert result.status == "answered"
    assert result.responsible == "kommun"
    assert "boendestöd" in result.text
    assert_citations_are_sound(result)


def test_a_question_that_is_not_about_responsibility_has_no_party() -> None:
    result = answer("Vad är en samordnad individuell plan?", hits_of(SIP_DEFINITION))
    assert result.status == "answered"
    assert result.responsible is None
    assert "samordnad individuell plan" in result.text
    assert_citations_are_sound(result)


def test_the_parties_a_question_offers_as_a_choice_count_for_little() -> None:
    # "soc eller regionen?" asks which one; a sentence that merely names both parties
    # does not answer a question about abstinensbehandling.
    hits = hits_of(
        chunk("dalarna", "Socialtjänsten och regionen samverkar i länet."),
        chunk("dalarna", "Abstinensbehandling ges på en vårdavdelning.", n=1),
    )
    idf = idf_table([h.chunk.indexed_text for h in hits] + BACKGROUND)
    question = "Abstinensbehandling, är det socialtjänsten eller regionen?"
    coverage = {s.sentence.text: s.coverage for s in score_sentences(question, hits, idf)}
    assert coverage["Abstinensbehandling ges på en vårdavdelning."] > 2 * coverage[
        "Socialtjänsten och regionen samverkar i länet."
    ]


def test_an_elided_compound_is_read_whole() -> None:
    # "öppen- och slutenvård" says "öppenvård" too.
    sip = chunk(
        "dalarna",
        "Kommunerna och regionen ska samverka genom att varje patient i psykiatrins öppenvård "
        "ska ha en SIP.",
        ("5. Samsjuklighet",),
    )
    bullets = chunk(
        "dalarna",
        "Insatser som regionen ansvarar för:\n\n• abstinensbehandling i öppen- och slutenvård",
        ("3.3.1 Insatser",),
        n=1,
    )
    result = answer(
        "Abstinensbehandling i öppenvård, vem?", hits_of(sip, bullets), region="Dalarna"
    )
    assert "abstinensbehandling i öppen- och slutenvård" in result.text
    assert result.responsible == "region"


def test_a_question_word_heading_a_compound_counts() -> None:
    # "diagnos" is said by "diagnostik".
    other = chunk("dalarna", "Kommunen ansvarar för uppföljning av placeringen.", ("HVB",))
    said = chunk("dalarna", "Regionen ansvarar för diagnostik före placeringen.", ("HVB",), n=1)
    question = "Vem ställer diagnos inför placeringen?"
    result = answer(question, hits_of(other, said), region="Dalarna")
    assert result.text.startswith("Regionen ansvarar för diagnostik"), result.text
    assert result.responsible == "region"


@pytest.mark.parametrize(
    ("question", "party"),
    [
        ("Har regionen någon roll när det gäller personligt ombud?", "region"),
        ("Har kommunen någon roll när det gäller personligt ombud?", "kommun"),
    ],
)
def test_a_question_about_one_partys_role_prefers_that_party(question: str, party: str) -> None:
    ombud = chunk(
        "dalarna",
        "Socialtjänsten ansvarar för att det finns personliga ombud. Psykiatrin ansvarar "
        "för att sprida kunskap om personliga ombud.",
        ("Personligt ombud",),
    )
    result = answer(question, hits_of(ombud), region="Dalarna")
    assert result.responsible == party, result.text


def test_where_the_asker_stands_is_not_the_party_asked_about() -> None:
    from assistant.answering import _party_asked_of

    assert _party_asked_of("Har regionen någon roll för personligt ombud?") == "region"
    assert _party_asked_of("Kan jag få stöd från kommunen?") == "kommun"
    assert _party_asked_of("En klient hos soc har självmordstankar. Vem bedömer risken?") is None
    assert _party_asked_of("Jag jobbar på socialtjänsten. Vem skriver intyget?") is None
    assert _party_asked_of("Kommunen eller regionen?") is None


def test_a_choice_the_text_gives_to_both_is_answered_with_both() -> None:
    sip = chunk(
        "vastmanland",
        "Socialtjänsten har ett ansvar att kalla till SIP när behov finns. Hälso- och "
        "sjukvården har ett ansvar att kalla till SIP när behov finns.",
        ("SIP",),
    )
    both = answer("Vem kallar till SIP, soc eller vården?", hits_of(sip), region="Västmanland")
    assert both.responsible == "gemensamt"
    assert "Socialtjänsten har" in both.text and "Hälso- och sjukvården har" in both.text
    assert_citations_are_sound(both)
    one = answer("Vem kallar till SIP?", hits_of(sip), region="Västmanland")
    assert one.responsible in ("kommun", "region")  # not asked as a choice: the best one


def test_a_pointer_elsewhere_is_not_an_answer() -> None:
    hits = hits_of(
        chunk("varmland", "Läs mer om SIP-rutinen på vårdgivarwebben. SIP-rutinen finns på "
              "vårdgivarwebben.")
    )
    idf = idf_table([h.chunk.indexed_text for h in hits] + BACKGROUND)
    ranked = [s.sentence.text for s in score_sentences("SIP-rutinen vårdgivarwebben?", hits, idf)]
    assert ranked[0] == "SIP-rutinen finns på vårdgivarwebben."


def test_one_regions_answer_to_a_question_without_region_says_so() -> None:
    result = answer("Vem ansvarar för abstinensvård?", hits_of(VARMLAND_REGION))
    assert result.text.startswith("I Värmland:")
    assert any("nämner ingen region" in w and "Värmland" in w for w in result.warnings)
    assert not any(
        "nämner ingen region" in w
        for w in answer("Vem ansvarar för abstinensvård?", hits_of(VARMLAND_REGION),
                        region="Värmland").warnings
    )


def test_every_marker_is_a_citation_and_every_quote_is_in_its_passage() -> None:
    passages = [
        VARMLAND_REGION,
        VARMLAND_KOMMUN,
        chunk(
            "varmland",
            "Se t.ex. 2 kap. 7 § SoL. Den som först uppmärksammar behovet kallar till SIP. "
            "Kallelsen ska skickas i god tid.",
            ("Samordnad individuell plan",),
            n=2,
        ),
    ]
    for question in (
        "Vem ansvarar för abstinensvård?",
        "Vem kallar till SIP?",
        "Vem ordnar sysselsättning?",
        "Hur skickas kallelsen?",
    ):
        result = answer(question, hits_of(*passages), region="Värmland")
        assert len(result.citations) == len(passages)
        assert result.status == "answered", question
        assert markers(result.text), question
        assert_citations_are_sound(result)


# ── compose: declining ───────────────────────────────────────────────────────────────


def test_an_uncovered_place_is_declined_naming_it_and_the_covered_regions() -> None:
    result = answer("Vem ansvarar för LARO i Skåne?", (), uncovered="Skåne")
    assert result.status == "no_support"
    assert result.responsible is None
    assert result.citations == ()
    assert "Skåne" in result.text
    assert "Dalarna, Värmland, Västmanland" in result.text


def test_weak_support_is_declined_but_the_nearest_passages_are_shown() -> None:
    hits = hits_of(VARMLAND_REGION, VARMLAND_KOMMUN)
    result = answer("Vem ansvarar för abstinensvård?", hits, min_support=1.01)
    assert result.status == "no_support"
    assert result.responsible is None
    assert markers(result.text) == []
    assert [c.document_id for c in result.citations] == ["varmland", "varmland"]
    assert "närmast" in result.text


def test_no_hits_at_all_is_declined_without_pointing_at_passages() -> None:
    result = answer("Vem ansvarar för abstinensvård?", ())
    assert result.status == "no_support"
    assert result.citations == ()
    assert "närmast" not in result.text


def test_an_off_topic_question_over_unrelated_passages_is_declined() -> None:
    hits = hits_of(VARMLAND_REGION, VARMLAND_KOMMUN, dense=0.74)  # e5: unrelated text
    result = answer("Hur blir vädret i Stockholm i morgon?", hits)
    assert result.status == "no_support"


def test_support_score_bounds() -> None:
    assert support_score(1.0, 0.95) == pytest.approx(1.0)
    assert support_score(0.0, 0.70) == pytest.approx(0.0)
    assert support_score(0.5, 0.80) < support_score(0.5, 0.85) < support_score(0.8, 0.85)


# ── compose: several regions ─────────────────────────────────────────────────────────


DALARNA_REGION = chunk(
    "dalarna",
    "Regionen ansvarar för boendestöd under de första veckorna efter utskrivning.",
    ("3. Ansvarsfördelning", "3.2 Regionens ansvar"),
)
VASTMANLAND_NONE = chunk(
    "vastmanland",
    "Ansvaret för boendestöd beskrivs i en särskild lokal överenskommelse.",
    ("4. Boende",),
)


def _parts(text: str) -> dict[str, str]:
    """'I <region>: …' parts of a per-region answer, by region."""
    pieces = re.split(r"(?:^|\s)I (Värmland|Dalarna|Västmanland): ", text)
    assert pieces[0] == "", f"text before the first region: {pieces[0]!r}"
    return dict(zip(pieces[1::2], pieces[2::2], strict=True))


def test_without_a_region_the_answer_is_given_per_region_and_never_blended() -> None:
    hits = hits_of(VARMLAND_KOMMUN, DALARNA_REGION)
    result = answer("Vem ansvarar för boendestöd?", hits)
    assert result.status == "answered"
    parts = _parts(result.text)
    assert set(parts) == {"Värmland", "Dalarna"}
    by_n = {c.n: c for c in result.citations}
    for region, part in parts.items():
        cited = markers(part)
        assert cited, part
        assert {by_n[n].region for n in cited} == {region}, (region, part)
    assert any("skiljer sig mellan regioner" in w for w in result.warnings)
    assert result.region is None
    assert result.responsible is None  # kommun in Värmland, region in Dalarna
    assert_citations_are_sound(result)


def test_with_a_region_there_is_no_per_region_split() -> None:
    hits = hits_of(VARMLAND_KOMMUN)
    result = answer("Vem ansvarar för boendestöd?", hits, region="Värmland")
    assert not re.search(r"\bI Värmland:", result.text)
    assert not any("skiljer sig" in w for w in result.warnings)


def test_one_regions_party_is_not_claimed_for_all_regions() -> None:
    # Dalarna names the region; Västmanland's passage names nobody. One "responsible" for
    # the whole answer would claim Dalarna's arrangement for Västmanland too.
    hits = hits_of(DALARNA_REGION, VASTMANLAND_NONE)
    result = answer("Vem ansvarar för boendestöd?", hits)
    parts = _parts(result.text)
    assert set(parts) == {"Dalarna", "Västmanland"}
    assert result.responsible is None


def test_regions_that_agree_on_the_party_give_it() -> None:
    varmland = chunk(
        "varmland", "Regionen ansvarar för boendestöd efter utskrivning från slutenvård.",
        ("3. Regionens ansvar",),
    )
    result = answer("Vem ansvarar för boendestöd?", hits_of(DALARNA_REGION, varmland))
    assert set(_parts(result.text)) == {"Dalarna", "Värmland"}
    assert result.responsible == "region"


def test_a_per_region_answer_warns_about_the_expired_agreement_it_cites() -> None:
    result = answer("Vem ansvarar för boendestöd?", hits_of(VARMLAND_KOMMUN, DALARNA_REGION))
    assert set(_parts(result.text)) == {"Värmland", "Dalarna"}
    assert any("2024-06-30" in w and "gått ut" in w for w in result.warnings)


# ── validity ─────────────────────────────────────────────────────────────────────────


def test_an_expired_agreement_with_an_extension_rule() -> None:
    (note,) = validity_warnings([CATALOG["dalarna"]], TODAY)
    assert "Dalarna" in note
    assert "2024-06-30" in note
    assert "gått ut" in note
    assert "förlängs överenskommelsen automatiskt med 12 månader" in note


def test_a_draft() -> None:
    notes = validity_warnings([CATALOG["dalarna-utkast"]], date(2022, 1, 1))
    assert notes == [
        f"Överenskommelsen för Dalarna (”{CATALOG['dalarna-utkast'].title}”) är märkt som "
        "förslag i texten, inte som beslutad version."
    ]


def test_an_expired_draft_gets_both_notes() -> None:
    notes = validity_warnings([CATALOG["dalarna-utkast"]], TODAY)
    assert len(notes) == 2
    assert "gått ut" in notes[0] and "förslag" in notes[1]


@pytest.mark.parametrize(
    ("doc_id", "today"),
    [
        ("dalarna", date(2024, 6, 30)),  # the last valid day
        ("varmland", TODAY),
        ("vastmanland", date(2099, 1, 1)),  # tills vidare
        ("skr", TODAY),
    ],
)
def test_a_valid_agreement_gets_no_note(doc_id: str, today: date) -> None:
    assert validity_warnings([CATALOG[doc_id]], today) == []


def test_the_answer_warns_about_the_agreements_it_cites_only() -> None:
    expired = chunk(
        "dalarna",
        "Regionen ansvarar för abstinensvård i slutenvård.",
        ("3. Ansvarsfördelning", "3.2 Regionens ansvar"),
    )
    unrelated = chunk("dalarna-utkast", "Tvister hanteras i första hand lokalt.", ("9. Tvister",))
    hits = hits_of(expired, unrelated)
    result = answer("Vem ansvarar för abstinensvård?", hits, region="Dalarna")
    assert result.status == "answered"
    assert markers(result.text) == [1]
    assert any("2024-06-30" in w and "automatiskt" in w for w in result.warnings)
    assert not any("förslag" in w for w in result.warnings)  # the draft is not cited


# ── sentences ────────────────────────────────────────────────────────────────────────


def test_a_law_reference_ends_a_sentence_that_lost_its_full_stop() -> None:
    text = (
        "Regionen ansvarar för hjälpmedel (HSL 2017:30) För att förbättra möjligheten till "
        "arbete har kommuner och regionen ett gemensamt ansvar. Stöd ges enligt lagen (LSS) "
        "Kommunen beslutar."
    )
    assert [u.text for u in split_sentences(text)] == [
        "Regionen ansvarar för hjälpmedel (HSL 2017:30)",
        "För att förbättra möjligheten till arbete har kommuner och regionen ett gemensamt "
        "ansvar.",
        "Stöd ges enligt lagen (LSS) Kommunen beslutar.",  # no law reference: no break
    ]


def test_split_sentences_does_not_split_at_abbreviations() -> None:
    text = (
        "Insatser ges t.ex. enligt 2 kap. 7 § SoL och bl.a. HSL. "
        "Se även kap. 4 i avtalet. Ansvaret gäller m.fl. verksamheter, dvs. alla."
    )
    assert [s.text for s in split_sentences(text)] == [
        "Insatser ges t.ex. enligt 2 kap. 7 § SoL och bl.a. HSL.",
        "Se även kap. 4 i avtalet.",
        "Ansvaret gäller m.fl. verksamheter, dvs. alla.",
    ]


def test_split_sentences_keeps_sub_items_with_their_item() -> None:
    text = (
        "Regionen ansvarar för:\n\n• Att erbjuda medicinsk behandling inklusive\n"
        "  – läkemedelsbehandling\n  – abstinensvård\n• Att samarbeta med kommunerna."
    )
    units = split_sentences(text)
    assert [u.text for u in units] == [
        "Regionen ansvarar för:",
        "• Att erbjuda medicinsk behandling inklusive\n  – läkemedelsbehandling\n  – abstinensvård",
        "• Att samarbeta med kommunerna.",
    ]
    assert plain(units[1]) == (
        "Regionen ansvarar för: att erbjuda medicinsk behandling inklusive "
        "läkemedelsbehandling, abstinensvård"
    )


def test_plain_keeps_an_acronym_after_a_lead_in() -> None:
    units = split_sentences("Regionen ansvarar för:\n\n• LARO vid opioidberoende\n• SIP-möten")
    assert [plain(u) for u in units[1:]] == [
        "Regionen ansvarar för: LARO vid opioidberoende",
        "Regionen ansvarar för: SIP-möten",
    ]


def test_split_sentences_of_a_paragraph_then_a_list() -> None:
    text = "Inledande text. Mer text.\n\nKommunen ansvarar för:\n\n• boendestöd\n\nSlutord här."
    units = split_sentences(text)
    assert [(u.text, u.lead_in) for u in units] == [
        ("Inledande text.", None),
        ("Mer text.", None),
        ("Kommunen ansvarar för:", None),
        ("• boendestöd", "Kommunen ansvarar för:"),
        ("Slutord här.", None),
    ]
