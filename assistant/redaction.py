"""Removal of personal data (personnummer, e-mail addresses, phone numbers) from free text.

Questions and feedback comments pass through `redact` before anything is logged or stored,
and so does every log line. The patterns err on the side of redacting: a false hit costs a
few characters of a logged question, a miss leaks a person's identity into a log or database.

Text pasted from Word, PDFs, web pages or phones carries typographic look-alikes: hyphens
U+2010/U+2011, en and em dashes, no-break and ideographic spaces, full-width digits and
signs, zero-width characters between the digits. So the patterns never read the text as
written but a *matching view* of it: NFKC-normalised (full-width to plain), format
characters (zero-width spaces, soft hyphens, joiners, byte-order marks) removed, every dash
read as "-", every kind of white space as " ", every decimal digit as 0–9. Each character
of the view remembers where it came from, so a match replaces exactly the original span
and everything else is returned as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

PERSONNUMMER_LABEL = "[personnummer]"
EMAIL_LABEL = "[e-post]"
PHONE_LABEL = "[telefon]"

# Personnummer and samordningsnummer: YYMMDD or YYYYMMDD, an optional separator ("-", "+"
# for people over 100, "." "/" "_" or spaces, with spaces around a sign allowed: "811218 -
# 9876"), then four digits. The date may be written with separators too ("1981-12-18-9876"),
# the same one twice. Digits must not continue on either side (nor a date or reference go on
# with "-" "." "/" ":" and a digit), so a longer number is never cut into a false one; the
# date and check digit (`is_personnummer`) decide the rest, so "2017:30" or a diary number
# never qualifies.
_PERSONNUMMER = re.compile(
    r"(?<![0-9])(?<![0-9][-./:])"
    r"(?P<century>[0-9]{2})?"
    r"(?P<yy>[0-9]{2})(?P<ds>[-./ ]?)(?P<mm>[0-9]{2})(?P=ds)(?P<dd>[0-9]{2})"
    r" {0,2}(?:[-+./_] {0,2})?"
    r"(?P<tail>[0-9]{4})"
    r"(?![0-9])(?![-./:][0-9])"
)

# Deliberately permissive local part and domain (unicode letters allowed). The domain either
# ends in a top-level domain of letters (so that "a@b.2017" is no address), or, written
# straight after "@" or an "(at)", is a bare name ("anna@kommun"). The at sign may be spelt
# "(at)", "[at]" or "{at}" and a dot "(dot)"/"[punkt]"; spaces around a plain "@" are read
# as an address only when a top-level domain follows ("anna @ kommun.se", not "till @soc").
_DOT = r"(?:\.| ?[(\[{] ?(?:dot|punkt) ?[)\]}] ?)"
_DOTTED = rf"[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,}}"
_BARE = r"[^\W\d_][\w-]*[^\W\d_]"
_AT_WORD = r" ?[(\[{] ?(?:at|snabel-a) ?[)\]}] ?"
_EMAIL = re.compile(
    r"(?<![\w.+%-])[\w.+%-]+"
    rf"(?:@(?:{_DOTTED}|{_BARE})|(?: +@ *| *@ +){_DOTTED}|{_AT_WORD}(?:{_DOTTED}|{_BARE}))"
    rf"(?![\w-])(?!{_DOT}\w)",
    re.IGNORECASE,
)

# Between the digits of a phone number: one space, or one dash, dot or slash with optional
# spaces around it ("070 - 123 45 67", "070/123 45 67", "070.123.45.67").
_PSEP = r"(?: ?[-./] ?| )"
# Not inside a word or number, and not continuing a date or reference such as "2021-07-01".
_PHONE_START = r"(?<![\w+])(?<![0-9][-./:])"
# A date written DD-MM-YYYY (the only common non-phone text of this shape that starts with 0).
_NOT_A_DATE = r"(?![0-9]{2} ?(?P<d>[-./]) ?[0-9]{2} ?(?P=d) ?[0-9]{4}(?![0-9]))"

# Swedish phone numbers. National: a leading 0, an area code digit 1–9, then 6–8 more digits
# (8–10 digits in all). International: +46 or 0046, an optional "(0)", then 7–9 digits; a
# mobile number may also be written 46 7… without the plus ("46701234567"). A parenthesised
# area code "(08) 123 45 67" is also accepted. Law references ("2014:821"), years, page
# references and diary numbers ("RD21/00238") never start with 0 followed by 1–9 and 6+ more
# digits; a time range ("08.00-17.00") mixes two kinds of separator and is left (`_phone`).
_PHONE = re.compile(
    r"(?:"
    rf"{_PHONE_START}(?:\+ ?|00)46{_PSEP}?(?:\(0\){_PSEP}?)?[1-9](?:{_PSEP}?[0-9]){{6,8}}"
    r"|"
    rf"{_PHONE_START}46{_PSEP}?7[0-9](?:{_PSEP}?[0-9]){{7}}"
    r"|"
    rf"{_PHONE_START}\(0[1-9][0-9]{{0,2}}\) ?[0-9](?:{_PSEP}?[0-9]){{4,7}}"
    r"|"
    rf"{_PHONE_START}{_NOT_A_DATE}0[1-9](?:{_PSEP}?[0-9]){{6,8}}"
    r")"
    r"(?![0-9])(?![-./][0-9])"
)
_PHONE_SIGNS = re.compile(r"[-./]")

# ASCII white space other than " ", read as " " (the fast path for plain ASCII text).
_ASCII_SPACES = str.maketrans("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", " " * 9)


@dataclass(frozen=True)
class _View:
    """The text as the patterns read it; `starts`/`ends` give each character's original span
    (None: the view is the text itself, character for character)."""

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Where the view's characters [start, end) came from in the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def matching_view(text: str) -> str:
    """The text as the redaction patterns read it (NFKC, no format characters, plain
    dashes, spaces and digits); for tests and for checking ids."""
    return _view(text).text


def _view(text: str) -> _View:
    if text.isascii() or all(map(_reads_as_itself, set(text))):
        return _View(text.translate(_ASCII_SPACES))
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    length = len(text)
    while position < length:
        # A character with the combining marks after it is normalised as one unit, so that
        # "a" + ring above becomes "å" rather than a letter and a loose mark.
        end = position + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        unit = text[position:end]
        if unicodedata.category(unit[0]) != "Cf":
            for char in unicodedata.normalize("NFKC", unit):
                chars.append(_plain(char))
                starts.append(position)
                ends.append(end)
        position = end
    return _View("".join(chars), starts, ends)


@lru_cache(maxsize=4096)
def _reads_as_itself(char: str) -> bool:
    """Whether a character is its own view (ASCII, or a letter such as "å" that NFKC keeps),
    so that ordinary Swedish text takes the fast path."""
    if char.isascii():
        return True
    return unicodedata.category(char).startswith("L") and (
        unicodedata.normalize("NFKC", char) == char
    )


def _plain(char: str) -> str:
    """One normalised character as the patterns read it."""
    if char.isascii():
        return " " if char.isspace() else char
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    if category == "Pd" or char == "\u2212":  # every dash, and the minus sign
        return "-"
    if category == "Cf":  # a format character produced by normalisation
        return ""
    digit = unicodedata.decimal(char, None)
    return str(digit) if digit is not None else char


def _substitute(
    text: str, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None]
) -> str:
    """Replace each match of `pattern` in the view by `replace(match)` in the original text
    (None keeps the original)."""
    view = _view(text)
    pieces: list[str] = []
    done = 0
    for match in pattern.finditer(view.text):
        label = replace(match)
        if label is None:
            continue
        start, end = view.original_span(match.start(), match.end())
        pieces.append(text[done:start])
        pieces.append(label)
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def redact(text: str) -> str:
    """Replace personnummer, samordningsnummer, e-mail addresses and phone numbers with labels."""
    # E-mail first: an address may contain digits that would otherwise be read as a phone
    # number or personnummer, leaving half an address behind.
    text = _substitute(text, _EMAIL, lambda _: EMAIL_LABEL)
    text = _substitute(text, _PERSONNUMMER, _personnummer)
    return _substitute(text, _PHONE, _phone)


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


def _personnummer(match: re.Match[str]) -> str | None:
    """Label a candidate only if it is a real personnummer; otherwise keep the text."""
    digits = "".join(
        match.group(name) or "" for name in ("century", "yy", "mm", "dd", "tail")
    )
    return PERSONNUMMER_LABEL if is_personnummer(digits) else None


def _phone(match: re.Match[str]) -> str | None:
    """Label a candidate unless it mixes separators, as a time range does ("08.00-17.00")."""
    number = match.group(0)
    signs = set(_PHONE_SIGNS.findall(number.removeprefix("+").replace("(0)", "")))
    return PHONE_LABEL if len(signs) <= 1 else None
