"""Measuring statement extraction against the gold statements in `evals/statements/`.

The gold (`dev.jsonl`, `holdout.jsonl`) was annotated blind from the texts, exhaustively
inside declared stretches (`coverage.jsonl`, each with its split), following `GUIDE.md`.
An extracted statement matches a gold one when it comes from the same document, its quotes
hold at least 60% of the gold quote's word tokens (lower-cased, punctuation stripped,
counted as a multiset), and it gives the same party and polarity. Each gold statement is
matched at most once and each extracted statement at most once. Precision counts only
extracted statements inside the split's stretches (nothing outside them was annotated);
party and polarity accuracy are read over the pairs matched on text alone.

`python -m assistant.evals.statements --split dev` prints the figures, per document and
per form, and for the development split the misses and false positives to learn from. The
held-out split prints figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.evals.cases import quote_share, word_tokens
from assistant.models import Document, Statement

MIN_SHARE = 0.6  # of the gold quote's word tokens the extracted quotes must hold (issue 18)
SPLITS = ("dev", "holdout")
_FILES = {"dev": "dev.jsonl", "holdout": "holdout.jsonl"}
COVERAGE = "coverage.jsonl"
# When a stretch's start or end string is not found whole (a hyphen the normaliser joined),
# this many of its words, from its start or its end, are searched for instead.
_ANCHOR_WORDS = 6


@dataclass(frozen=True)
class GoldStatement:
    """One annotated statement (the fields the scorer reads)."""

    id: str
    document: str
    actor: str
    party: str
    polarity: str
    duty: str
    quote: str
    form: str
    stretch: str
    conditions: tuple[str, ...] = ()
    lead_in: str | None = None


@dataclass(frozen=True)
class Stretch:
    """A stretch of one document annotated exhaustively."""

    id: str
    document: str
    start: str
    end: str
    split: str


@dataclass(frozen=True)
class Figures:
    """Precision, recall, party and polarity accuracy over one set of statements."""

    gold: int
    extracted: int
    matched_gold: int  # gold statements matched on text, party and polarity
    matched_extracted: int  # extracted statements so matched
    aligned: int  # pairs matched on text alone (party and polarity are read on these)
    party_right: int
    polarity_right: int

    @property
    def precision(self) -> float | None:
        """Share of extracted statements that match a gold one."""
        return self.matched_extracted / self.extracted if self.extracted else None

    @property
    def recall(self) -> float | None:
        """Share of gold statements matched."""
        return self.matched_gold / self.gold if self.gold else None

    @property
    def party_accuracy(self) -> float | None:
        """Share of text-aligned pairs whose party agrees."""
        return self.party_right / self.aligned if self.aligned else None

    @property
    def polarity_accuracy(self) -> float | None:
        """Share of text-aligned pairs whose polarity agrees."""
        return self.polarity_right / self.aligned if self.aligned else None


@dataclass(frozen=True)
class Pair:
    """A gold statement and the extracted statement aligned with it on text."""

    gold: GoldStatement
    statement: Statement
    share: float

    @property
    def matched(self) -> bool:
        """Whether party and polarity agree as well."""
        return (
            self.gold.party == self.statement.party
            and self.gold.polarity == self.statement.polarity
        )


@dataclass(frozen=True)
class Scores:
    """The result of one scoring run."""

    split: str
    overall: Figures
    by_document: dict[str, Figures]
    by_form: dict[str, Figures]
    pairs: tuple[Pair, ...]
    misses: tuple[GoldStatement, ...]  # gold statements left without a full match
    false_positives: tuple[Statement, ...]  # extracted statements in stretches left unmatched
    unlocated: tuple[str, ...] = ()  # stretch ids whose strings were not found in their text
    extraction_ms: float | None = None
    nearest: dict[str, tuple[Statement, float]] = field(default_factory=dict)


# ── reading the gold ────────────────────────────────────────────────────────────────────


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} rad {number}: ogiltig JSON ({exc})") from None
        if not isinstance(row, dict):
            raise ValueError(f"{path} rad {number}: raden måste vara ett objekt")
        rows.append(row)
    return rows


def read_gold(path: Path) -> list[GoldStatement]:
    """The gold statements of one split file."""
    return [
        GoldStatement(
            id=row["id"],
            document=row["document"],
            actor=row.get("actor", ""),
            party=row["party"],
            polarity=row["polarity"],
            duty=row.get("duty", ""),
            quote=row["quote"],
            form=row.get("form", "prose"),
            stretch=row.get("stretch", ""),
            conditions=tuple(row.get("conditions") or ()),
            lead_in=row.get("lead_in"),
        )
        for row in _jsonl(path)
    ]


def read_stretches(path: Path) -> list[Stretch]:
    """The annotated stretches, each with its split."""
    return [
        Stretch(row["stretch"], row["document"], row["start"], row["end"], row["split"])
        for row in _jsonl(path)
    ]


# ── text matching ───────────────────────────────────────────────────────────────────────


def _positioned_tokens(text: str) -> list[tuple[str, int, int]]:
    import re

    return [
        (unicodedata.normalize("NFKC", m.group(0)).lower(), m.start(), m.end())
        for m in re.finditer(r"\w+", text)
    ]


def _find(tokens: list[tuple[str, int, int]], wanted: list[str], after: int = 0) -> int | None:
    """Index of the first token where the wanted sequence starts, at or after `after`."""
    if not wanted:
        return None
    first = wanted[0]
    n = len(wanted)
    for i in range(after, len(tokens) - n + 1):
        if tokens[i][0] == first and [t[0] for t in tokens[i : i + n]] == wanted:
            return i
    return None


def locate_stretch(doc: Document, stretch: Stretch) -> tuple[int, int] | None:
    """The character span of a stretch in the normalised text, from its start and end
    strings; where a string is not found whole, its first (or last) words are used."""
    tokens = _positioned_tokens(doc.text)
    start_words = word_tokens(stretch.start)
    begin = _find(tokens, start_words)
    if begin is None:
        begin = _find(tokens, start_words[:_ANCHOR_WORDS])
    if begin is None:
        return None
    end_words = word_tokens(stretch.end)
    stop = _find(tokens, end_words, begin)
    if stop is not None:
        last = stop + len(end_words) - 1
    else:
        tail = end_words[-_ANCHOR_WORDS:]
        found = _find(tokens, tail, begin)
        if found is None:
            return None
        last = found + len(tail) - 1
    return tokens[begin][1], tokens[last][2]


def _inside(statement: Statement, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= s < b for s, _ in statement.spans for a, b in spans)


# ── scoring ─────────────────────────────────────────────────────────────────────────────


def _figures(
    gold: Sequence[GoldStatement],
    extracted: Sequence[Statement],
    pairs: Sequence[Pair],
    extracted_pairs: Sequence[Pair] | None = None,
) -> Figures:
    """Figures over gold and extracted statements; `pairs` are the gold's pairs and
    `extracted_pairs` the extracted statements' (the same unless split by form)."""
    own = pairs if extracted_pairs is None else extracted_pairs
    return Figures(
        gold=len(gold),
        extracted=len(extracted),
        matched_gold=sum(1 for p in pairs if p.matched),
        matched_extracted=sum(1 for p in own if p.matched),
        aligned=len(pairs),
        party_right=sum(1 for p in pairs if p.gold.party == p.statement.party),
        polarity_right=sum(1 for p in pairs if p.gold.polarity == p.statement.polarity),
    )


