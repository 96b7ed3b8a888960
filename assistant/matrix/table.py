"""The ansvarsmatris itself: one row a matter, one cell a region, and what the row shows
about them — regions that give the matter to different parties (`differs`) and, within
one region, agreements that disagree about it (`conflicts`).

A *conflict* is two statements of the same matter and region, from two agreements that
apply side by side (both valid on the day asked about, or their stated periods overlap)
and whose target groups and age scopes overlap, where one gives the matter to
a different party than the other (each agreement's own cell party, neither shared) or
one denies a party the duty the other gives it. Within one agreement, different parties
for one matter are a division of it, not a conflict.
National guidance (SKR) binds no one and has no column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from assistant.index import lexical
from assistant.index.matters import Assignment, Matter, word_forms
from assistant.models import DocumentMeta, Party, Statement


@dataclass(frozen=True)
class Cell:
    """What one region's agreements say about one matter."""

    region: str
    party: Party | None  # the parties of its duties together; None: only denials
    statements: tuple[Statement, ...]  # in document and text order

    @property
    def actors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.actor for s in self.statements if s.polarity == "duty"))

    @property
    def conditions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for s in self.statements for c in s.conditions))


@dataclass(frozen=True)
class Conflict:
    """Two agreements of one region that disagree about a matter."""

    matter: Matter
    region: str
    first: Statement
    second: Statement
    kind: str  # "party": different parties; "polarity": a duty against a denial


@dataclass(frozen=True)
class Row:
    matter: Matter
    cells: tuple[Cell, ...]  # in region order, only regions whose agreements say something
    differs: bool  # regions give the matter to different parties
    conflicts: tuple[Conflict, ...]


@dataclass(frozen=True)
class Matrix:
    rows: tuple[Row, ...]  # in the list's order; matters no statement fits are left out
    regions: tuple[str, ...]  # every region with an agreement, in catalog order
    matters: tuple[Matter, ...]  # the whole list
    unplaced: tuple[Statement, ...]  # statements of agreements no matter fits
    conflicts_by_statement: Mapping[str, tuple[Conflict, ...]]  # statement id -> its conflicts


def build_matrix(
    statements: Sequence[Statement],
    documents: Mapping[str, DocumentMeta],
    matters: Sequence[Matter],
    assignment: Assignment,
    today: date,
    passages: Mapping[str, Sequence[str]] | None = None,
    balance: float = 1.0,
) -> Matrix:
    """The matrix of the agreements' statements on `today` (which decides validity).
    `passages`: each document's passage texts, where an agreement may speak of another's
    target group ("personer med psykisk funktionsnedsättning och samtida missbruk")."""
    spoken = _groups_spoken_of(documents, passages or {})
    agreements = {d: m for d, m in documents.items() if m.region and m.kind != "vägledning"}
    regions = tuple(dict.fromkeys(m.region for m in agreements.values() if m.region))
    rows = []
    by_statement: dict[str, list[Conflict]] = {}
    for matter in matters:
        held = [
            s
            for s in statements
            if s.document_id in agreements and matter.id in assignment.by_statement.get(s.id, ())
        ]
        cells = []
        conflicts: list[Conflict] = []
        for region in regions:
            own = tuple(s for s in held if agreements[s.document_id].region == region)
            if not own:
                continue
            cells.append(Cell(region, cell_party(own, balance), own))
            conflicts.extend(_conflicts(matter, region, own, agreements, today, spoken, balance))
        if not cells:
            continue
        for conflict in conflicts:
            for s in (conflict.first, conflict.second):
                by_statement.setdefault(s.id, []).append(conflict)
        parties = {c.party for c in cells if c.party is not None}
        rows.append(Row(matter, tuple(cells), len(parties) > 1, tuple(conflicts)))
    unplaced = tuple(s for s in assignment.unplaced if s.document_id in agreements)
    return Matrix(
        tuple(rows),
        regions,
        tuple(matters),
        unplaced,
        {k: tuple(v) for k, v in by_statement.items()},
    )


def cell_party(statements: Sequence[Statement], balance: float = 1.0) -> Party | None:
    """The party a cell gives the matter to: the one most of its duties name. Kommun and
    region share it (`gemensamt`) when the lesser of the two has at least `balance` of
    the greater's duties, or when duties stated for both are the most; a party a statement
    denies the matter to does not count."""
    denied = {s.party for s in statements if s.polarity == "not"}
    counts: dict[Party, int] = {}
    for s in statements:
        if s.polarity == "duty" and s.party not in denied:
            counts[s.party] = counts.get(s.party, 0) + 1
    if not counts:
        return None
    kommun, region = counts.get("kommun", 0), counts.get("region", 0)
    if kommun and region and min(kommun, region) >= balance * max(kommun, region):
        counts["gemensamt"] = counts.get("gemensamt", 0) + kommun + region
    order: tuple[Party, ...] = ("gemensamt", "kommun", "region", "annan")
    return max(order, key=lambda p: (counts.get(p, 0), -order.index(p)))


