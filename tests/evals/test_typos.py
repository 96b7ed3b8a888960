"""The typo set's variants: the ways staff mistype, each a real change."""

from __future__ import annotations

from assistant.evals.typos import variants


def test_a_question_is_mistyped_four_ways_in_its_longest_word() -> None:
    found = variants("Vem ansvarar för abstinensvård i Värmland?")
    assert found == {
        "swapped": "Vem ansvarar för abstinnesvård i Värmland?",
        "dropped": "Vem ansvarar för abstinnsvård i Värmland?",
        "doubled": "Vem ansvarar för abstineensvård i Värmland?",
        "no_diacritics": "Vem ansvarar for abstinensvard i Varmland?",
    }


def test_a_kind_that_changes_nothing_is_left_out() -> None:
    assert "no_diacritics" not in variants("Vem kallar till SIP?")
    assert variants("LVM?") == {}
