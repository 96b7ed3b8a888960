"""Tests for assistant.redaction: what must be removed, and what must be left alone."""

from __future__ import annotations

import random

import pytest

from assistant.redaction import (
    EMAIL_LABEL,
    PERSONNUMMER_LABEL,
    PHONE_LABEL,
    is_personnummer,
    matching_view,
    redact,
)


def luhn_digit(nine: str) -> str:
    """The check digit that makes a 9-digit personnummer prefix Luhn-valid (written here
    independently of the module, so the test does not check the code with itself)."""
    total = 0
    for i, char in enumerate(nine):
        n = int(char) * (2 - i % 2)
        total += n // 10 + n % 10
    return str((10 - total % 10) % 10)


def valid(yymmdd: str, birth: str = "123") -> str:
    """A valid 10-digit personnummer (no separator) for a date part and birth number."""
    return yymmdd + birth + luhn_digit(yymmdd + birth)


def invalid(yymmdd: str, birth: str = "123") -> str:
    """The same number with a wrong check digit."""
    good = valid(yymmdd, birth)
    return good[:-1] + str((int(good[-1]) + 1) % 10)


def test_luhn_helper_matches_known_test_number() -> None:
    # 811228-9874 is the Skatteverket example number; guards the helper itself.
    assert valid("811228", "987") == "8112289874"


P = valid("811228", "987")  # 8112289874
S = valid("850171", "234")  # samordningsnummer: day 11 + 60
S_EDGE = valid("010291", "001")  # day 31 + 60, the highest allowed
Q = valid("120101", "555")

PERSONNUMMER_CASES = [
    # (text, expected)
    (f"{P[:6]}-{P[6:]}", PERSONNUMMER_LABEL),  # YYMMDD-NNNN
    (f"{P[:6]}+{P[6:]}", PERSONNUMMER_LABEL),  # YYMMDD+NNNN (over 100)
    (P, PERSONNUMMER_LABEL),  # YYMMDDNNNN
    (f"19{P}", PERSONNUMMER_LABEL),  # YYYYMMDDNNNN
    (f"19{P[:6]}-{P[6:]}", PERSONNUMMER_LABEL),  # YYYYMMDD-NNNN
    (f"20{Q[:6]}-{Q[6:]}", PERSONNUMMER_LABEL),
    (f"{P[:6]}\u2013{P[6:]}", PERSONNUMMER_LABEL),  # en dash pasted from Word
    (f"{P[:6]} {P[6:]}", PERSONNUMMER_LABEL),  # space separator
    (f"{S[:6]}-{S[6:]}", PERSONNUMMER_LABEL),  # samordningsnummer
    (f"19{S}", PERSONNUMMER_LABEL),
    (S_EDGE, PERSONNUMMER_LABEL),
    (
        f"Min klient {P[:6]}-{P[6:]} har LARO, vem ansvarar?",
        f"Min klient {PERSONNUMMER_LABEL} har LARO, vem ansvarar?",
    ),
    (f"pnr:{P}.", f"pnr:{PERSONNUMMER_LABEL}."),
    (f"({P[:6]}-{P[6:]})", f"({PERSONNUMMER_LABEL})"),
    (f"{P} och {Q}", f"{PERSONNUMMER_LABEL} och {PERSONNUMMER_LABEL}"),
]


@pytest.mark.parametrize(("text", "expected"), PERSONNUMMER_CASES)
def test_personnummer_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


EMAIL_CASES = [
    ("anna.svensson@regionvarmland.se", EMAIL_LABEL),
    ("Skriv till Anna.Svensson+sip@kommun.example.org.", f"Skriv till {EMAIL_LABEL}."),
    ("åsa.öberg@falun.se har frågat", f"{EMAIL_LABEL} har frågat"),
    ("kontakt: soc-jour_2@mail.vasteras.se, tack", f"kontakt: {EMAIL_LABEL}, tack"),
    ("<per@example.com>", f"<{EMAIL_LABEL}>"),
]


@pytest.mark.parametrize(("text", "expected"), EMAIL_CASES)
def test_email_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


PHONE_CASES = [
    "070-123 45 67",
    "0701234567",
    "070 123 45 67",
    "070-1234567",
    "070\u2013123 45 67",
    "070\u00a0123\u00a045\u00a067",
    "+46 70 123 45 67",
    "+46701234567",
    "+46 (0)70-123 45 67",
    "0046 70 123 45 67",
    "08-123 456 78",
    "08-12 34 56",
    "08 123 456 78",
    "(08) 123 456 78",
    "019-12 34 56",
    "054-14 00 00",
    "0771-11 22 33",
    "020-12 34 56",
    "+46 8 123 456 78",
]


