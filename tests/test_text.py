"""The shared text helpers: cleaning, folding, and the one question limit."""

from __future__ import annotations

import re
from importlib import resources

from assistant.text import MAX_QUESTION_CHARS, clean, fold, strip_marks


def test_clean_drops_control_and_zero_width_characters_and_folds_space() -> None:
    assert clean("  Vem\x00 ansvarar\u200b för\n\tSIP? ") == "Vem ansvarar för SIP?"
    assert clean("Ve\u0301m") == "Vém"  # NFC: one character, as typed on another keyboard


def test_fold_lowercases_and_strips_marks_but_strip_marks_keeps_case() -> None:
    assert fold("Västerås ÖREBRO") == "vasteras orebro"
    assert strip_marks("Åre Älvdalen") == "Are Alvdalen"


def test_the_widget_enforces_the_same_question_limit_as_the_api() -> None:
    script = resources.files("assistant").joinpath("static/widget.js").read_text("utf-8")
    found = re.search(r"const MAX_QUESTION = (\d+);", script)
    assert found is not None and int(found.group(1)) == MAX_QUESTION_CHARS
