"""Extractive answers on hand-made hits: who is responsible, citations, declining, regions
never blended, validity warnings, and sentence splitting."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from assistant.answer.compose import answering_regions, compose
from assistant.answer.scoring import (
    Scored,
    best_coverage,
    idf_table,
    rank_sentences,
    read_passages,
    support_score,
)
from assistant.answer.sentences import split_sentences
from assistant.answer.validity import validity_warnings
from assistant.answer.weights import WEIGHTS
from assistant.models import Answer, Chunk, DocumentMeta, Hit, RegionQuery
from assistant.search.query import make_query
from assistant.search.rerank import rerank as rerank_by
from assistant.search.retrieval import Retrieval

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
    short_title: str | None = None,
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
        short_title=short_title,
    )


CATALOG = {
    "varmland": meta("varmland", "Värmland", valid_to=date(2028, 2, 24)),
    "dalarna": meta("dalarna", "Dalarna", valid_to=date(2024, 6, 30), extension=EXTENSION),
    "dalarna-utkast": meta(
        "dalarna-utkast", "Dalarna", valid_to=date(2024, 7, 1), extension=EXTENSION, draft=True,
        short_title="Dalarna – utkast 2021",
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
    "Parterna ställer upp gemensamma mål inför varje nytt år.",
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
    found = Retrieval(make_query(question, place), hits, tuple(CATALOG))
    return compose(found, CATALOG, idf, today=TODAY, min_support=min_support)[0]


def scored(question: str, hits: tuple[Hit, ...]) -> list[Scored]:
    """The sentences of the hits as `compose` ranks them, term weights as in `answer`."""
    idf = idf_table([h.chunk.indexed_text for h in hits] + BACKGROUND)
    return rank_sentences(hits, read_passages(question, hits, idf))


def markers(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"\[(\d+)\]", text)]


def assert_citations_are_sound(result: Answer) -> None:
    """Every [n] points at a citation; every quote is found in its passage."""
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))
    for n in markers(result.text):
        assert 1 <= n <= len(result.citations), (n, result.text)
    for c in result.citations:
        assert c.quote in c.text, (c.quote, c.text)


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
    assert first.short_title == "Värmland – missbruk och beroende 2021"  # derived: none given
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
    question = "Abstinensbehandling, är det socialtjänsten eller regionen?"
    coverage = {s.sentence.text: s.coverage for s in scored(question, hits)}
    assert coverage["Abstinensbehandling ges på en vårdavdelning."] > 2 * coverage[
        "Socialtjänsten och regionen samverkar i länet."
    ]


def test_several_synonyms_of_one_word_count_once() -> None:
    # "sjukhus" has the synonyms "slutenvård", "utskrivning" and "inskrivning"; a sentence
    # with all three says no more about the question than one with one of them.
    hits = hits_of(
        chunk("varmland", "Samverkan vid in- och utskrivning från slutenvården."),
        chunk("varmland", "Samverkan sker i slutenvården.", n=1),
    )
    question = "Hur många parkeringsplatser finns vid sjukhuset?"
    coverage = {s.sentence.text: s.coverage for s in scored(question, hits)}
    many = coverage["Samverkan vid in- och utskrivning från slutenvården."]
    assert many == pytest.approx(coverage["Samverkan sker i slutenvården."], abs=0.05)
    assert many < 0.3


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
    # Not asked as a choice, but the two sentences side by side give it to both all the same.
    plain_who = answer("Vem kallar till SIP?", hits_of(sip), region="Västmanland")
    assert plain_who.responsible == "gemensamt"
    assert "Socialtjänsten har" in plain_who.text and "Hälso- och sjukvården har" in plain_who.text


def test_the_number_of_an_age_does_not_match_a_law_reference() -> None:
    law = chunk(
        "dalarna",
        "Regionen ansvarar för att erbjuda habilitering och hjälpmedel (HSL 2017:30).",
        ("Regionens ansvar",),
    )
    kin = chunk(
        "dalarna",
        "Kommunerna är skyldiga att erbjuda stöd till personer som stödjer en närstående.",
        ("Anhörigstöd",),
    )
    result = answer(
        "Jag är mamma till en 30-åring med schizofreni. Vem ska erbjuda mig stöd?",
        hits_of(law, kin),
        region="Dalarna",
    )
    assert result.responsible == "kommun", result.text


def test_a_matter_the_next_sentence_gives_to_the_other_party_is_answered_with_both() -> None:
    aids = chunk(
        "varmland",
        "Regionen ansvarar för hjälpmedel till barn och unga. "
        "Kommunerna ansvarar för resterande hjälpmedel till vuxna.",
        ("Hjälpmedel",),
    )
    both = answer("Vem ansvarar för hjälpmedel?", hits_of(aids), region="Värmland")
    assert both.responsible == "gemensamt"
    assert both.text.index("Regionen ansvarar") < both.text.index("Kommunerna ansvarar")
    assert both.citations[0].quote == aids.text  # both sentences, as the passage has them
    assert_citations_are_sound(both)
    # Asked about the half one sentence names, that sentence answers alone.
    child = answer("Vem ansvarar för hjälpmedel till barn?", hits_of(aids), region="Värmland")
    assert child.responsible == "region", child.text


def test_a_list_item_answering_exactly_lifts_its_passage_in_the_reranking() -> None:
    general = chunk(
        "dalarna",
        "Missbruk och beroende kräver samverkan mellan socialtjänst och hälso- och sjukvård. "
        "Behandling ges utifrån den enskildes behov.",
        n=1,
    )
    listing = chunk(
        "dalarna",
        "Kommunerna och regionen har ett gemensamt ansvar för:\n\n"
        "• Att ge psykosocial behandling, var för sig eller gemensamt.\n"
        "• Att sprida information om smittspridning.\n"
        "• Att arbeta med våld i nära relationer.",
        ("3.2 Gemensamt ansvar",),
        n=2,
    )
    found = Retrieval(
        make_query(
            "Vem ger psykosocial behandling?",
            RegionQuery(region=None, uncovered=None, mentioned=()),
        ),
        hits_of(general, listing),  # the list ranks second on fused score
        tuple(CATALOG),
    )
    idf = idf_table([h.chunk.indexed_text for h in found.hits] + BACKGROUND)
    reranked = rerank(found, idf, top_k=2)
    assert [h.chunk.id for h in reranked.hits] == [listing.id, general.id]
    assert [h.rank for h in reranked.hits] == [1, 2]
    assert all(0.0 <= h.fused <= 1.0 for h in reranked.hits)
    assert reranked.hits[0].fused >= reranked.hits[1].fused
    assert [h.chunk.id for h in rerank(found, idf, top_k=1).hits] == [listing.id]


def rerank(found: Retrieval, idf: dict[str, float], top_k: int) -> Retrieval:
    """Rerank as the pipeline does: by each passage's best sentence."""
    read = read_passages(found.question, found.hits, idf, about=found.question)
    return rerank_by(found, best_coverage(read), top_k, WEIGHTS.rerank)


