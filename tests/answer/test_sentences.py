"""Quotable units: sentences and list items with their lead-in, as the passage has them."""

from __future__ import annotations

from assistant.answer.sentences import plain, split_sentences


def test_a_law_reference_ends_a_sentence_that_lost_its_full_stop() -> None:
    text = (
        "Regionen ansvarar för hjälpmedel (HSL 2017:30) För att förbättra möjligheten till "
        "arbete har kommuner och regionen ett gemensamt ansvar. Stöd ges enligt lagen (LSS) "
        "Kommunen beslutar."
    )
    assert [u.text for u in split_sentences(text)] == [
        "Regionen ansvarar för hjälpmedel (HSL 2017:30)",
        "För att förbättra möjligheten till arbete har kommuner och regionen ett gemensamt "
        "ansvar.",
        "Stöd ges enligt lagen (LSS) Kommunen beslutar.",  # no law reference: no break
    ]


def test_split_sentences_does_not_split_at_abbreviations() -> None:
    text = (
        "Insatser ges t.ex. enligt 2 kap. 7 § SoL och bl.a. HSL. "
        "Se även kap. 4 i avtalet. Ansvaret gäller m.fl. verksamheter, dvs. alla."
    )
    assert [s.text for s in split_sentences(text)] == [
        "Insatser ges t.ex. enligt 2 kap. 7 § SoL och bl.a. HSL.",
        "Se även kap. 4 i avtalet.",
        "Ansvaret gäller m.fl. verksamheter, dvs. alla.",
    ]


def test_split_sentences_keeps_sub_items_with_their_item() -> None:
    text = (
        "Regionen ansvarar för:\n\n• Att erbjuda medicinsk behandling inklusive\n"
        "  – läkemedelsbehandling\n  – abstinensvård\n• Att samarbeta med kommunerna."
    )
    units = split_sentences(text)
    assert [u.text for u in units] == [
        "Regionen ansvarar för:",
        "• Att erbjuda medicinsk behandling inklusive\n  – läkemedelsbehandling\n  – abstinensvård",
        "• Att samarbeta med kommunerna.",
    ]
    assert plain(units[1]) == (
        "Regionen ansvarar för: att erbjuda medicinsk behandling inklusive "
        "läkemedelsbehandling, abstinensvård"
    )


def test_plain_keeps_an_acronym_after_a_lead_in() -> None:
    units = split_sentences("Regionen ansvarar för:\n\n• LARO vid opioidberoende\n• SIP-möten")
    assert [plain(u) for u in units[1:]] == [
        "Regionen ansvarar för: LARO vid opioidberoende",
        "Regionen ansvarar för: SIP-möten",
    ]


def test_split_sentences_of_a_paragraph_then_a_list() -> None:
    text = "Inledande text. Mer text.\n\nKommunen ansvarar för:\n\n• boendestöd\n\nSlutord här."
    units = split_sentences(text)
    assert [(u.text, u.lead_in) for u in units] == [
        ("Inledande text.", None),
        ("Mer text.", None),
        ("Kommunen ansvarar för:", None),
        ("• boendestöd", "Kommunen ansvarar för:"),
        ("Slutord här.", None),
    ]
