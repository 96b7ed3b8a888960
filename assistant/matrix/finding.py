"""A view of the matrix: its rows for a region or a document, and for a question the
matters it is about, best first (`GET /v1/ansvar?q=`).

A matter is scored against the question three ways: the question names one of its terms
(the same word forms that place statements in it), the share of the question's weight its
best statement holds (as answers score statements), and the e5 similarity of the question
to the matter and its statements. The weights are `Weights.matter_*`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assistant.answer.matching import QuestionTerms, coverage, question_terms, unit_terms
from assistant.answer.weights import WEIGHTS, Weights
from assistant.errors import InputError
from assistant.index import lexical
from assistant.index.build import LoadedIndex
from assistant.index.embedding import Embedder
from assistant.index.matters import matters_in, reading
from assistant.matrix.loading import Loaded
from assistant.matrix.table import Cell, Row, cell_party
from assistant.models import DocumentMeta, Statement
from assistant.search.query import Query
from assistant.search.regions import canonical_region
from assistant.search.retrieval import Filters, read_question


@dataclass(frozen=True)
class View:
    """The rows one request shows, best first when it asked a question."""

    rows: tuple[Row, ...]
    scores: tuple[float, ...] | None  # per row, when a question ranked them
    query: Query | None
    region: str | None  # the region shown (the request's, or a place the question names)
    unplaced: tuple[Statement, ...]  # statements shown by no row: the list may grow
    # What channels made of this view (a page, a JSON body), kept with it: a view without
    # a question is made once per matrix, so its renderings are too.
    rendered: dict[tuple[object, ...], Any] = field(default_factory=dict, compare=False)


def checked_filters(
    documents: Mapping[str, DocumentMeta], region: str | None, document_id: str | None
) -> tuple[str | None, str | None]:
    """The region and document asked for, checked against the catalog (blank: none)."""
    region = (region or "").strip() or None
    document_id = (document_id or "").strip() or None
    covered = [m.region for m in documents.values() if m.region]
    if region is not None:
        named = canonical_region(region)
        if named not in covered:
            raise InputError(
                f"Regionen {region!r} har ingen överenskommelse i underlaget. "
                f"Regioner som finns: {', '.join(dict.fromkeys(covered))}."
            )
        region = named
    if document_id is not None and document_id not in documents:
        raise InputError(
            f"Dokumentet {document_id!r} finns inte i underlaget (GET /v1/documents listar dem)."
        )
    return region, document_id


def view(
    loaded: Loaded,
    index: LoadedIndex,
    embedder: Embedder,
    idf: Mapping[str, float],
    *,
    region: str | None = None,
    document_id: str | None = None,
    q: str | None = None,
    weights: Weights = WEIGHTS,
) -> View:
    """The matrix's rows for a region and/or document, ranked for `q` when given (a
    question naming a place narrows the view to its region, as in an answer). A view
    without a question is made once per matrix and filters."""
    if not q:
        key = (region, document_id, weights)
        made = loaded.views.get(key)
        if made is None:
            made = loaded.views[key] = _view(loaded, index, None, region, document_id, weights)
        return made
    query = read_question(index, q, Filters(region=region))
    if query.place.region:
        region = query.place.region
    shown = _view(loaded, index, query, region, document_id, weights)
    scored = _ranked(loaded, list(shown.rows), query, embedder, idf, weights)
    return replace(shown, rows=tuple(r for r, _ in scored), scores=tuple(s for _, s in scored))


def _view(
    loaded: Loaded,
    index: LoadedIndex,
    query: Query | None,
    region: str | None,
    document_id: str | None,
    weights: Weights,
) -> View:
    balance = weights.matter_balance
    narrowed = (_narrowed(r, region, document_id, balance) for r in loaded.matrix.rows)
    rows = [r for r in narrowed if r]
    unplaced = tuple(
        s
        for s in loaded.matrix.unplaced
        if (not region or index.documents[s.document_id].region == region)
        and (not document_id or s.document_id == document_id)
    )
    return View(tuple(rows), None, query, region, unplaced)


def _narrowed(
    row: Row, region: str | None, document_id: str | None, balance: float
) -> Row | None:
    cells = []
    for cell in row.cells:
        if region and cell.region != region:
            continue
        held = tuple(s for s in cell.statements if not document_id or s.document_id == document_id)
        if held:
            cells.append(
                cell if held == cell.statements else Cell(cell.region, cell_party(held), held)
            )
    if not cells:
        return None
    shown = {s.id for c in cells for s in c.statements}
    conflicts = tuple(c for c in row.conflicts if c.first.id in shown or c.second.id in shown)
    parties = {c.party for c in cells if c.party is not None}
    return replace(row, cells=tuple(cells), differs=len(parties) > 1, conflicts=conflicts)


def _ranked(
    loaded: Loaded,
    rows: list[Row],
    query: Query,
    embedder: Embedder,
    idf: Mapping[str, float],
    weights: Weights,
) -> list[tuple[Row, float]]:
    terms = question_terms(query.stripped, idf, weights)
    named = set(matters_in(query.stripped, loaded.matrix.matters))
    vector = embedder.embed_queries([query.searched])[0]
    position = {m.id: i for i, m in enumerate(loaded.matrix.matters)}
    scored = []
    for row in rows:
        fit = {
            st.id: (
                weights.matter_statement * _coverage(terms, reading(st), st.section, idf),
                weights.matter_dense * _rescaled(loaded.statement_vectors[st.id] @ vector, weights),
            )
            for c in row.cells for st in c.statements
        }
        held = max((lexical_fit for lexical_fit, _ in fit.values()), default=0.0)
        dense = max(
            [_rescaled(loaded.matter_vectors[position[row.matter.id]] @ vector, weights)
             * weights.matter_dense, *(d for _, d in fit.values())]
        )
        score = weights.matter_named * (row.matter.id in named) + held + dense
        scored.append((_focused(row, {k: a + b for k, (a, b) in fit.items()}, weights), score))
    scored.sort(key=lambda rs: -rs[1])
    return scored


def _rescaled(cosine: float, weights: Weights) -> float:
    """An e5 cosine on 0–1, as the decline rule reads it."""
    return float(np.clip((cosine - weights.dense_floor) / weights.dense_band, 0.0, 1.0))


def _focused(row: Row, fit: Mapping[str, float], weights: Weights) -> Row:
    """The row for a question: each cell keeps the statements that answer it nearly as
    well as the cell's best (`Weights.matter_focus` of its fit), and its party is theirs.
    The whole cell is one search away: the page without `q`."""
    cells = []
    for cell in row.cells:
        best = max(fit[s.id] for s in cell.statements)
        kept = tuple(s for s in cell.statements if fit[s.id] >= weights.matter_focus * best)
        if kept == cell.statements:
            cells.append(cell)
        else:
            cells.append(Cell(cell.region, cell_party(kept, weights.matter_balance), kept))
    parties = {c.party for c in cells if c.party is not None}
    return replace(row, cells=tuple(cells), differs=len(parties) > 1)


def _coverage(terms: QuestionTerms, text: str, section: str, idf: Mapping[str, float]) -> float:
    return coverage(terms, unit_terms(text, idf), set(lexical.analyse(section)))
