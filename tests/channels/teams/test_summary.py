"""What a Teams reply says at a glance: the party first (a line per region and party, as the
widget reads `responsibilities`), the answer, ONE line of warnings in their short forms, the
sources by their agreements' short titles. The warnings are the service's own sentences,
made by the functions that make them, so a change of wording there fails here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from assistant.answer.compose import with_place_note
from assistant.answer.generation import GENERATED_WARNING
from assistant.answer.validity import validity_warnings
from assistant.channels.teams import (
    MAX_CITATION_NAME,
    answer_reply,
    citation_name,
    escape_shown,
    party_text,
    warning_forms,
    warnings_text,
)
from assistant.index.matters import Matter
from assistant.ingest.catalog import load_catalog
from assistant.matrix.export import conflict_note
from assistant.matrix.table import Conflict
from assistant.models import Answer, DocumentMeta, RegionQuery, Responsibility, Statement
from tests.channels.teams.support import (
    DIFFERS_WARNING,
    PUBLIC_URL,
    VARMLAND_SHORT,
    make_answer,
    make_citation,
)
from tests.ingest.documents import CORPUS

TODAY = date(2026, 1, 15)
NO_REGION_WARNING = (  # as answer/compose.py writes it
    "Frågan nämner ingen region. Svaret bygger på överenskommelsen för Dalarna; i andra "
    "regioner kan ansvaret vara fördelat på annat sätt. Ange region (eller en kommun) för ett "
    "svar som gäller just er."
)


def duty(party: str, region: str | None, actor: str = "", **changes: Any) -> Responsibility:
    base = Responsibility(
        party=party,  # type: ignore[arg-type]
        actor=actor or {"region": "Regionen", "kommun": "Kommunen"}.get(party, "Parterna"),
        duty="Gör det.", conditions=(), polarity="duty", region=region, n=1,
    )
    return replace(base, **changes)


def catalog() -> dict[str, DocumentMeta]:
    return load_catalog(CORPUS)


def first_line(answer: Answer, remembered: str | None = None) -> str:
    return answer_reply(answer, PUBLIC_URL, remembered_region=remembered)["text"].split("\n")[0]


# ── the party first ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("responsibilities", "regions", "expected"),
    [
        ([duty("region", "Dalarna")], ("Dalarna",), ["**Regionen ansvarar** · Dalarna"]),
        # The matter divided: one entry per part, one line for the region.
        (
            [duty("region", "Värmland"), duty("kommun", "Värmland")],
            ("Värmland",),
            ["**Delat: kommunen / regionen** · Värmland"],
        ),
        (
            [duty("annan", "Västmanland", "Statens institutionsstyrelse")],
            ("Västmanland",),
            ["**Annan: Statens institutionsstyrelse** · Västmanland"],
        ),
        ([duty("gemensamt", "Dalarna")], ("Dalarna",), ["**Gemensamt ansvar** · Dalarna"]),
        # No region asked: regions with the same party share a line, others get their own.
        (
            [duty("region", "Dalarna"), duty("region", "Värmland"), duty("kommun", "Västmanland")],
            ("Dalarna", "Värmland", "Västmanland"),
            ["**Regionen ansvarar** · Dalarna och Värmland", "**Kommunen ansvarar** · Västmanland"],
        ),
        # A negative statement never names its actor; the region is still listed.
        (
            [duty("region", "Dalarna", polarity="not"), duty("kommun", "Värmland")],
            ("Dalarna", "Värmland"),
            ["**Kommunen ansvarar** · Värmland", "Oklart vem: Dalarna"],
        ),
    ],
)
def test_the_first_lines_are_the_party_per_region(
    responsibilities: list[Responsibility], regions: tuple[str, ...], expected: list[str]
) -> None:
    answer = make_answer("Vem ansvarar?", None, responsibilities=tuple(responsibilities),
                         regions=regions, region=regions[0] if len(regions) == 1 else None)
    text = answer_reply(answer, PUBLIC_URL)["text"]
    assert text.split("\n\n")[0].split("\n") == expected
    assert text.split("\n\n")[1].startswith("Regionen ansvarar för abstinensvård")


def test_without_responsibilities_the_party_comes_from_responsible_and_a_fact_names_its_region(
) -> None:
    assert first_line(make_answer("Vem ansvarar?", "Dalarna")) == "**Regionen ansvarar** · Dalarna"
    fact = make_answer("Hur ofta följs den upp?", "Dalarna", responsible=None)
    assert first_line(fact) == "Gäller: Dalarna"
    assert first_line(fact, remembered="Dalarna") == "Gäller: Dalarna (vald i samtalet)"
    guidance = make_answer("Vad är en SIP?", None, responsible=None, region=None, regions=())
    assert party_text(guidance, None) == ""
    assert first_line(guidance).startswith("Regionen ansvarar för abstinensvård")


def test_a_declined_question_starts_with_the_decline_not_a_party() -> None:
    declined = make_answer("Vem betalar parkeringen?", "Dalarna", status="no_support",
                           text="Överenskommelserna säger inget om parkeringen.",
                           responsibilities=(duty("region", "Dalarna"),))
    assert first_line(declined) == "Överenskommelserna säger inget om parkeringen."


def test_an_actor_written_with_markup_is_shown_as_written() -> None:
    answer = make_answer("?", "Dalarna", responsibilities=(
        duty("annan", "Dalarna", "*SiS* [se www.stat.se](https://x.se)"),
    ))
    line = first_line(answer)
    assert line.startswith("**Annan: \\*SiS\\* \\[se ")
    assert "www\\.stat\\.se" in line and "https\\:" in line and "](" not in line


# ── warnings: one line ─────────────────────────────────────────────────────────────────


def test_the_warnings_are_one_line_of_short_forms_without_their_details() -> None:
    metas = catalog()
    notes = validity_warnings(
        [metas["dalarna-psykisk-funktionsnedsattning"], metas["dalarna-missbruk-beroende"]], TODAY
    )
    assert len(notes) == 3  # expired twice, and one a draft
    answer = make_answer("Vem ansvarar för boendestöd?", None,
                         warnings=(NO_REGION_WARNING, *notes, GENERATED_WARNING))
    line = warnings_text(answer)
    assert line == (
        "⚠️ Frågan nämner ingen region · "
        "Dalarna – psykisk funktionsnedsättning 2021: gick ut 2024-07-01, förslag, ej beslutad · "
        "Dalarna – missbruk och beroende 2021: gick ut 2024-06-30 · "
        "Formulerat av en språkmodell"
    )
    text = answer_reply(answer, PUBLIC_URL)["text"]
    assert [b for b in text.split("\n\n") if "⚠️" in b] == [line]
    assert text.count("⚠️") == 1
    for detail in ("Kontrollera", "förlängs", "Ange region", "Länsövergripande"):
        assert detail not in text


def test_the_other_warnings_have_short_forms_and_an_unknown_one_its_first_sentence() -> None:
    placed = with_place_note(make_answer("?", "Värmland", warnings=()),
                             RegionQuery("Värmland", instead_of="Dalarna"))
    statement = Statement(
        id="s1", document_id="dalarna-missbruk-beroende", chunk_id=None, actor="Regionen",
        party="region", duty="Regionen ansvarar för anhörigstöd.", conditions=(),
        polarity="duty", quotes=(), spans=(), section="3. Ansvar", page=4,
    )
    conflict = Conflict(
        matter=Matter("anhorigstod", "Stöd till anhöriga", ("anhörigstöd",)), region="Dalarna",
        first=statement, second=replace(statement, document_id="dalarna-psykisk-"
                                        "funktionsnedsattning", party="kommun"),
        kind="party",
    )
    note = conflict_note(conflict, catalog())
    assert "Dalarna – missbruk och beroende 2021" in note  # the sources by short title
    assert warning_forms([*placed.warnings, DIFFERS_WARNING, note, DIFFERS_WARNING]) == [
        "Svaret gäller Värmland, inte Dalarna",
        "Skiljer sig mellan regioner",
        "Dalarna: avtalen säger olika om Stöd till anhöriga",
    ]
    same = "Svaret gäller flera regioner: Dalarna och Värmland ger samma ansvar, med egna ord."
    assert warning_forms([same]) == ["Samma ansvar i flera regioner"]
    unknown = "Texten är inskannad. Sidnumren kan vara fel (”Ett utdrag”) och mer därtill."
    assert warning_forms([unknown]) == ["Texten är inskannad"]
    assert len(warning_forms(["Ett ord " * 40])[0]) <= 90


def test_an_answer_without_warnings_has_no_warning_line() -> None:
    text = answer_reply(make_answer("?", "Värmland", warnings=()), PUBLIC_URL)["text"]
    assert "⚠️" not in text and len(text.split("\n\n")) == 3


# ── sources by short title ─────────────────────────────────────────────────────────────


def test_the_bundled_agreements_have_distinct_citation_names_starting_with_their_short_title(
) -> None:
    names = {}
    for meta in catalog().values():
        citation = make_citation(
            1, document_id=meta.id, title=meta.title, short_title=meta.short_name,
            region=meta.region, section="3. Ansvarsfördelning › 3.2 Regionens ansvar", page=7,
        )
        name = citation_name(citation)
        assert name.startswith(meta.short_name + " · 3.2 Regionens")
        assert name.endswith(", s. 7") and len(name) <= MAX_CITATION_NAME
        names[meta.id] = name
    assert len(set(names.values())) == len(names) == 5
    # By title, as before, four of the five began alike.
    assert len({m.title[:40] for m in catalog().values()}) < 5


def test_the_sources_line_groups_the_cited_passages_by_agreement_the_rest_by_number() -> None:
    citations = (
        make_citation(1),
        make_citation(2, short_title="Dalarna – missbruk och beroende 2021"),
        make_citation(3),
        make_citation(4, short_title="Dalarna – missbruk och beroende 2021"),
    )
    answer = make_answer("?", None, citations=citations, text="Ett [1]. Två [2]. Tre [3].")
    text = answer_reply(answer, PUBLIC_URL)["text"]
    assert text.endswith(
        f"Källor: {VARMLAND_SHORT} [1] [3] · Dalarna – missbruk och beroende 2021 [2]\n"
        "Fler avsnitt: [4]"
    )
    # An answer that cites none shows its best passage as the source.
    uncited = answer_reply(replace(answer, text="Inga hänvisningar."), PUBLIC_URL)["text"]
    assert f"Källor: {VARMLAND_SHORT} [1]\nFler avsnitt: [2] [3] [4]" in uncited


def test_the_service_words_stay_readable_but_never_become_markup() -> None:
    assert escape_shown("Dalarna – missbruk 2021: gick ut 2024-06-30") == (
        "Dalarna – missbruk 2021: gick ut 2024-06-30"
    )
    assert escape_shown("a_b *c* <b>|`") == "a\\_b \\*c\\* \\<b\\>\\|\\`"
    assert escape_shown("se https://x.se/a och info@x.se") == (
        "se https\\:\\/\\/x\\.se\\/a och info\\@x\\.se"
    )


# ── slow: the real model, the bundled index, the real ask path ────────────────────────


@pytest.fixture(scope="module")
def real() -> Any:
    from assistant import pipeline
    from assistant.settings import load_settings, project_root

    index = project_root() / "index"
    if not (index / "manifest.json").exists():
        pytest.skip("no bundled index (build it with `assistant index`)")
    return pipeline.load_engine(load_settings({}, index_dir=index))


def real_reply(engine: Any, question: str) -> tuple[list[str], list[str]]:
    """The reply's blocks and its citation names for a question asked of the real engine."""
    from assistant import pipeline

    payload = answer_reply(pipeline.ask(engine, question).answer, PUBLIC_URL)
    (entity,) = payload["entities"]
    return payload["text"].split("\n\n"), [c["appearance"]["name"] for c in entity["citation"]]


