"""Phone numbers as customers type them in Mexico, normalised to E.164 with ``phonenumbers``.

Also removes the dialing prefixes that Mexico abolished in 2019 and masks numbers for logs.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import (
    CountryCodeSource,
    NumberParseException,
    PhoneNumberFormat,
    PhoneNumberType,
)

MEXICO_COUNTRY_CODE = 52

# Digits, the usual separators, and an optional leading "+".
_ALLOWED_INPUT = re.compile(r"\+?[0-9 ().\-]+")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_MAX_INPUT_LENGTH = 40

# Since 3 August 2019 every Mexican number is dialled as 10 national digits. The IFT's
# numbering plan removed the prefixes 01 (national long distance), 044 and 045 (calls to
# mobiles) and the "1" between +52 and a mobile number. The old forms stopped connecting
# on 3 August 2020, but customers still type them.
# Source opened: https://newsweekespanol.com/?p=114478 (on the IFT announcement).
_MEXICAN_NATIONAL_LENGTH = 10
_OBSOLETE_NATIONAL_PREFIXES = ("044", "045", "01")
_OBSOLETE_MOBILE_DIGIT = "1"


class InvalidPhoneNumber(ValueError):
    """Raised when a phone number cannot be parsed or is not a valid number."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"invalid phone number {value!r}: {reason}")
        self.value = value
        self.reason = reason


def _strip_obsolete_prefix(digits: str) -> str:
    """Turn a Mexican number typed with a pre-2019 prefix into its current form.

    ``digits`` has no "+" and no separators. A result starting with "52" and 12 digits long
    is the international form, which ``phonenumbers`` reads with or without a "+".
    """
    for prefix in _OBSOLETE_NATIONAL_PREFIXES:
        if len(digits) == len(prefix) + _MEXICAN_NATIONAL_LENGTH and digits.startswith(prefix):
            return digits[len(prefix) :]
    mobile_prefix = f"{MEXICO_COUNTRY_CODE}{_OBSOLETE_MOBILE_DIGIT}"
    expected_length = len(mobile_prefix) + _MEXICAN_NATIONAL_LENGTH
    if len(digits) == expected_length and digits.startswith(mobile_prefix):
        return f"{MEXICO_COUNTRY_CODE}{digits[len(mobile_prefix) :]}"
    return digits


def _drop_mobile_digit(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """Remove the obsolete "1" from a +52 number with 11 national digits.

    Only when the input itself contained the country code, because "1 650 253 0000" typed
    without it is more likely a US number than a Mexican mobile.
    """
    national = str(number.national_number)
    if (
        number.country_code_source != CountryCodeSource.FROM_DEFAULT_COUNTRY
        and number.country_code == MEXICO_COUNTRY_CODE
        and len(national) == _MEXICAN_NATIONAL_LENGTH + 1
        and national.startswith(_OBSOLETE_MOBILE_DIGIT)
    ):
        return phonenumbers.PhoneNumber(
            country_code=MEXICO_COUNTRY_CODE,
            national_number=int(national[1:]),
            country_code_source=number.country_code_source,
        )
    return number


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    stripped = text.strip()
    if len(stripped) > _MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber(text, f"longer than {_MAX_INPUT_LENGTH} characters")
    if _ALLOWED_INPUT.fullmatch(stripped) is None:
        raise InvalidPhoneNumber(
            text, "use only digits, spaces, '-', '.', '(' and ')', with an optional leading '+'"
        )
    digits = re.sub(r"[^0-9]", "", stripped)
    if stripped.startswith("+"):
        candidate = f"+{digits}"
    elif region == "MX":
        candidate = _strip_obsolete_prefix(digits)
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, region, keep_raw_input=True)
    except NumberParseException as error:
        raise InvalidPhoneNumber(text, f"phonenumbers could not parse it ({error})") from error
    return _drop_mobile_digit(number)


def normalize_phone(text: str, *, region: str = "MX") -> str:
    """Parse a phone number as typed by a person and return it in E.164 form.

    Numbers without a "+" are read as numbers of ``region`` (an ISO 3166-1 alpha-2 code).
    For Mexico the obsolete forms "044 55 1234 5678", "045 ...", "01 55 ...",
    "+52 1 55 1234 5678" and "52 1 55..." all give "+525512345678". Numbers of other
    countries are accepted when written with their "+" country code.
    Raises InvalidPhoneNumber naming the value and the rule it broke.
    """
    number = _parse(text, region)
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            text,
            "not a valid number in its country's numbering plan "
            "(a Mexican number has 10 digits after the optional +52)",
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse_e164(e164: str) -> phonenumbers.PhoneNumber:
    if _E164.fullmatch(e164) is None:
        raise InvalidPhoneNumber(e164, "expected E.164 form, such as +525512345678")
    try:
        return phonenumbers.parse(e164, None)
    except NumberParseException as error:
        raise InvalidPhoneNumber(e164, f"phonenumbers could not parse it ({error})") from error


def is_mexican(e164: str) -> bool:
    """Return whether an E.164 number has Mexico's country code, +52.

    Raises InvalidPhoneNumber when ``e164`` is not in E.164 form.
    """
    return _parse_e164(e164).country_code == MEXICO_COUNTRY_CODE


def may_be_mobile(e164: str) -> bool:
    """Return whether an E.164 number may belong to a mobile line, for example to send SMS.

    Since 2019 Mexican mobile and fixed numbers share one 10-digit format, so
    ``phonenumbers`` classifies most Mexican numbers as FIXED_LINE_OR_MOBILE and the number
    alone cannot tell which it is. True therefore means "possibly mobile". Toll-free,
    premium-rate and other non-geographic numbers return False.
    Raises InvalidPhoneNumber when ``e164`` is not in E.164 form.
    """
    number_type = phonenumbers.number_type(_parse_e164(e164))
    return number_type in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def mask_phone(e164: str) -> str:
    """Mask an E.164 number for logs, keeping the country code and the last 4 digits.

    "+525512345678" becomes "+52******5678". Text that is not an E.164 number that
    ``phonenumbers`` can parse becomes "[invalid phone]", so that no digits of it reach the log.
    """
    try:
        number = _parse_e164(e164)
    except InvalidPhoneNumber:
        return "[invalid phone]"
    country_code = str(number.country_code)
    national = e164[1 + len(country_code) :]
    visible = national[-4:]
    return f"+{country_code}{'*' * (len(national) - len(visible))}{visible}"
