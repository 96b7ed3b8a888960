"""The ansvarsmatris measured on eval cases: for each responsibility case with a region and
a party, does `/v1/ansvar?q=<question>&region=<region>` give the gold party in the first
matter's cell for that region? (issue 20: ≥ 0.80 on the held-out set.)

Only counts are printed for the held-out set; `--show` lists the misses of the development
set (refused for the held-out set, which is never read while tuning).

`python -m assistant.evals.ansvar --cases evals/holdout.jsonl`
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.evals.cases import Case, is_held_out, load_cases

if TYPE_CHECKING:
    from assistant.pipeline import Engine


@dataclass(frozen=True)
class Outcome:
    case: Case
    matter: str | None  # the first matter's name
    party: str | None  # its cell's party for the case's region


def measure(engine: Engine, cases: Sequence[Case]) -> list[Outcome]:
    """The first matter and its party for each responsibility case with region and party."""
    from assistant import pipeline

    found = []
    for case in cases:
        if case.kind != "responsibility" or not case.region or case.responsible is None:
            continue
        shown = pipeline.ansvar(engine, region=case.region, q=case.question)
        first = shown.rows[0] if shown.rows else None
        cell = next((c for c in first.cells if c.region == case.region), None) if first else None
        found.append(
            Outcome(case, first.matter.name if first else None, cell.party if cell else None)
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print the share of cases whose first matter gives the gold party."""
    from assistant import pipeline
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m assistant.evals.ansvar")
    parser.add_argument("--cases", type=Path, default=Path("evals/cases.jsonl"))
    parser.add_argument("--show", action="store_true", help="list the misses (dev set only)")
    parser.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE",
                        help="try a tuned number (Weights field), e.g. matter_balance=0.4")
    args = parser.parse_args(argv)
    if args.show and is_held_out(args.cases):
        parser.error("--show läser fallen; det görs inte med det undanhållna setet")
    from assistant.answer.weights import WEIGHTS, with_weights

    weights = with_weights(WEIGHTS, dict(w.split("=", 1) for w in args.weight))
    engine = pipeline.load_engine(load_settings(), weights=weights)
    outcomes = measure(engine, load_cases(args.cases))
    right = sum(o.party == o.case.responsible for o in outcomes)
    n = len(outcomes)
    print(f"Ansvarsmatris ({args.cases.name}): rätt part i första insatsens cell")
    print(f"  {right}/{n}" + (f"  {right / n:.3f}" if n else ""))
    by_gold: dict[str, list[int]] = {}
    for o in outcomes:
        counts = by_gold.setdefault(str(o.case.responsible), [0, 0])
        counts[0] += o.party == o.case.responsible
        counts[1] += 1
    for party, (k, total) in sorted(by_gold.items()):
        print(f"  {party:<10} {k}/{total}")
    if args.show:
        for o in outcomes:
            if o.party != o.case.responsible:
                print(
                    f"- {o.case.id} [{o.case.region}] {o.case.question!r}: gold "
                    f"{o.case.responsible}, fick {o.party} ({o.matter})"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
