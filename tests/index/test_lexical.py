"""Swedish BM25: tokenisation, folding, stemming, stop words, search, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import IndexUnavailableError
from assistant.index import lexical
from assistant.text import strip_marks

PASSAGES = [
    "Regionen ansvarar för abstinensvård och avgiftning.",
    "Kommunen ansvarar för boendestöd och särskilt boende enligt socialtjänstlagen.",
    "Hälso- och sjukvården ska kalla till SIP när den enskilde behöver insatser från båda.",
    "Barn och unga från 18 år omfattas inte av överenskommelsen.",
    "Läkemedelsassisterad behandling (LARO) är regionens ansvar.",
]


def test_tokenize_lowercases_strips_punctuation_and_keeps_swedish_letters() -> None:
    assert lexical.tokenize("Hälso- och sjukvården: SIP, LSS § 9!") == [
        "hälso", "sjukvården", "sip", "lss", "9",
    ]


def test_tokenize_drops_stop_words_but_not_domain_words() -> None:
    words = lexical.tokenize("Vem ansvarar för att kommunen och regionen har en SIP?")
    assert words == ["ansvarar", "kommunen", "regionen", "sip"]
    assert "kommun" not in lexical.STOP_WORDS and "region" not in lexical.STOP_WORDS
    assert lexical.tokenize("Vem ansvarar för", keep_stop_words=True) == ["vem", "ansvarar", "för"]


def test_tokenize_drops_list_markers_and_private_use_bullets() -> None:
    assert lexical.tokenize("\uf0b7 boende o stöd a) b) 7") == ["boende", "stöd", "7"]


def test_stop_words_typed_without_dots_are_dropped_but_year_is_kept() -> None:
    # "ar" is "är" typed without dots; "år" (year) is a content word.
    assert lexical.tokenize("det ar over nar") == []
    assert lexical.tokenize("18 år") == ["18", "år"]


def test_fold_removes_diacritics() -> None:
    assert strip_marks("åäö ÅÄÖ idé") == "aao AAO ide"


def test_analyse_stems_and_folds_both_spellings_alike() -> None:
    assert lexical.analyse("abstinensvården") == lexical.analyse("abstinensvarden")
    assert lexical.analyse("Hälsa") == lexical.analyse("halsa")
    assert lexical.analyse("kommunerna kommunen") == ["kommun", "kommun"]
    assert all(t.isascii() for t in lexical.analyse("Läkemedel för äldre på boendet"))


def test_search_ranks_the_matching_passage_first() -> None:
    li = lexical.build(PASSAGES)
    assert li.size == len(PASSAGES)
    hits = lexical.search(li, "Vem ansvarar för abstinensvård?", 3)
    assert hits[0][0] == 0
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_search_matches_questions_typed_without_swedish_letters() -> None:
    li = lexical.build(PASSAGES)
    assert lexical.search(li, "abstinensvard", 1)[0][0] == 0
    assert lexical.search(li, "halso- och sjukvarden sip", 1)[0][0] == 2
    assert lexical.search(li, "lakemedelsassisterad", 1)[0][0] == 4


def test_search_matches_inflected_forms() -> None:
    li = lexical.build(PASSAGES)
    assert lexical.search(li, "kommunerna boendestödet", 1)[0][0] == 1


def test_search_leaves_out_rows_without_a_shared_term() -> None:
    li = lexical.build(PASSAGES)
    hits = lexical.search(li, "LARO", 10)
    assert [r for r, _ in hits] == [4]
    assert lexical.search(li, "helt orelaterat ordförråd", 10) == []
    assert lexical.search(li, "och för att", 10) == []  # stop words only


def test_search_respects_allowed_and_k() -> None:
    li = lexical.build(PASSAGES)
    hits = lexical.search(li, "ansvarar", 10)
    assert {r for r, _ in hits} == {0, 1}
    assert [r for r, _ in lexical.search(li, "ansvarar", 10, allowed={1, 3})] == [1]
    assert len(lexical.search(li, "ansvarar", 1)) == 1
    assert lexical.search(li, "ansvarar", 0) == []


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    li = lexical.build(PASSAGES)
    lexical.save(li, tmp_path / "bm25")
    again = lexical.load(tmp_path / "bm25")
    assert again.size == len(PASSAGES)
    for q in ("abstinensvård", "SIP sjukvård", "boende kommun"):
        assert lexical.search(again, q, 5) == lexical.search(li, q, 5) != []


def test_empty_index_round_trips_and_finds_nothing(tmp_path: Path) -> None:
    li = lexical.build([])
    lexical.save(li, tmp_path / "bm25")
    assert lexical.search(lexical.load(tmp_path / "bm25"), "vård", 5) == []


def test_load_rejects_missing_corrupt_and_outdated_files(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError):
        lexical.load(tmp_path / "none")
    folder = tmp_path / "bm25"
    lexical.save(lexical.build(PASSAGES), folder)
    meta = json.loads((folder / lexical.META_NAME).read_text())
    (folder / lexical.META_NAME).write_text(json.dumps({**meta, "analyser_version": "0"}))
    with pytest.raises(IndexUnavailableError, match="ordanalys"):
        lexical.load(folder)
    (folder / lexical.META_NAME).write_text(json.dumps(meta))
    for npy in folder.glob("*.npy"):
        npy.write_bytes(b"garbage")
    with pytest.raises(IndexUnavailableError, match="skadat"):
        lexical.load(folder)


def test_top_k_equals_a_full_sort_with_ties_broken_by_row() -> None:
    # Many identical passages tie exactly: the k best must be the full sort's first k.
    texts = [PASSAGES[i % len(PASSAGES)] + (" boende" * (i % 3)) for i in range(300)]
    li = lexical.build(texts)
    query = "boende regionen ansvarar abstinensvård"
    terms = li._native.get_tokens_ids(lexical.analyse(query))
    scores = li._native.get_scores_from_ids(terms)
    for k in (1, 7, 40, 299, 500):
        expected = sorted((r for r in range(300) if scores[r] > 0), key=lambda r: (-scores[r], r))
        assert [r for r, _ in lexical.search(li, query, k)] == expected[:k]
    allowed = set(range(0, 300, 4)) | {-5, 999}
    hits = lexical.search(li, query, 10, allowed)
    assert {r for r, _ in hits} <= allowed and len(hits) == 10


def test_analyse_gives_the_same_terms_however_often_a_word_is_seen() -> None:
    first = lexical.analyse("Hälso- och sjukvården ansvarar för abstinensvården")
    assert lexical.analyse("Hälso- och sjukvården ansvarar för abstinensvården") == first
    assert lexical.analyse("halso- och sjukvarden ansvarar for abstinensvarden") == first


def test_analyse_returns_a_fresh_list_each_time() -> None:
    terms = lexical.analyse("Kommunen ansvarar för boendestöd")
    terms.append("något annat")
    assert lexical.analyse("Kommunen ansvarar för boendestöd") == terms[:-1]
