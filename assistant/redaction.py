"""Removal of personal data (personnummer, e-mail addresses, phone numbers) from free text.

Questions and feedback comments pass through `redact` before anything is logged or stored.
The patterns err on the side of redacting: a false hit costs a few characters of a logged
question, a miss leaks a person's identity into a log or database.
"""

from __future__ import annotations

import re

PERSONNUMMER_LABEL = "[personnummer]"
EMAIL_LABEL = "[e-post]"
PHONE_LABEL = "[telefon]"

# Hyphen, en dash and minus sign, and plain, no-break and narrow no-break spaces: text pasted
# from Word, PDFs or web pages often carries typographic separators.
_DASH = "\\-\u2013\u2212"
_SPACE = " \u00a0\u202f"

# Personnummer and samordningsnummer: YYMMDD or YYYYMMDD, an optional separator ("-", "+" for
# people over 100, or a space), then four digits. Digits must not continue on either side, so
# a longer number (an id, a URL fragment) is never cut into a false personnummer.
_PERSONNUMMER = re.compile(
    rf"(?<![0-9])(?P<century>[0-9]{{2}})?(?P<date>[0-9]{{6}})[{_DASH}+{_SPACE}]?(?P<tail>[0-9]{{4}})"
    r"(?![0-9])"
)

# Deliberately permissive local part and domain (unicode letters allowed); the top-level
# domain must be letters so that "a@b.2017" style fragments are not taken for addresses.
_EMAIL = re.compile(
    r"(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])",
)

_SEP = rf"[{_SPACE}{_DASH}]?"
# Not inside a word or number, and not continuing a date or reference such as "2021-07-01".
_PHONE_START = rf"(?<![\w+])(?<![0-9][{_DASH}./:])"

# Swedish phone numbers. National: a leading 0, an area code digit 1–9, then 6–8 more digits
# in groups separated by single spaces or dashes (8–10 digits in all). International: +46 or
# 0046, an optional "(0)", then 7–9 digits. A parenthesised area code "(08) 123 45 67" is also
# accepted. The look-ahead excludes dates written as DD-MM-YYYY, the only common non-phone
# text of this shape that starts with 0; law references ("2014:821"), years, page references
# and diary numbers ("RD21/00238") never start with 0 followed by 1–9 and 8+ digits.
_PHONE = re.compile(
    r"(?:"
    rf"{_PHONE_START}(?:\+|00)46{_SEP}(?:\(0\){_SEP})?[1-9](?:{_SEP}[0-9]){{6,8}}"
    r"|"
    rf"{_PHONE_START}\(0[1-9][0-9]{{0,2}}\){_SEP}[0-9](?:{_SEP}[0-9]){{4,7}}"
    r"|"
    rf"{_PHONE_START}(?![0-9]{{2}}(?P<d>[{_DASH}./])[0-9]{{2}}(?P=d)[0-9]{{4}}(?![0-9]))"
    rf"0[1-9](?:{_SEP}[0-9]){{6,8}}"
    r")"
    r"(?![0-9])"
)


def redact(text: str) -> str:
    """Replace personnummer, samordningsnummer, e-mail addresses and phone numbers with labels."""
    # E-mail first: an address may contain digits that would otherwise be read as a phone
    # number or personnummer, leaving half an address behind.
    text = _EMAIL.sub(EMAIL_LABEL, text)
    text = _PERSONNUMMER.sub(_replace_personnummer, text)
    return _PHONE.sub(PHONE_LABEL, text)


def is_personnummer(digits: str) -> bool:
    """Whether a 10- or 12-digit string (no separator) is a valid personnummer/samordningsnummer."""
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (10, 12):
        return False
    if len(digits) == 12:
        if digits[:2] not in ("18", "19", "20"):
            return False
        digits = digits[2:]
    month, day = int(digits[2:4]), int(digits[4:6])
    if not 1 <= month <= 12:
        return False
    # Samordningsnummer add 60 to the day of birth.
    if not (1 <= day <= 31 or 61 <= day <= 91):
        return False
    return luhn_valid(digits)


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn (mod 10) check."""
    total = 0
    # Weights 2,1,2,1,… from the left, as for the 10-digit personnummer (check digit last).
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _replace_personnummer(match: re.Match[str]) -> str:
    """Label a candidate only if it is a real personnummer; otherwise keep the text."""
    digits = (match.group("century") or "") + match.group("date") + match.group("tail")
    return PERSONNUMMER_LABEL if is_personnummer(digits) else match.group(0)
