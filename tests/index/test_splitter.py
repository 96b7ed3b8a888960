"""The recursive splitter: pieces within size, overlapping, cut at the coarsest separator."""

import itertools
import random

from assistant.index.chunking import SEPARATORS
from assistant.index.splitter import split_spans


def _pieces(text: str, size: int, overlap: int) -> list[str]:
    return [text[a:b] for a, b in split_spans(text, size, overlap, SEPARATORS)]


def test_a_short_text_is_one_piece_stripped() -> None:
    assert split_spans("  Regionen ansvarar.  ", 100, 10, SEPARATORS) == [(2, 20)]


def test_paragraphs_are_cut_at_blank_lines_before_sentences() -> None:
    one = "Kommunen ansvarar för boendestöd. Det gäller vuxna."
    two = "Regionen ansvarar för psykiatrisk vård. Den ges dygnet runt."
    pieces = _pieces(f"{one}\n\n{two}", 70, 0)
    assert pieces == [one, two]


def test_a_long_sentence_is_cut_at_spaces_with_overlap() -> None:
    text = " ".join(f"ord{i}" for i in range(60))
    pieces = _pieces(text, 50, 20)
    assert len(pieces) > 1
    assert all(len(p) <= 50 for p in pieces)
    for before, after in itertools.pairwise(pieces):
        assert after.split()[0] in before.split()  # each piece repeats the last one's tail
    assert " ".join(pieces).split()[-1] == "ord59"


def test_pieces_cover_the_text_within_size() -> None:
    rng = random.Random(7)
    words = ["vård", "stöd.", "kommunen,", "regionen;", "\n", "\n\n", "x" * 40]
    for _ in range(300):
        # Numbered words: a piece's text occurs once, so its span is where it was cut.
        count = rng.randint(1, 120)
        text = " ".join(f"{rng.choice(words)}{i}" for i in range(count))
        spans = split_spans(text, 120, 30, SEPARATORS)
        assert all(0 <= a < b <= len(text) and b - a <= 120 for a, b in spans)
        covered = set().union(*(range(a, b) for a, b in spans)) if spans else set()
        assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
