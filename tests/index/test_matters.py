"""The matters list and how statements are placed in matters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import CorpusError
from assistant.index.matters import (
    Matter,
    assign,
    load_matters,
    matters_in,
    parse_matters,
)
from assistant.models import Statement

MATTERS = (
    Matter("abstinensvard", "Abstinensvård", ("abstinensvård", "avgiftning", "abstinens")),
    Matter("boende", "Boende", ("boende", "bostad")),
    Matter("boendestod", "Boendestöd", ("boendestöd",)),
    Matter("personligt-ombud", "Personligt ombud", ("personligt ombud",)),
)


def statement(duty: str, section: str = "Ansvar", ident: str = "s1") -> Statement:
    return Statement(
        id=ident, document_id="d", chunk_id=None, actor="Regionen", party="region",
        duty=duty, conditions=(), polarity="duty", quotes=(duty,), spans=((0, len(duty)),),
        section=section, page=None,
    )


def test_a_list_parses_with_or_without_header_and_comments() -> None:
    text = "# kommentar\nid\tname\tterms\nlaro\tLARO\tLARO; läkemedelsassisterad behandling\n"
    assert parse_matters(text) == (
        Matter("laro", "LARO", ("LARO", "läkemedelsassisterad behandling")),
    )
    assert parse_matters("sip\tSIP\tSIP\n")[0].id == "sip"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("id\tname\tterms\nlaro\tLARO\n", "rad 2: väntade tre fält"),
        ("Laro\tLARO\tLARO\n", "rad 1: id 'Laro'"),
        ("a\tA\tx\na\tA igen\ty\n", "rad 2: id 'a' finns redan"),
        ("a\tA\t ; \n", "rad 1: namn och minst en term"),
        ("# bara en kommentar\n", "inga insatser"),
    ],
)
def test_a_broken_list_is_refused_naming_the_line(text: str, wanted: str) -> None:
    with pytest.raises(CorpusError, match=wanted):
        parse_matters(text, "matters.tsv")


def test_the_bundled_list_loads_and_a_corpus_list_replaces_it(tmp_path: Path) -> None:
    bundled = load_matters(tmp_path)
    assert len(bundled) >= 30 and len({m.id for m in bundled}) == len(bundled)
    (tmp_path / "matters.tsv").write_text("laro\tLARO\tLARO\n", encoding="utf-8")
    assert [m.id for m in load_matters(tmp_path)] == ["laro"]


def test_a_term_matches_inflections_lemmas_and_compound_parts() -> None:
    assert matters_in("Regionen ansvarar för avgiftningen.", MATTERS) == ("abstinensvard",)
    assert matters_in("Regionen ansvarar för abstinensbehandlingen.", MATTERS) == (
        "abstinensvard",
    )


def test_a_compound_a_longer_term_claims_says_nothing_of_its_parts() -> None:
    # "boendestöd" is a matter of its own; its part "boende" does not make it housing.
    assert matters_in("Kommunen ger boendestödet.", MATTERS) == ("boendestod",)
    assert matters_in("Boendestöd i den egna bostaden.", MATTERS) == ("boende", "boendestod")


def test_a_term_of_several_words_needs_them_all() -> None:
    assert matters_in("Kommunen ansvarar för personliga ombud.", MATTERS) == ("personligt-ombud",)
    assert matters_in("Ombudet hjälper till med blanketter.", MATTERS) == ()


def test_statements_are_placed_by_words_then_heading_then_vectors() -> None:
    by_duty = statement("Regionen ansvarar för avgiftning.", ident="a")
    by_heading = statement("Regionen ansvarar för detta.", "Ansvar › Boendestöd", ident="b")
    by_vector = statement("Regionen hjälper med nycklar.", ident="c")
    nowhere = statement("Regionen gör något annat.", ident="d")
    vectors = {
        "a": np.array([1.0, 0.0]), "b": np.array([1.0, 0.0]),
        "c": np.array([0.0, 1.0]), "d": np.array([0.6, 0.8]),
    }
    matter_vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    placed = assign(
        [by_duty, by_heading, by_vector, nowhere], MATTERS, vectors, matter_vectors, 0.95
    )
    assert placed.by_statement == {"a": ("abstinensvard",), "b": ("boendestod",),
                                   "c": ("boende",)}
    assert placed.by_words == {"a", "b"}
    assert [s.id for s in placed.unplaced] == ["d"]
