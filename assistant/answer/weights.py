"""The answer layer's tuned numbers, in one place (DESIGN.md, house style 12).

Every number that weighs a sentence, a statement or a passage is a field here; the `Engine`
carries one `Weights` and hands it to each stage, so `assistant eval --compare tie=0.8` can
vary any of them (by its field name) and a report records the ones it was measured with.
All were tuned on the development set (`evals/cases.jsonl`) only; the held-out set measures.
`min_support`, the decline threshold, is a setting (`ASSISTANT_MIN_SUPPORT`) because
operators may move it; its sweep is in every eval report.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from assistant.errors import InputError


@dataclass(frozen=True)
class Weights:
    """How sentences, statements and passages are weighed against a question."""

    # --- question terms (matching.question_terms, matching.coverage) ---
    actor: float = 0.2  # a party named in the question ("kommunen eller regionen?")
    story: float = 0.5  # a word of a case told around the sentence that asks
    context: float = 0.3  # a question word found only in the unit's section heading
    compound_head: float = 0.5  # "kostnad" said by "kostnadsansvar"
    synonym: float = 0.5  # a synonym standing in for a missing question word
    # --- the passage's rank (matching.rank_lift): lift * fused / (1 + decay * (n - 1)) ---
    rank_lift: float = 0.25
    rank_decay: float = 0.3
    # --- sentences (scoring.read_passages) ---
    duty: float = 0.3  # asked who does it: a sentence naming a party
    asked_party: float = 0.15  # … and it is the party the question asks about
    footnote: float = 0.5  # noise penalties: a footnote,
    long_unit: float = 0.2  # a run-on extract (per 400 characters beyond 400, at most twice),
    table_residue: float = 0.4  # the cells of a table that lost its columns,
    heading: float = 0.4  # a heading or glossary entry,
    pointer: float = 0.6  # a pointer elsewhere ("Läs mer om SIP på …")
    # --- support (scoring.support_score): the decline rule's score ---
    support_coverage: float = 0.6  # coverage's share; the dense similarity has the rest
    dense_floor: float = 0.75  # e5 cosine of unrelated Swedish text …
    dense_band: float = 0.12  # … and the band above it that is rescaled onto 0–1
    unknown_matter: float = 0.1  # taken off per share of the asked words no agreement uses
    # --- passages (search.rerank) ---
    rerank: float = 0.5  # what the best sentence's coverage adds to a passage's fused score
    # --- composing (compose) ---
    pool_score: float = 0.6  # sentences within this share of the best one's score …
    pool_coverage: float = 0.5  # … and this share of its coverage may answer
    tie: float = 0.9  # "equally good": within a tenth of the best sentence's score
    other_party: float = 0.7  # a sentence naming a party, when the best names none
    other_region_merit: float = 0.6  # another region answers when its merit and coverage
    other_region_coverage: float = 0.5  # are these shares of the best region's
    # --- statements (statement_answers) ---
    statement_share: float = 0.8  # a statement answers at this share of the best sentence
    partner_share: float = 0.9  # another party's statement completes it at this share …
    partner_reach: int = 700  # … within this many characters
    quote_reach: int = 800  # a quote runs from a list's lead-in to its item this far apart
    # --- the ansvarsmatris (matrix.matters, matrix.finding) ---
    matter_similarity: float = 0.90  # e5 cosine at which a matter takes a statement its words miss
    matter_balance: float = 1.0  # a cell is `gemensamt` when the lesser party has this share
    matter_named: float = 1.0  # a question naming one of a matter's terms,
    matter_statement: float = 1.0  # the share of the question its best statement holds,
    matter_dense: float = 0.5  # the question's e5 similarity to it (rescaled as for support)
    matter_focus: float = 0.9  # asked a question, a cell keeps statements this near its best


WEIGHTS = Weights()


def with_weights(base: Weights, overrides: dict[str, str]) -> Weights:
    """`base` with the named fields set from text ("tie" = "0.8"); unknown names are errors."""
    known = {f.name: f for f in fields(Weights)}
    changes: dict[str, Any] = {}
    for name, text in overrides.items():
        if name not in known:
            raise InputError(f"Okänd vikt: {name}.")
        kind = int if known[name].type in (int, "int") else float
        try:
            changes[name] = kind(text)
        except ValueError:
            raise InputError(f"Vikten {name} ska vara ett tal, inte {text!r}.") from None
    return replace(base, **changes)


def is_weight(name: str) -> bool:
    """Whether `name` is a field of `Weights` (rather than a setting)."""
    return name in {f.name for f in fields(Weights)}
