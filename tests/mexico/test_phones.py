"""Tests for cuenty.mexico.phones: E.164 normalisation, obsolete prefixes and masking."""

from __future__ import annotations

import pytest

from cuenty.mexico.phones import (
    InvalidPhoneNumber,
    is_mexican,
    mask_phone,
    may_be_mobile,
    normalize_phone,
)


def _fullwidth(digits: str) -> str:
    """Return ``digits`` as Unicode fullwidth digits, which str.isdigit() also accepts."""
    return "".join(chr(ord(digit) - ord("0") + ord("\N{FULLWIDTH DIGIT ZERO}")) for digit in digits)


@pytest.mark.parametrize(
    "text",
    [
        "+52 1 55 1234 5678",
        "+521 55 1234 5678",
        "52155 1234 5678",
        "5215512345678",
        "0052 1 55 1234 5678",
        "044 55 1234 5678",
        "045 55 1234 5678",
        "01 55 1234 5678",
        "+52 55 1234 5678",
        "525512345678",
        "5512345678",
        "(55) 1234-5678",
        "55.1234.5678",
        "55-1234-5678",
        "  55 1234 5678  ",
    ],
)
def test_normalize_phone_cdmx_forms(text: str) -> None:
    assert normalize_phone(text) == "+525512345678"


def test_normalize_phone_three_digit_area_code() -> None:
    assert normalize_phone("+52 (999) 123-4567") == "+529991234567"


def test_normalize_phone_toll_free_with_01() -> None:
    assert normalize_phone("01 800 123 4567") == "+528001234567"


def test_normalize_phone_foreign_with_plus() -> None:
    assert normalize_phone("+1 650 253 0000") == "+16502530000"


def test_normalize_phone_uk_with_plus() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


def test_normalize_phone_other_region() -> None:
    assert normalize_phone("(650) 253-0000", region="US") == "+16502530000"


def test_normalize_phone_bare_leading_1_rejected() -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("1 650 253 0000")


@pytest.mark.parametrize(
    "text",
    ["12345", "+52 55 1234", "55 1234 567", "+52 55 1234 56789", "", "+", "--"],
)
def test_normalize_phone_invalid_raises(text: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(text)


@pytest.mark.parametrize(
    "text", ["55 1234 ABCD", "tel: 5512345678", "55/1234/5678", _fullwidth("5512345678")]
)
def test_normalize_phone_rejects_other_characters(text: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match="use only digits"):
        normalize_phone(text)


def test_normalize_phone_rejects_long_input() -> None:
    with pytest.raises(InvalidPhoneNumber, match="longer than"):
        normalize_phone("5" * 41)


def test_phone_error_names_value() -> None:
    with pytest.raises(InvalidPhoneNumber, match="'12345'"):
        normalize_phone("12345")


def test_phone_error_names_rule() -> None:
    with pytest.raises(InvalidPhoneNumber, match="10 digits"):
        normalize_phone("12345")


def test_phone_error_is_value_error() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)


def test_mask_phone_mexican() -> None:
    assert mask_phone("+525512345678") == "+52******5678"


def test_mask_phone_us() -> None:
    assert mask_phone("+16502530000") == "+1******0000"


def test_mask_phone_not_e164() -> None:
    assert mask_phone("55 1234 5678") == "[invalid phone]"


def test_is_mexican_true() -> None:
    assert is_mexican("+525512345678")


def test_is_mexican_false_for_us() -> None:
    assert not is_mexican("+16502530000")


def test_is_mexican_rejects_non_e164() -> None:
    with pytest.raises(InvalidPhoneNumber, match=r"E\.164"):
        is_mexican("5512345678")


def test_may_be_mobile_geographic_number() -> None:
    assert may_be_mobile("+525512345678")


def test_may_be_mobile_false_for_toll_free() -> None:
    assert not may_be_mobile("+528001234567")