def align(gold: Sequence[GoldStatement], statements: Sequence[Statement]) -> list[Pair]:
    """Pair gold and extracted statements one to one, as many full matches as possible,
    then as many text-only pairs among the rest (maximum bipartite matchings)."""
    joined = [" ".join(s.quotes) for s in statements]
    shares: dict[tuple[int, int], float] = {}
    for gi, g in enumerate(gold):
        for si, s in enumerate(statements):
            if s.document_id == g.document:
                share = quote_share(g.quote, joined[si])
                if share >= MIN_SHARE:
                    shares[gi, si] = share
    full = {
        key
        for key in shares
        if gold[key[0]].party == statements[key[1]].party
        and gold[key[0]].polarity == statements[key[1]].polarity
    }
    matching = _matching(full, shares, {}, {})
    matching = _matching(set(shares), shares, matching, {v: k for k, v in matching.items()})
    return [Pair(gold[gi], statements[si], shares[gi, si]) for gi, si in sorted(matching.items())]


def _matching(
    edges: set[tuple[int, int]],
    shares: dict[tuple[int, int], float],
    gold_to: dict[int, int],
    statement_to: dict[int, int],
) -> dict[int, int]:
    """Grow a matching (gold → statement) over `edges`: greedily by share first (each gold
    statement takes the extracted one that quotes it best), then by augmenting paths, so
    that as many as possible are matched."""
    gold_to, statement_to = dict(gold_to), dict(statement_to)
    neighbours: dict[int, list[int]] = {}
    for gi, si in sorted(edges, key=lambda e: (-shares[e], e)):
        neighbours.setdefault(gi, []).append(si)
        if gi not in gold_to and si not in statement_to:
            gold_to[gi] = si
            statement_to[si] = gi

    def augment(gi: int, seen: set[int]) -> bool:
        for si in neighbours.get(gi, []):
            if si in seen:
                continue
            seen.add(si)
            if si not in statement_to or augment(statement_to[si], seen):
                gold_to[gi] = si
                statement_to[si] = gi
                return True
        return False

    for gi in sorted(neighbours):
        if gi not in gold_to:
            augment(gi, set())
    return gold_to