def _conflicts(
    matter: Matter,
    region: str,
    statements: Sequence[Statement],
    agreements: Mapping[str, DocumentMeta],
    today: date,
    spoken: Mapping[str, frozenset[str]],
    balance: float,
) -> list[Conflict]:
    """Where two agreements of a region disagree about a matter: each agreement's own cell
    names another party (neither shares it), or one denies a party the duty the other
    gives it. One conflict per pair of agreements, shown by a statement of each."""
    by_document: dict[str, list[Statement]] = {}
    for s in statements:
        by_document.setdefault(s.document_id, []).append(s)
    found = []
    for a_id, b_id in combinations(by_document, 2):
        first, second = agreements[a_id], agreements[b_id]
        if not _concurrent(first, second, today) or not _same_people(first, second, spoken):
            continue
        a, b = by_document[a_id], by_document[b_id]
        denied = _denial(a, b) or _denial(b, a)
        if denied:
            found.append(Conflict(matter, region, *denied, "polarity"))
            continue
        party_a, party_b = cell_party(a, balance), cell_party(b, balance)
        if None in (party_a, party_b) or "gemensamt" in (party_a, party_b):
            continue
        if party_a != party_b:
            found.append(Conflict(matter, region, _stating(a, party_a), _stating(b, party_b),
                                  "party"))
    return found


def _denial(a: Sequence[Statement], b: Sequence[Statement]) -> tuple[Statement, Statement] | None:
    """A statement of `a` denying a party the matter, and one of `b` giving it to it."""
    for no in (s for s in a if s.polarity == "not"):
        yes = next((s for s in b if s.polarity == "duty" and s.party == no.party), None)
        if yes is not None:
            return no, yes
    return None


def _stating(statements: Sequence[Statement], party: Party | None) -> Statement:
    return next(s for s in statements if s.polarity == "duty" and s.party == party)


def _concurrent(a: DocumentMeta, b: DocumentMeta, today: date) -> bool:
    """Whether two agreements apply at the same time: both valid on `today`, or their
    stated periods overlap (two agreements past their end and extended by the same kind
    of rule still apply side by side)."""
    if a.in_force_on(today) and b.in_force_on(today):
        return True
    starts = [d for d in (a.valid_from, b.valid_from) if d is not None]
    ends = [d for d in (a.valid_to, b.valid_to) if d is not None]
    return not starts or not ends or max(starts) <= min(ends)


def _same_people(a: DocumentMeta, b: DocumentMeta, spoken: Mapping[str, frozenset[str]]) -> bool:
    """Whether two agreements are about some of the same people: their target groups
    overlap (one agreement speaking of the other's group counts; an unstated group
    overlaps every other) and so do their age scopes."""
    groups_a = {g.lower() for g in a.target_groups} | spoken.get(a.id, frozenset())
    groups_b = {g.lower() for g in b.target_groups} | spoken.get(b.id, frozenset())
    groups = not a.target_groups or not b.target_groups or bool(groups_a & groups_b)
    return groups and _ages_overlap(a.age_scope.lower(), b.age_scope.lower())


def _ages_overlap(a: str, b: str) -> bool:
    """Age scopes as the catalog writes them ("vuxna från 18 år", "barn och vuxna", "alla
    åldrar"): only one for children alone and one for adults alone are apart."""

    def ages(scope: str) -> set[str]:
        return {w for w in ("barn", "unga", "vuxna") if w in scope} or {"barn", "unga", "vuxna"}

    return bool(ages(a) & ages(b))


def _groups_spoken_of(
    documents: Mapping[str, DocumentMeta], passages: Mapping[str, Sequence[str]]
) -> dict[str, frozenset[str]]:
    """Per document, the other documents' target groups one of its passages names (every
    word of the group in some form)."""
    groups = {g.lower() for m in documents.values() for g in m.target_groups}
    wanted = {g: [word_forms(w) for w in lexical.tokenize(g)] for g in groups}
    wanted = {g: words for g, words in wanted.items() if words}
    found: dict[str, frozenset[str]] = {}
    for document_id, texts in passages.items():
        named: set[str] = set()
        for text in texts:
            forms = set().union(*(word_forms(w) for w in lexical.tokenize(text)))
            named.update(g for g, words in wanted.items() if all(f & forms for f in words))
        found[document_id] = frozenset(named)
    return found
