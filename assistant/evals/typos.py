"""The typo set: does a misspelt question keep the party of the right spelling?

From every responsibility case with a party, four variants are made the way staff mistype —
two letters swapped, a letter dropped, a letter doubled (each in the question's longest word,
which is usually what it is about) and å/ä/ö written a/a/o — and asked like the case. Counted
over the cases whose right spelling gets the gold party: the share of variants that keep it
(issue 19: ≥ 0.95). Only counts are printed, so the held-out set can be measured too.

`python -m assistant.evals.typos --cases evals/holdout.jsonl`
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.evals.cases import Case, load_cases
from assistant.text import strip_marks

if TYPE_CHECKING:
    from assistant.pipeline import Engine

_WORD = re.compile(r"[^\W\d_]{5,}")
KINDS = ("swapped", "dropped", "doubled", "no_diacritics")


def variants(question: str) -> dict[str, str]:
    """The question mistyped four ways (a kind is missing where it changes nothing)."""
    words = _WORD.findall(question)
    out: dict[str, str] = {}
    if words:
        word = max(words, key=len)
        at = question.index(word)
        middle = len(word) // 2
        edits = {
            "swapped": word[:middle] + word[middle + 1] + word[middle] + word[middle + 2 :],
            "dropped": word[:middle] + word[middle + 1 :],
            "doubled": word[:middle] + word[middle] + word[middle:],
        }
        for kind, typed in edits.items():
            if typed != word:
                out[kind] = question[:at] + typed + question[at + len(word) :]
    plain = strip_marks(question)
    if plain != question:
        out["no_diacritics"] = plain
    return out


def measure(engine: Engine, cases: Sequence[Case]) -> dict[str, tuple[int, int]]:
    """Per kind of typo: (variants keeping the gold party, variants asked), over the cases
    whose right spelling gets it."""
    from assistant import pipeline

    kept: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    for case in cases:
        if case.kind != "responsibility" or case.responsible is None:
            continue
        right = pipeline.ask(engine, case.question).answer
        if right.responsible != case.responsible:
            continue
        for kind, typed in variants(case.question).items():
            asked[kind] += 1
            kept[kind] += pipeline.ask(engine, typed).answer.responsible == case.responsible
    return {kind: (kept[kind], asked[kind]) for kind in KINDS}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the typo set's figures for a cases file."""
    from assistant import pipeline
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m assistant.evals.typos")
    parser.add_argument("--cases", type=Path, default=Path("evals/cases.jsonl"))
    args = parser.parse_args(argv)
    engine = pipeline.load_engine(load_settings())
    figures = measure(engine, load_cases(args.cases))
    total_kept = sum(k for k, _ in figures.values())
    total = sum(n for _, n in figures.values())
    print(f"Stavfel ({args.cases.name}): samma part som rätt stavning")
    for kind, (k, n) in figures.items():
        print(f"  {kind:<14} {k}/{n}" + (f"  {k / n:.3f}" if n else ""))
    print(f"  {'alla':<14} {total_kept}/{total}" + (f"  {total_kept / total:.3f}" if total else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