def score_statements(
    statements: Sequence[Statement],
    gold: Sequence[GoldStatement],
    stretches: Mapping[str, Sequence[tuple[int, int]]],
    split: str = "dev",
) -> Scores:
    """Score extracted statements against gold, counting only those inside the stretches
    (`stretches`: document id → character spans of that split's stretches)."""
    inside = [s for s in statements if _inside(s, stretches.get(s.document_id, ()))]
    pairs = align(gold, inside)
    matched_gold = {p.gold.id for p in pairs if p.matched}
    matched_statements = {id(p.statement) for p in pairs if p.matched}
    by_document: dict[str, Figures] = {}
    for doc_id in sorted({g.document for g in gold} | set(stretches)):
        by_document[doc_id] = _figures(
            [g for g in gold if g.document == doc_id],
            [s for s in inside if s.document_id == doc_id],
            [p for p in pairs if p.gold.document == doc_id],
        )
    by_form: dict[str, Figures] = {}
    for form in sorted({g.form for g in gold} | {s.form for s in inside}):
        # Recall and accuracies by the gold's form, precision by the extractor's.
        by_form[form] = _figures(
            [g for g in gold if g.form == form],
            [s for s in inside if s.form == form],
            [p for p in pairs if p.gold.form == form],
            [p for p in pairs if p.statement.form == form],
        )
    nearest: dict[str, tuple[Statement, float]] = {}
    for g in gold:
        if g.id in matched_gold:
            continue
        best = max(
            (
                (s, quote_share(g.quote, " ".join(s.quotes)))
                for s in inside
                if s.document_id == g.document
            ),
            key=lambda c: c[1],
            default=None,
        )
        if best is not None:
            nearest[g.id] = best
    return Scores(
        split=split,
        overall=_figures(gold, inside, pairs),
        by_document=by_document,
        by_form=by_form,
        pairs=tuple(pairs),
        misses=tuple(g for g in gold if g.id not in matched_gold),
        false_positives=tuple(s for s in inside if id(s) not in matched_statements),
        nearest=nearest,
    )


# ── a run over the corpus ───────────────────────────────────────────────────────────────


def stretch_spans(
    documents: Iterable[Document], stretches: Iterable[Stretch], split: str
) -> tuple[dict[str, list[tuple[int, int]]], list[str]]:
    """Character spans of one split's stretches per document, and the ids not found."""
    by_id = {d.id: d for d in documents}
    spans: dict[str, list[tuple[int, int]]] = {}
    missing: list[str] = []
    for stretch in stretches:
        if stretch.split != split:
            continue
        doc = by_id.get(stretch.document)
        span = locate_stretch(doc, stretch) if doc is not None else None
        if span is None:
            missing.append(stretch.id)
            continue
        spans.setdefault(stretch.document, []).append(span)
    return spans, missing