def test_a_pointer_elsewhere_is_not_an_answer() -> None:
    hits = hits_of(
        chunk("varmland", "Läs mer om SIP-rutinen på vårdgivarwebben. SIP-rutinen finns på "
              "vårdgivarwebben.")
    )
    ranked = [s.sentence.text for s in scored("SIP-rutinen vårdgivarwebben?", hits)]
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


def test_regions_that_give_the_same_party_are_not_said_to_differ() -> None:
    varmland = chunk(
        "varmland",
        "Regionen ansvarar för boendestöd till personer som vårdas inom psykiatrin.",
        ("3. Ansvarsfördelning", "3.2 Regionens ansvar"),
    )
    result = answer("Vem ansvarar för boendestöd?", hits_of(varmland, DALARNA_REGION))
    assert set(_parts(result.text)) == {"Värmland", "Dalarna"}
    assert result.responsible == "region"
    assert not any("skiljer sig" in w for w in result.warnings)
    (note,) = [w for w in result.warnings if w.startswith("Svaret gäller flera regioner")]
    assert "Värmland" in note and "Dalarna" in note and "samma ansvar" in note


def test_with_a_region_there_is_no_per_region_split() -> None:
    hits = hits_of(VARMLAND_KOMMUN)
    result = answer("Vem ansvarar för boendestöd?", hits, region="Värmland")
    assert not re.search(r"\bI Värmland:", result.text)
    assert not any("skiljer sig" in w for w in result.warnings)