@pytest.mark.parametrize("phone", PHONE_CASES)
def test_phone_is_redacted(phone: str) -> None:
    assert redact(phone) == PHONE_LABEL
    assert redact(f"Ring mig på {phone}, tack.") == f"Ring mig på {PHONE_LABEL}, tack."
    assert redact(f"tel:{phone}") == f"tel:{PHONE_LABEL}"


LEAVE_ALONE = [
    invalid("811228", "987"),  # checksum fails
    f"{invalid('811228', '987')[:6]}-{invalid('811228', '987')[6:]}",
    f"19{invalid('811228', '987')}",
    f"{invalid('850171', '234')[:6]}-{invalid('850171', '234')[6:]}",
    # Luhn-valid but impossible dates: month 13, day 32, day 92 (samordning tops at 91).
    valid("811328"),
    valid("811232"),
    valid("811292"),
    f"55{P}",  # 12 digits with an impossible century
    f"1{P}",  # 11 digits: neither form
    f"{P}0",
    "SFS 2017:30",
    "paragraf 2017:30",
    "(2014:821)",
    "lagen (2017:612) om samverkan vid utskrivning",
    "SoL 2001:453 14 kap. 1 §",
    "HSL; 1982:763 2 §",
    "5 kap. 8 §",
    "16 kap. 10 §",
    "prop. 2008/09:193",
    "HSLF-FS 2016:40",
    "år 2017",
    "2016-2020",
    "2021-07-01",
    "2021-07-01-2024-06-30",
    "gäller 2021-07-01 12 34 56 dagar",
    "01-07-2021",
    "30.9.2021",
    "RD21/00238",
    "Dnr 2019/04314",
    "9 (27)",
    "s. 10-12",
    "0-18 år",
    "0 - 18 år",
    "kl. 08.00-17.00",
    "0,5 procent",
    "0123456789012",
    "https://www.regiondalarna.se/contentassets/5101523347bc4568b8b9b607c8210f40/a.pdf",
    "https://www.regeringen.se/rattsliga-dokument/skrivelse/2025/01/skr.-20242577",
    "e-post till @soc eller a@b.2017",
    "Vem ansvarar för abstinensvård i Värmland?",
    "",
]


@pytest.mark.parametrize("text", LEAVE_ALONE)
def test_leaves_non_personal_text_alone(text: str) -> None:
    assert redact(text) == text


# ── every form the outside probe tried (issue 16), generated ─────────────────────────────
# The number of the issue (811218-9876, Luhn-valid) written as people paste it: typographic
# dashes and spaces, separators of every kind, the date spelt out, full-width digits and
# zero-width characters in between. Each one is embedded in a sentence, and only it goes.

DATE, TAIL = "811218", "9876"
assert luhn_digit(DATE + TAIL[:3]) == TAIL[3]
SAMORDNING = valid("811278", "987")  # day 18 + 60
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
SEPARATORS = [
    "-", "+", "", " ", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63",
    "\uff0d", " - ", " -", "- ", ".", "/", "_", "\t", "\u00a0", "\u202f", "\u2002", "\u2003",
    "\u2009", "\u3000", "\u200b", "\u00ad",
]
PERSONNUMMER_FORMS = [
    *(f"{DATE}{sep}{TAIL}" for sep in SEPARATORS),
    *(f"19{DATE}{sep}{TAIL}" for sep in ("", "-", " ", "\u2011", " - ")),
    "1981-12-18-9876",
    "81-12-18-9876",
    "1981.12.18-9876",
    f"{DATE}-{TAIL}".translate(FULL_WIDTH),
    f"{DATE}{TAIL}".translate(FULL_WIDTH),
    "8112\u200b18-9876",
    "811218-98\u200b76",
    "811218\u2060-9876",
    "8112\ufeff189876",
    f"{SAMORDNING[:6]}\u2011{SAMORDNING[6:]}",
]
PHONE_FORMS = [
    "070-123 45 67", "0701234567", "070 123 45 67", "070-1234567", "070\u2011123 45 67",
    "070\u2013123 45 67", "070\u00a0123\u00a045\u00a067", "070/123 45 67", "070.123.45.67",
    "070 - 123 45 67", "070\t123 45 67", "+46 70 123 45 67", "+46701234567",
    "+46 (0)70-123 45 67", "0046 70 123 45 67", "46701234567", "46 70 123 45 67",
    "070-123 45 67".translate(FULL_WIDTH), "070\u200b123\u200b45\u200b67", "08-123 456 78",
    "(08) 123 456 78", "08/123 456 78",
]
EMAIL_FORMS = [
    "anna@kommun.se", "anna.svensson@regionvarmland.se", "anna @ kommun.se", "anna @kommun.se",
    "anna@ kommun.se", "anna@kommun", "anna(at)kommun.se", "anna[at]kommun.se",
    "anna (at) kommun.se", "anna [at] kommun.se", "anna{at}kommun.se", "anna(AT)kommun.se",
    "anna@kommun(dot)se", "anna[at]kommun[dot]se", "ａｎｎａ＠ｋｏｍｍｕｎ．ｓｅ",
    "anna\u200b@kommun.se", "anna@kommun\u200b.se",
]
FORMS = [
    *((form, PERSONNUMMER_LABEL) for form in PERSONNUMMER_FORMS),
    *((form, PHONE_LABEL) for form in PHONE_FORMS),
    *((form, EMAIL_LABEL) for form in EMAIL_FORMS),
]


