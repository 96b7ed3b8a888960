"""The questions a benchmark asks: the eval questions once each and their variants."""

from __future__ import annotations

from assistant.bench.questions import load_questions, question_variants, spread
from assistant.settings import Settings


def test_questions_are_the_eval_questions_once_and_variants_are_all_distinct(
    settings: Settings,
) -> None:
    questions = load_questions(settings)
    assert len(questions) > 100 and len(set(questions)) == len(questions)
    variants = list(question_variants(questions[:10]))
    assert variants[:10] == questions[:10]
    assert len(variants) == len(set(variants)) == 10 * 24
    assert all(q[1:] in v for q, v in zip(questions[:10] * 24, variants, strict=True))


def test_spread_picks_evenly_and_repeats_when_short() -> None:
    items = [str(n) for n in range(100)]
    assert spread(items, 4) == ["0", "25", "50", "75"]
    assert spread(["a", "b"], 4) == ["a", "a", "b", "b"]
    assert spread([], 3) == []