def evaluate(
    split: str, statements_dir: Path | None = None, corpus_dir: Path | None = None
) -> Scores:
    """Extract statements from the corpus as the index builder loads it, and score a split."""
    from assistant.index import chunking, statements
    from assistant.ingest import catalog as corpus
    from assistant.settings import load_settings

    if split not in SPLITS:
        raise ValueError(f"okänd split {split!r}; välj {' eller '.join(SPLITS)}")
    settings = load_settings()
    corpus_dir = corpus_dir or settings.corpus_dir
    statements_dir = statements_dir or settings.evals_dir / "statements"
    documents = corpus.load_documents(corpus_dir)
    chunks = chunking.chunk_documents(documents, settings)
    catalog = corpus.load_catalog(corpus_dir)
    raws = {doc_id: corpus.read_text(corpus_dir, meta) for doc_id, meta in catalog.items()}
    started = time.perf_counter()
    extracted = statements.extract_corpus(documents, chunks, raws)
    elapsed = (time.perf_counter() - started) * 1000
    gold = read_gold(statements_dir / _FILES[split])
    spans, missing = stretch_spans(documents, read_stretches(statements_dir / COVERAGE), split)
    scores = score_statements(extracted, gold, spans, split)
    return Scores(
        split=scores.split,
        overall=scores.overall,
        by_document=scores.by_document,
        by_form=scores.by_form,
        pairs=scores.pairs,
        misses=scores.misses,
        false_positives=scores.false_positives,
        unlocated=tuple(missing),
        extraction_ms=elapsed,
        nearest=scores.nearest,
    )


# ── the report ──────────────────────────────────────────────────────────────────────────


def _pct(value: float | None) -> str:
    return "   –" if value is None else f"{value:.3f}"


def _row(label: str, f: Figures, width: int) -> str:
    return (
        f"{label:<{width}} {f.gold:>5} {f.extracted:>5} {_pct(f.precision):>6} "
        f"{_pct(f.recall):>6} {_pct(f.party_accuracy):>6} {_pct(f.polarity_accuracy):>6}"
    )


def format_report(scores: Scores, details: bool | None = None) -> str:
    """The figures as text; misses and false positives too for the development split."""
    details = scores.split == "dev" if details is None else details
    width = max([len(k) for k in [*scores.by_document, *scores.by_form]] + [10])
    header = (
        f"{'':<{width}} {'gold':>5} {'extr':>5} {'prec':>6} {'rec':>6} {'party':>6} {'polar':>6}"
    )
    lines = [f"Statements, split {scores.split}", header, _row("all", scores.overall, width), ""]
    lines += ["by document", header]
    lines += [_row(doc, f, width) for doc, f in scores.by_document.items()]
    lines += ["", "by form (recall and accuracy by gold form, precision by extracted form)", header]
    lines += [_row(form, f, width) for form, f in scores.by_form.items()]
    if scores.extraction_ms is not None:
        lines += ["", f"extraction over the corpus: {scores.extraction_ms:.0f} ms"]
    if scores.unlocated:
        lines += ["", "stretches not found in their text: " + ", ".join(scores.unlocated)]
    if not details:
        return "\n".join(lines)
    lines += ["", f"misses ({len(scores.misses)})"]
    for g in scores.misses:
        lines.append(f"- {g.id} [{g.form}] {g.party}/{g.polarity} {g.actor!r}: {g.quote}")
        near = scores.nearest.get(g.id)
        if near is not None and near[1] >= MIN_SHARE:
            s, share = near
            lines.append(f"    nearest ({share:.2f}) {s.party}/{s.polarity} {s.actor!r}: {s.duty}")
    lines += ["", f"false positives ({len(scores.false_positives)})"]
    for s in scores.false_positives:
        lines.append(
            f"- {s.document_id} [{s.form}] {s.party}/{s.polarity} {s.actor!r}: "
            f"{' … '.join(s.quotes)}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m assistant.evals.statements --split dev`: score and print."""
    parser = argparse.ArgumentParser(prog="python -m assistant.evals.statements")
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--statements-dir", type=Path, default=None)
    parser.add_argument("--no-details", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    scores = evaluate(args.split, args.statements_dir)
    details = False if args.no_details or args.split != "dev" else None
    print(format_report(scores, details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