def test_the_table_holds_every_form_the_probe_tried() -> None:
    assert len(FORMS) == len(set(FORMS)) >= 69


@pytest.mark.parametrize(("form", "label"), FORMS, ids=[ascii(f) for f, _ in FORMS])
def test_every_pasted_form_is_redacted(form: str, label: str) -> None:
    assert redact(f"Klienten {form} behöver SIP.") == f"Klienten {label} behöver SIP."
    assert redact(form) == label
    assert redact(f"({form})") == f"({label})"


MUST_STAY = [
    "paragraf 2017:30",
    "HSL 2017:30",
    "HSL 2017:30 5 kap. 8 §",
    "SFS 2017:30 och 2017:612",
    "SOSFS 2011:9",
    "2017:30-2018:01",
    "1981-12-18",
    "18-12-1981",
    "18.12.1981",
    "2021-07-01 till 2024-06-30",
    "2024-01-01-2024-12-31",
    "(2019-2022)",
    "2019–2022",
    "år 2019/2020",
    "kl. 08.00-17.00",
    "kl. 08.00–17.00",
    "08.00 - 16.30",
    "öppet 8.00-16.30",
    "Dnr RS/2019/04314",
    "ärende 2019-0412-3456",
    "LSS 9 § 1-10",
    "12 34 56 78",
    "19 81 12 18 98 76",
    "46 procent av 700 000",
    "id 4670123456789",
    "version 1.2.3",
    "möte @ 10.00",
    "till @soc",
    "Hej @ alla",
    "info(at)",
    # The probe's number with a wrong check digit, in the new separators.
    "1981-12-18-9875",
    "811218\u20119875",
    "811218 - 9875",
    "８１１２１８－９８７５",
]


@pytest.mark.parametrize("text", MUST_STAY)
def test_references_dates_and_times_stay(text: str) -> None:
    assert redact(text) == text


def test_only_the_personal_data_is_replaced_in_text_with_look_alikes() -> None:
    text = (
        "Enligt HSL 2017:30 ska\u00a0811218\u20119876 (070\u2011123\u00a045\u00a067) få SIP "
        "– kl. 08.00–17.00."
    )
    assert redact(text) == (
        f"Enligt HSL 2017:30 ska\u00a0{PERSONNUMMER_LABEL} ({PHONE_LABEL}) få SIP "
        "– kl. 08.00–17.00."
    )


def test_matching_view_normalises_look_alikes() -> None:
    assert matching_view("８１１２\u200b１８\u2011９８７６\u3000a\tb") == "811218-9876 a b"


def test_mixed_question_keeps_law_references() -> None:
    question = (
        f"Enligt SFS 2017:612 och 5 kap. 8 §: ska {P[:6]}-{P[6:]} (tel 070-123 45 67, "
        "a.b@kommun.se) få SIP före 2021-07-01? Se s. 9 (27)."
    )
    assert redact(question) == (
        f"Enligt SFS 2017:612 och 5 kap. 8 §: ska {PERSONNUMMER_LABEL} (tel {PHONE_LABEL}, "
        f"{EMAIL_LABEL}) få SIP före 2021-07-01? Se s. 9 (27)."
    )


def test_redaction_is_idempotent() -> None:
    once = redact(f"{P}, 070-123 45 67, a@b.se")
    assert redact(once) == once


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        (P, True),
        (f"19{P}", True),
        (S, True),
        (invalid("811228", "987"), False),
        ("81122898", False),
        ("81122898740", False),
        ("８１１２２８９８７４", False),
    ],
)
def test_is_personnummer(digits: str, expected: bool) -> None:
    assert is_personnummer(digits) is expected


def test_random_strings_never_raise() -> None:
    rng = random.Random(20240601)
    alphabet = "0123456789" * 4 + "-+ ()/:.,@§åäöÅÄÖabcxyz\u2013\u00a0\n\t" + "\u0660\uff11"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        result = redact(text)
        assert isinstance(result, str)
        assert redact(result) == result
    # Inputs that would expose catastrophic backtracking (the run would take minutes).
    for text in (
        "a" * 50_000 + "@",
        "1" * 50_000,
        "0 " * 25_000,
        "a." * 25_000 + "@b",
        "a@" * 25_000,
        "a@b." * 25_000,
        "0-1-" * 25_000,
        "+46 " * 25_000,
    ):
        assert redact(text) == text