def test_a_region_whose_text_names_no_party_is_said_to_be_silent_not_given_a_party() -> None:
    # Dalarna names the region; Västmanland's passage names nobody. The answer's party is
    # Dalarna's and says so (region "Dalarna"); Västmanland's part says its text is silent.
    hits = hits_of(DALARNA_REGION, VASTMANLAND_NONE)
    result = answer("Vem ansvarar för boendestöd?", hits)
    parts = _parts(result.text)
    assert set(parts) == {"Dalarna", "Västmanland"}
    assert parts["Västmanland"].startswith(
        "De avsnitt jag hittar säger inte tydligt vem som ansvarar; närmast är: Ansvaret för "
        "boendestöd"
    )
    assert result.responsible == "region"
    assert result.region == "Dalarna"
    assert any(w.startswith("Svaret skiljer sig mellan regioner") for w in result.warnings)
    assert result.regions == ("Dalarna", "Västmanland")  # the silent one is covered too
    assert {c.document_id for c in result.citations[:2]} == {"dalarna", "vastmanland"}
    assert_citations_are_sound(result)


def test_regions_that_name_different_parties_leave_the_party_open() -> None:
    hits = hits_of(VARMLAND_KOMMUN, DALARNA_REGION, VASTMANLAND_NONE)
    result = answer("Vem ansvarar för boendestöd?", hits)
    parts = _parts(result.text)
    assert set(parts) == {"Värmland", "Dalarna", "Västmanland"}
    assert parts["Västmanland"].startswith("De avsnitt jag hittar säger inte tydligt vem")
    assert result.responsible is None
    assert result.region is None
    assert any(w.startswith("Svaret skiljer sig mellan regioner") for w in result.warnings)


def test_a_question_not_asking_who_shows_every_region_as_it_is() -> None:
    # "Har kommunen ansvaret …?" asks whether, not who: Västmanland's
    # sentence is shown as its answer, and no one party is claimed for both.
    hits = hits_of(DALARNA_REGION, VASTMANLAND_NONE)
    result = answer("Har kommunen ansvaret för boendestöd?", hits)
    assert set(_parts(result.text)) == {"Dalarna", "Västmanland"}
    assert "De avsnitt jag hittar säger inte" not in result.text
    assert result.responsible is None


def test_a_region_whose_best_sentence_answers_far_less_well_is_left_out() -> None:
    def best(doc_id: str, merit: float, coverage: float, rank: float = 0.2) -> Scored:
        passage = chunk(doc_id, "En mening.")
        sentence = split_sentences(passage.text)[0]
        (hit,) = hits_of(passage)
        return Scored(sentence, hit, 1, merit + rank, coverage, merit)

    by_region = {
        "Dalarna": [best("dalarna", 1.0, 0.7)],
        "Värmland": [best("varmland", 0.65, 0.4)],  # nearly as good: answered too
        # a near miss that only its passage's high retrieval rank lifted into the pool
        "Västmanland": [best("vastmanland", 0.5, 0.5, rank=0.6)],
        "Uppsala": [best("uppsala", 0.9, 0.3)],  # names a party but covers little of it
    }
    assert answering_regions(by_region, list(by_region)) == ["Dalarna", "Värmland"]
    # The best region is always answered, however weak every region is.
    weak = {"Dalarna": [best("dalarna", -0.1, 0.2)], "Värmland": [best("varmland", -0.3, 0.2)]}
    assert answering_regions(weak, list(weak)) == ["Dalarna"]


