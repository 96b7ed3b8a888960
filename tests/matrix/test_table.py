"""Cells, differences between regions and conflicts within one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assistant.index.matters import Assignment, Matter
from assistant.matrix.table import build_matrix, cell_party
from assistant.models import DocumentMeta, Party, Polarity, Statement

TODAY = date(2026, 12, 7)
MATTER = Matter("anhorigstod", "Anhörigstöd", ("anhörigstöd",))


def meta(ident: str, region: str | None, **changes: object) -> DocumentMeta:
    base = DocumentMeta(
        id=ident, title=f"Överenskommelse {ident}", region=region, parties=(),
        target_groups=("missbruk och beroende",), age_scope="vuxna från 18 år",
        kind="överenskommelse", valid_from=date(2024, 1, 1), valid_to=None, extension=None,
        draft=False, source=f"{ident}.txt",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def statement(
    ident: str, document: str, party: Party, polarity: Polarity = "duty"
) -> Statement:
    duty = f"{party} ansvarar för anhörigstöd ({ident})."
    return Statement(
        id=ident, document_id=document, chunk_id=None, actor=party, party=party, duty=duty,
        conditions=(), polarity=polarity, quotes=(duty,), spans=((0, 1),), section="Ansvar",
        page=None,
    )


def matrix(statements: list[Statement], documents: dict[str, DocumentMeta]):  # type: ignore[no-untyped-def]
    placed = Assignment({s.id: (MATTER.id,) for s in statements}, frozenset(), ())
    return build_matrix(statements, documents, (MATTER,), placed, TODAY)


def test_a_cell_goes_to_the_party_most_duties_name_and_a_tie_is_shared() -> None:
    k, r = statement("1", "a", "kommun"), statement("2", "a", "region")
    assert cell_party([k, statement("3", "a", "kommun"), r]) == "kommun"
    assert cell_party([k, r]) == "gemensamt"
    assert cell_party([statement("4", "a", "gemensamt"), k]) == "gemensamt"
    assert cell_party([k, r], balance=0.3) == "gemensamt"
    assert cell_party([k, k, k, r], balance=0.3) == "gemensamt"
    assert cell_party([k, k, k, k, r], balance=0.3) == "kommun"


def test_a_denied_party_does_not_count_and_only_denials_give_no_party() -> None:
    assert cell_party([statement("1", "a", "region"),
                       statement("2", "a", "region", "not"),
                       statement("3", "a", "kommun")]) == "kommun"
    assert cell_party([statement("1", "a", "region", "not")]) is None


def test_rows_have_a_cell_per_region_and_differ_when_regions_disagree() -> None:
    documents = {"a": meta("a", "Värmland"), "b": meta("b", "Dalarna"),
                 "skr": meta("skr", None, kind="vägledning")}
    m = matrix([statement("1", "a", "kommun"), statement("2", "b", "region"),
                statement("3", "skr", "gemensamt")], documents)
    (row,) = m.rows
    assert [(c.region, c.party) for c in row.cells] == [("Värmland", "kommun"),
                                                        ("Dalarna", "region")]
    assert row.differs and not row.conflicts
    assert m.regions == ("Värmland", "Dalarna")


def test_two_agreements_of_one_region_giving_the_matter_to_different_parties_conflict() -> None:
    documents = {"a": meta("a", "Dalarna"), "b": meta("b", "Dalarna")}
    m = matrix([statement("1", "a", "kommun"), statement("2", "b", "region")], documents)
    (conflict,) = m.rows[0].conflicts
    assert (conflict.first.id, conflict.second.id, conflict.kind) == ("1", "2", "party")
    assert m.conflicts_by_statement["1"] == (conflict,) == m.conflicts_by_statement["2"]
    assert not m.rows[0].differs  # one region: its cell is shared, not a difference


def test_a_duty_against_a_denial_conflicts() -> None:
    documents = {"a": meta("a", "Dalarna"), "b": meta("b", "Dalarna")}
    m = matrix([statement("1", "a", "region", "not"), statement("2", "b", "region")], documents)
    assert [c.kind for c in m.rows[0].conflicts] == ["polarity"]


def test_no_conflict_within_one_agreement_or_between_different_people_or_times() -> None:
    one = {"a": meta("a", "Dalarna")}
    assert not matrix([statement("1", "a", "kommun"), statement("2", "a", "region")],
                      one).rows[0].conflicts
    pairs = [
        {"b": meta("b", "Dalarna", age_scope="barn och unga")},
        {"b": meta("b", "Dalarna", target_groups=("psykisk funktionsnedsättning",))},
        {"b": meta("b", "Dalarna", valid_from=date(2010, 1, 1), valid_to=date(2012, 1, 1))},
    ]
    for other in pairs:
        documents = {"a": meta("a", "Dalarna"), **other}
        m = matrix([statement("1", "a", "kommun"), statement("2", "b", "region")], documents)
        assert not m.rows[0].conflicts, other


def test_an_agreement_speaking_of_another_target_group_overlaps_it() -> None:
    documents = {
        "a": meta("a", "Dalarna", target_groups=("psykisk funktionsnedsättning",)),
        "b": meta("b", "Dalarna"),
    }
    statements = [statement("1", "a", "kommun"), statement("2", "b", "region")]
    placed = Assignment({s.id: (MATTER.id,) for s in statements}, frozenset(), ())
    passages = {"a": ["Personer med psykisk funktionsnedsättning och samtida missbruk och "
                      "beroende behöver samordnade insatser."]}
    m = build_matrix(statements, documents, (MATTER,), placed, TODAY, passages)
    assert len(m.rows[0].conflicts) == 1


def test_a_question_focuses_each_cell_on_the_statements_that_answer_it() -> None:
    from assistant.answer.weights import WEIGHTS
    from assistant.matrix.finding import _focused

    documents = {"a": meta("a", "Dalarna"), "b": meta("b", "Värmland")}
    k1, r1, r2 = (statement("1", "a", "kommun"), statement("2", "a", "region"),
                  statement("3", "a", "region"))
    k2 = statement("4", "b", "kommun")
    row = matrix([k1, r1, r2, k2], documents).rows[0]
    assert [c.party for c in row.cells] == ["region", "kommun"]
    focused = _focused(row, {"1": 0.9, "2": 0.5, "3": 0.2, "4": 0.1}, WEIGHTS)
    dalarna, varmland = focused.cells
    assert [s.id for s in dalarna.statements] == ["1"] and dalarna.party == "kommun"
    assert varmland == row.cells[1]  # its one statement is its best
    assert not focused.differs
    near = _focused(row, {"1": 0.9, "2": 0.85, "3": 0.2, "4": 0.1}, WEIGHTS)
    assert near.cells[0].party == "gemensamt"  # a near tie keeps both parties' duties
