"""Patterns that find personal data anywhere in a piece of text.

Shared by the checks on incoming event properties and by the filter of parameters sent to
GA4, so both agree on what an email, a phone number, a CURP or an RFC looks like.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[^\s@/?&=]+@[^\s@/?&=]+\.[A-Za-z]{2,}")
# A run of digits with the separators people type counts as a phone at 10-15 digits, because a
# Mexican national number has 10. Runs glued to letters or dashes (UUIDs) are left alone.
PHONE_CANDIDATE = re.compile(r"(?<![\w-])\+?\d[\d\s().-]{6,}\d(?![\w-])")
# A number with one decimal point, such as "0.1234567890", is a measurement, not a phone.
DECIMAL = re.compile(r"\d+\.\d+")
MIN_PHONE_DIGITS = 10
MAX_PHONE_DIGITS = 15
# The birth date as YYMMDD, as CURP and RFC carry it. Checking month and day keeps out
# product codes.
_DATE = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# Matched on upper-cased text, so a CURP or RFC typed in lower case is found too.
CURP = re.compile(rf"(?<![A-Z\d])[A-Z][AEIOUX][A-Z]{{2}}{_DATE}[HM][A-Z]{{5}}[A-Z\d]\d(?![A-Z\d])")
RFC = re.compile(rf"(?<![A-ZÑ&\d])[A-ZÑ&]{{3,4}}{_DATE}[A-Z\d]{{3}}(?![A-Z\d])")


def has_email(text: str) -> bool:
    return EMAIL.search(text) is not None


def has_phone(text: str) -> bool:
    for match in PHONE_CANDIDATE.finditer(text):
        if DECIMAL.fullmatch(match.group(0)):
            continue
        digits = sum(char.isdigit() for char in match.group(0))
        if MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
            return True
    return False


def personal_data_in_text(text: str) -> str | None:
    """Return the kind of the first email, phone, CURP or RFC found in the text, or None."""
    if has_email(text):
        return "email"
    if has_phone(text):
        return "phone"
    upper = text.upper()
    if CURP.search(upper):
        return "CURP"
    if RFC.search(upper):
        return "RFC"
    return None