def test_a_sentence_spelling_out_the_duty_before_it_is_answered_with_it() -> None:
    text = (
        "Hälso- och sjukvården ansvarar för medicinska insatser. Individer med ett "
        "substansbruk kan behöva abstinensvård, LARO eller sprututbyte."
    )
    result = answer("Vem står för LARO och sprututbyte?", hits_of(chunk("vastmanland", text)),
                    region="Västmanland")
    assert result.text.startswith("Hälso- och sjukvården ansvarar för medicinska insatser [1].")
    assert result.responsible == "region"
    assert_citations_are_sound(result)


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
        "Överenskommelsen för Dalarna (”Dalarna – utkast 2021”) är märkt som "
        "förslag i texten, inte som beslutad version."
    ]


def test_a_warning_names_the_agreement_by_its_short_title_never_a_cut_title() -> None:
    long_title = (
        "Länsövergripande överenskommelse om samverkan för kommuner och region i Dalarnas "
        "län kring personer med psykiska funktionsnedsättningar från 18 år"
    )
    named = replace(CATALOG["dalarna"], title=long_title,
                    short_title="Dalarna – psykisk funktionsnedsättning 2021")
    derived = replace(CATALOG["dalarna"], title=long_title)
    guidance = replace(CATALOG["skr"], draft=True, title=long_title)
    (first,) = validity_warnings([named], TODAY)
    (second,) = validity_warnings([derived], TODAY)
    (third,) = validity_warnings([guidance], TODAY)
    assert first.startswith(
        "Överenskommelsen för Dalarna (”Dalarna – psykisk funktionsnedsättning 2021”) gällde "
        "till och med 2024-06-30;"
    )
    # No short title in the catalog: the derived one (region – first target group year).
    assert second.startswith(
        "Överenskommelsen för Dalarna (”Dalarna – missbruk och beroende 2021”) gällde"
    )
    assert third.startswith("Vägledningen ”Nationell vägledning – missbruk och beroende” är")
    for note in (first, second, third):
        assert "…" not in note and long_title not in note


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


def test_a_question_for_a_fact_agreements_do_not_hold_is_declined_with_a_pointer() -> None:
    # The passage shares the question's nouns; it still cannot say what anything costs.
    result = answer("Vad kostar läkemedelsassisterad behandling?", hits_of(VARMLAND_REGION))
    assert result.status == "no_support"
    assert result.responsible is None
    assert result.citations == ()  # no nearest sentence: none holds such a fact
    assert result.text.startswith("Överenskommelserna säger inget om belopp och avgifter")


def test_a_question_in_english_gets_a_swedish_reply_saying_so() -> None:
    result = answer("Who is responsible for withdrawal treatment?", hits_of(VARMLAND_REGION))
    assert result.status == "no_support" and result.citations == ()
    assert result.text.startswith("Tjänsten svarar på frågor på svenska")
    # A Swedish keyword question is not taken for a foreign one.
    assert answer("LARO vem?", hits_of(VARMLAND_REGION)).text != result.text


def test_a_question_about_what_no_agreement_names_is_declined_naming_it() -> None:
    # The passage holds every other word of the question; "naloxonprogram" is what it asks
    # about, and no agreement uses the word or its parts. (A passage as near in meaning as
    # e5 finds one on a related topic.)
    hits = hits_of(VARMLAND_REGION, dense=0.8)
    known = answer("Vem ansvarar för läkemedelsassisterad behandling vid opioidberoende?", hits)
    asked = answer("Vem ansvarar för naloxonprogram vid opioidberoende?", hits)
    assert known.status == "answered"
    assert asked.status == "no_support"
    assert asked.text.startswith("Överenskommelserna säger inget om naloxonprogram.")
    assert "ligger närmast" in asked.text and asked.citations  # the nearest, marked as such


def test_when_only_the_national_guidance_speaks_the_answer_says_so_and_names_no_party() -> None:
    guidance = chunk("skr", "Kommunen ansvarar för boendestöd enligt socialtjänstlagen.")
    result = answer("Vem ansvarar för boendestöd?", hits_of(guidance), region="Dalarna")
    assert result.status == "answered"
    assert result.text.startswith("Den nationella vägledningen från SKR säger: Kommunen ansvarar")
    assert result.text.endswith(
        "Den är inte bindande; överenskommelsen för Dalarna säger inget om detta."
    )
    assert result.responsible is None  # the guidance is not Dalarna's rule
    assert_citations_are_sound(result)