@pytest.mark.slow
def test_real_replies_put_the_party_first_one_warning_line_and_sources_by_short_title(
    real: Any,
) -> None:
    shorts = [m.short_name for m in catalog().values()]
    divided, _ = real_reply(
        real, "Smedjebacken: vem betalar personliga hjälpmedel, kommunen eller regionen?"
    )
    assert divided[0] == "**Delat: kommunen / regionen** · Dalarna"
    other, _ = real_reply(real, "Vem ansvarar för ungdomar som placeras på SiS-hem i Västmanland?")
    assert other[0] == "**Annan: Statens institutionsstyrelse** · Västmanland"
    blocks, names = real_reply(
        real, "Vem ansvarar för tandvård för personer med psykisk funktionsnedsättning?"
    )
    # No region asked: a line per region and party, first.
    assert blocks[0].split("\n") == [
        "**Regionen ansvarar** · Dalarna", "**Kommunen ansvarar** · Värmland"
    ]
    warnings = [b for b in blocks if "⚠️" in b]
    assert warnings == [blocks[2]] and "\n" not in blocks[2]
    assert blocks[2].startswith("⚠️ Skiljer sig mellan regioner · Dalarna – psykisk")
    assert blocks[3].startswith(
        "Källor: Dalarna – psykisk funktionsnedsättning 2021 [1] · "
        "Värmland – psykisk funktionsnedsättning och beroende [2]"
    )
    for reply in (divided, other, blocks):
        assert "…”" not in "\n\n".join(reply)  # no cut title in a warning any more
    assert names and all(any(n.startswith(s + " · ") for s in shorts) for n in names)
