"""Retrieval over a small synthetic corpus with the fake embedder: filters, place, de-duplication,
fusion, synonym expansion and bad input.

The synthetic corpus is in tests/corpus.py (the pipeline tests use it too).
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import InputError
from assistant.index.build import LoadedIndex
from assistant.search.retrieval import Filters, fuse, retrieve
from assistant.settings import Settings, load_settings
from tests.corpus import DOCUMENTS, OVERLAP_TEXT, build_test_index
from tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, LoadedIndex, FakeEmbedder]:
    return build_test_index(tmp_path_factory.mktemp("retrieval"))


def _documents(hits: Any) -> set[str]:
    return {h.chunk.document_id for h in hits}


# ── filters and place ────────────────────────────────────────────────────────────────


def test_a_region_in_the_question_restricts_to_its_agreements_and_national_guidance(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, "Vem ansvarar för abstinensvård i Värmland?", settings)
    assert found.place.region == "Värmland"
    assert set(found.searched_documents) == {"varmland-test", "nationell-test"}
    assert found.hits, "the Värmland agreement speaks of abstinensvård"
    assert _documents(found.hits) <= {"varmland-test", "nationell-test"}
    assert "varmland-test" in _documents(found.hits)


def test_a_municipality_restricts_to_its_county(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, "Vem ansvarar för boendestöd i Karlstads kommun?", settings)
    assert found.place.region == "Värmland"
    assert _documents(found.hits) <= {"varmland-test", "nationell-test"}
    # The place words filtered; they are not searched for as well.
    assert "Karlstad" not in embedder.queries_embedded[-1]
    assert "kommun" not in embedder.queries_embedded[-1]


def test_a_place_the_question_names_wins_over_the_requests_region(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    # A widget's remembered region must not silently override the place asked about.
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för boendestöd i Värmland?", settings,
        filters=Filters(region="region dalarna"),
    )
    assert (found.place.region, found.place.instead_of) == ("Värmland", "Dalarna")
    assert _documents(found.hits) <= {"varmland-test", "nationell-test"}


def test_a_place_named_in_the_question_and_the_request_is_not_searched_for(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    # The same question reads the same whether the region comes from its words or also
    # from the request: the place words filter, they are not searched for.
    settings, index, embedder = built
    for filters in (Filters(), Filters(region="Värmland")):
        found = retrieve(
            index, embedder, "Vem ansvarar för boendestöd i Karlstads kommun?", settings,
            filters=filters,
        )
        assert (found.place.region, found.place.instead_of) == ("Värmland", None)
        assert "Karlstad" not in embedder.queries_embedded[-1], filters
        assert "kommun" not in embedder.queries_embedded[-1], filters


def test_the_requests_region_filters_a_question_naming_no_place(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för boendestöd?", settings,
        filters=Filters(region="region dalarna"),
    )
    assert (found.place.region, found.place.instead_of) == ("Dalarna", None)
    assert set(found.searched_documents) == {"dalarna-test", "nationell-test"}
    assert _documents(found.hits) <= {"dalarna-test", "nationell-test"}


def test_without_a_place_every_document_is_searched(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, "Vem ansvarar för boendestöd?", settings, top_k=10)
    assert found.place.region is None and found.place.uncovered is None
    assert set(found.searched_documents) == set(DOCUMENTS)
    assert {"varmland-test", "dalarna-test", "vastmanland-test"} <= _documents(found.hits)


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        # asking what the national guidance says: only it is searched
        ("Vad säger SKR:s stöd om vem som ansvarar för boendestöd?", {"nationell-test"}),
        ("Vem ansvarar för boendestöd enligt Sveriges Kommuner och Regioner?",
         {"nationell-test"}),
        # a plan the agreements themselves mention must stay findable there
        ("Vad är SKR:s handlingsplan för boendestöd?", set(DOCUMENTS)),
        # with a region, the region's agreement stays
        ("Vad säger SKR om boendestöd i Värmland?", {"varmland-test", "nationell-test"}),
    ],
)
def test_a_question_about_what_skr_says(
    built: tuple[Settings, LoadedIndex, FakeEmbedder], question: str, searched: set[str]
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, question, settings)
    assert set(found.searched_documents) == searched
    assert _documents(found.hits) <= searched


@pytest.mark.parametrize(
    ("question", "filters", "label"),
    [
        ("Vem ansvarar för LARO i Skåne?", Filters(), "Skåne"),
        ("Vem ansvarar för boendestöd i Malmö?", Filters(), "Malmö (Skåne)"),
        ("Vem ansvarar för boendestöd?", Filters(region="Norrbotten"), "Norrbotten"),
    ],
)
def test_an_uncovered_place_returns_no_hits_and_reports_the_place(
    built: tuple[Settings, LoadedIndex, FakeEmbedder], question: str, filters: Filters, label: str
) -> None:
    settings, index, embedder = built
    calls = embedder.query_calls
    found = retrieve(index, embedder, question, settings, filters=filters)
    assert found.hits == ()
    assert found.searched_documents == ()
    assert found.place.region is None
    assert found.place.uncovered == label
    assert embedder.query_calls == calls  # nothing to search, so nothing embedded


def test_an_unknown_region_parameter_is_an_input_error(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    with pytest.raises(InputError, match="Okänd region"):
        retrieve(index, embedder, "Vem ansvarar?", settings, filters=Filters(region="Atlantis"))


def test_document_ids_restrict_the_search(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för boendestöd?", settings,
        filters=Filters(document_ids=("vastmanland-test",)), top_k=10,
    )
    assert found.searched_documents == ("vastmanland-test",)
    assert found.hits and _documents(found.hits) == {"vastmanland-test"}


def test_document_ids_and_region_together(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för boendestöd i Värmland?", settings,
        filters=Filters(document_ids=("dalarna-test", "nationell-test")),
    )
    # Dalarna's agreement is not Värmland's: only the national guidance is left.
    assert found.searched_documents == ("nationell-test",)
    assert _documents(found.hits) <= {"nationell-test"}


def test_an_unknown_document_id_is_an_input_error(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    with pytest.raises(InputError, match="finns-inte"):
        retrieve(
            index, embedder, "Vem ansvarar?", settings,
            filters=Filters(document_ids=("finns-inte",)),
        )


def test_target_group_filter(built: tuple[Settings, LoadedIndex, FakeEmbedder]) -> None:
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för boendestöd?", settings,
        filters=Filters(target_group="psykisk funktionsnedsättning"), top_k=10,
    )
    assert set(found.searched_documents) == {"dalarna-test", "nationell-test"}
    assert found.hits and _documents(found.hits) <= {"dalarna-test", "nationell-test"}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 1, 1), {"dalarna-test", "vastmanland-test", "nationell-test"}),
        (date(2024, 6, 30), set(DOCUMENTS)),  # the last day still counts
        (date(2025, 1, 1), {"varmland-test", "vastmanland-test", "nationell-test"}),
        (date(2030, 1, 1), {"vastmanland-test", "nationell-test"}),  # tills vidare
    ],
)
def test_valid_on_filter(
    built: tuple[Settings, LoadedIndex, FakeEmbedder], day: date, expected: set[str]
) -> None:
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för boendestöd?", settings,
        filters=Filters(valid_on=day), top_k=10,
    )
    assert set(found.searched_documents) == expected
    assert _documents(found.hits) <= expected


def test_hits_are_ranked_and_at_most_top_k(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, "Vem ansvarar för boendestöd?", settings, top_k=2)
    assert len(found.hits) == 2
    assert [h.rank for h in found.hits] == [1, 2]
    assert found.hits[0].fused >= found.hits[1].fused
    assert {"filter", "embed", "dense", "lexical", "fusion"} <= set(found.timings)


def test_the_question_is_returned_cleaned(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, "  Vem ansvarar\tför\n boendestöd?  ", settings)
    assert found.question == "Vem ansvarar för boendestöd?"


# ── overlapping passages ─────────────────────────────────────────────────────────────


def test_overlapping_passages_never_return_the_same_text_twice(tmp_path: Path) -> None:
    documents = {
        "overlap-test": {
            "region": "Värmland", "target_groups": ["psykisk ohälsa"], "text": OVERLAP_TEXT,
        },
        "nationell-test": DOCUMENTS["nationell-test"],
    }
    settings, index, embedder = build_test_index(
        tmp_path, documents, chunk_size=200, chunk_overlap=90
    )
    chunks = [c for c in index.chunks if c.document_id == "overlap-test"]
    neighbours = list(pairwise(chunks))
    # Precondition: the index really holds passages that share text.
    assert any(a.end > b.start for a, b in neighbours)

    found = retrieve(
        index, embedder, "Vem skickar kallelse till samordnad individuell plan?", settings,
        top_k=len(index.chunks),
    )
    own = [h.chunk for h in found.hits if h.chunk.document_id == "overlap-test"]
    assert len(own) >= 2
    for i, a in enumerate(own):
        for b in own[i + 1 :]:
            assert a.end <= b.start or b.end <= a.start, (a.id, b.id)
    sentences = [
        s for h in own for s in re.split(r"(?<=\.) ", h.text) if s.endswith(".") and len(s) > 40
    ]
    assert len(sentences) == len(set(sentences)), "a sentence is shown in two passages"


# ── fusion ───────────────────────────────────────────────────────────────────────────


def _settings(**changes: Any) -> Settings:
    return load_settings({}, **changes)


def test_rrf_fusion_on_hand_made_lists() -> None:
    dense = [(1, 0.9), (2, 0.8), (3, 0.7)]
    lexical = [(3, 12.0), (1, 4.0), (4, 1.0)]
    settings = _settings(fusion="rrf", rrf_k=60, dense_weight=0.5)
    fused = fuse(dense, lexical, settings)
    k = 60
    expected = {
        1: 0.5 * (1 / k) + 0.5 * (1 / (k + 1)),
        2: 0.5 * (1 / (k + 1)),
        3: 0.5 * (1 / (k + 2)) + 0.5 * (1 / k),
        4: 0.5 * (1 / (k + 2)),
    }
    assert [row for row, *_ in fused] == [1, 3, 2, 4]
    for row, d, lx, score in fused:
        assert score == pytest.approx(expected[row] * k)
        assert d == dict(dense).get(row, 0.0)
        assert lx == dict(lexical).get(row, 0.0)


def test_rrf_first_in_both_lists_scores_one() -> None:
    fused = fuse([(7, 0.5), (8, 0.4)], [(7, 3.0)], _settings(fusion="rrf"))
    assert fused[0][0] == 7
    assert fused[0][3] == pytest.approx(1.0)


def test_weighted_fusion_on_hand_made_lists() -> None:
    dense = [(1, 0.75), (2, 0.5), (3, 0.25)]  # binary fractions: the ties are exact
    lexical = [(3, 8.0), (2, 5.0), (5, 2.0)]
    fused = fuse(dense, lexical, _settings(fusion="weighted", dense_weight=0.5))
    scores = {row: score for row, _, _, score in fused}
    # min-max per list: dense 1→1, 2→0.5, 3→0; lexical 3→1, 2→0.5, 5→0
    assert scores == pytest.approx({1: 0.5, 2: 0.5, 3: 0.5, 5: 0.0})
    assert [row for row, *_ in fused] == [1, 2, 3, 5]  # ties by row number


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_dense_weight_decides_which_list_leads(fusion: str) -> None:
    dense = [(1, 0.9), (2, 0.8)]
    lexical = [(2, 9.0), (1, 1.0)]
    only_dense = fuse(dense, lexical, _settings(fusion=fusion, dense_weight=1.0))
    only_lexical = fuse(dense, lexical, _settings(fusion=fusion, dense_weight=0.0))
    assert [r for r, *_ in only_dense] == [1, 2]
    assert [r for r, *_ in only_lexical] == [2, 1]


def test_weighted_fusion_credits_a_sole_lexical_match() -> None:
    # The only passage containing a rare question word must gain from it, not score as if
    # BM25 had not found it at all.
    dense = [(1, 0.90), (2, 0.89), (3, 0.70)]
    lexical = [(2, 5.0)]
    fused = fuse(dense, lexical, _settings(fusion="weighted", dense_weight=0.5))
    scores = {row: score for row, _, _, score in fused}
    assert fused[0][0] == 2
    assert scores[2] > scores[1]


def test_fusion_of_empty_lists() -> None:
    assert fuse([], [], _settings()) == []
    assert [r for r, *_ in fuse([], [(4, 2.0), (9, 1.0)], _settings())] == [4, 9]


# ── synonyms and place words ─────────────────────────────────────────────────────────


def test_a_synonym_finds_a_passage_that_only_uses_the_other_word(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    found = retrieve(
        index, embedder, "Vem ansvarar för avgiftning?", settings,
        filters=Filters(document_ids=("varmland-test",)),
    )
    best = found.hits[0]
    assert "abstinensvård" in best.chunk.text
    assert "avgiftning" not in best.chunk.text
    assert best.lexical > 0


# ── bad input ────────────────────────────────────────────────────────────────────────


def test_bad_questions_are_rejected_before_any_search(
    built: tuple[Settings, LoadedIndex, FakeEmbedder],
) -> None:
    settings, index, embedder = built
    calls = embedder.query_calls
    with pytest.raises(InputError):
        retrieve(index, embedder, "x" * 10_000, settings)
    with pytest.raises(InputError):
        retrieve(index, embedder, " ?! ", settings)
    assert embedder.query_calls == calls


@pytest.mark.parametrize(
    "question",
    [
        "Who is responsible for detox in Värmland?",
        "Wer ist für die Entgiftung zuständig?",
        "Кто отвечает за детоксикацию?",
        "谁负责戒毒?",
        "مَن المسؤول عن علاج الإدمان؟",
    ],
)
def test_a_question_in_another_language_does_not_crash(
    built: tuple[Settings, LoadedIndex, FakeEmbedder], question: str
) -> None:
    settings, index, embedder = built
    found = retrieve(index, embedder, question, settings)
    assert all(h.chunk.document_id in DOCUMENTS for h in found.hits)
