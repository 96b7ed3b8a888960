"""Facts agreements do not hold, recognised by what the question asks for."""

from __future__ import annotations

import pytest

from assistant.answer.unheld import decline_text, unheld_fact


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Vad kostar ett dygn på ett behandlingshem?", "belopp och avgifter"),
        ("Vad får patienten betala för ett besök på mottagningen?", "belopp och avgifter"),
        ("Hur mycket får deltagarna i ersättning per dag?", "belopp och avgifter"),
        ("Nar har mottagningen i Mora oppet?", "öppettider och datum"),
        ("Öppettider för mottagningen?", "öppettider och datum"),
        ("Vilket datum är nästa möte i samverkansgruppen?", "öppettider och datum"),
        ("Hur lång är väntetiden för en utredning?", "väntetider"),
        ("Hur länge får man vänta på en första tid?", "väntetider"),
        ("Hur lång tid tar det innan utredningen börjar?", "väntetider"),
        ("Vad har en handläggare i lön?", "löner"),
        ("Hur mycket tjänar en kurator?", "löner"),
        ("telefonummer till mottagningen", "kontaktuppgifter"),
        ("Vilken mejladress har enheten?", "kontaktuppgifter"),
        ("Kan Erik, 34 år, få boendestöd fast han dricker?", "beslut i ett enskilt ärende"),
        ("Kommer Johans ansökan om boende att beviljas?", "beslut i ett enskilt ärende"),
        ("Min klient Sara, 42, har fått återfall. Får Sara bo kvar?",
         "beslut i ett enskilt ärende"),
    ],
)
def test_a_question_asking_for_a_fact_agreements_do_not_hold_is_recognised(
    question: str, kind: str
) -> None:
    found = unheld_fact(question)
    assert found is not None and found.kind == kind
    assert found.kind in decline_text(found)


@pytest.mark.parametrize(
    "question",
    [
        "Vem betalar för LARO?",
        "Vem står för kostnaden när någon placeras på HVB?",
        "Har kommunen kostnadsansvar för boendet?",
        "Vad heter planen som ska upprättas vid samordning?",
        "Hur lång tid har socialtjänsten på sig att kalla till SIP?",
        "Får socialtjänsten i Mora kräva att en klient deltar i SIP?",
        "Kan Region Dalarna ge boendestöd?",
        "Kommer Borlänge kommun att ordna boendet?",
        "Ska Beroendecentrum ta emot en patient utan remiss?",
        "Hur kontaktar man socialtjänsten vid oro för en vuxen?",
    ],
)
def test_questions_the_agreements_answer_are_not_taken_for_unheld_facts(question: str) -> None:
    assert unheld_fact(question) is None
