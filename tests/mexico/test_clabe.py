"""Tests for cuenty.mexico.clabe: validation rules, bank lookup, construction and masking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuenty.mexico.clabe import (
    InvalidClabe,
    UnknownBankCode,
    bank_code,
    bank_name,
    build_clabe,
    mask_clabe,
    validate_clabe,
)


def _fullwidth(digits: str) -> str:
    """Return ``digits`` as Unicode fullwidth digits, which str.isdigit() also accepts."""
    return "".join(chr(ord(digit) - ord("0") + ord("\N{FULLWIDTH DIGIT ZERO}")) for digit in digits)


# Control digit worked out by hand for the body 00218000011835971 (Banamex, bank 002):
#   digits   0 0 2 1 8 0 0 0 0 1 1 8 3 5 9 7 1
#   weights  3 7 1 3 7 1 3 7 1 3 7 1 3 7 1 3 7
#   (d*w)%10 0 0 2 3 6 0 0 0 0 3 7 8 9 5 9 1 7  -> sum 60, 60 % 10 = 0
#   control digit = (10 - 0) % 10 = 0
BANAMEX_CLABE = "002180000118359710"
STP_PREFIX = "6461801234"
STP_CLABE = build_clabe(STP_PREFIX, 1, sequence_digits=7)


def _weighted_control_digit(body: str) -> str:
    weights = (3, 7, 1) * 6
    total = sum(int(digit) * weight % 10 for digit, weight in zip(body, weights, strict=False))
    return str((10 - total % 10) % 10)


def test_clabe_hand_computed_is_valid() -> None:
    assert validate_clabe(BANAMEX_CLABE) == BANAMEX_CLABE


def test_clabe_weights_rule_matches_package() -> None:
    assert _weighted_control_digit(BANAMEX_CLABE[:17]) == BANAMEX_CLABE[-1]


def test_clabe_with_spaces_and_dashes() -> None:
    assert validate_clabe(" 002 180 00011835971-0 ") == BANAMEX_CLABE


def test_clabe_wrong_control_digit_raises() -> None:
    with pytest.raises(InvalidClabe) as caught:
        validate_clabe("002180000118359713")
    assert caught.value.rule == "control_digit"


def test_clabe_wrong_control_digit_names_expected() -> None:
    with pytest.raises(InvalidClabe, match="should be 0"):
        validate_clabe("002180000118359713")


def test_clabe_unknown_bank_raises() -> None:
    body = "99918000011835971"
    with pytest.raises(UnknownBankCode) as caught:
        validate_clabe(body + _weighted_control_digit(body))
    assert caught.value.code == "999"


def test_clabe_unknown_bank_is_invalid_clabe() -> None:
    assert issubclass(UnknownBankCode, InvalidClabe)


@pytest.mark.parametrize("text", ["00218000011835971", "0021800001183597100", ""])
def test_clabe_wrong_length_raises(text: str) -> None:
    with pytest.raises(InvalidClabe, match="exactly 18 digits"):
        validate_clabe(text)


@pytest.mark.parametrize(
    "text", ["00218000011835971A", _fullwidth("002180000118359710"), "002.180.000118359710"]
)
def test_clabe_non_digits_raises(text: str) -> None:
    with pytest.raises(InvalidClabe, match="only the digits"):
        validate_clabe(text)


def test_clabe_error_is_value_error() -> None:
    assert issubclass(InvalidClabe, ValueError)


def test_bank_code_of_clabe() -> None:
    assert bank_code(BANAMEX_CLABE) == "002"


def test_bank_name_of_clabe() -> None:
    assert bank_name(BANAMEX_CLABE) == "Banamex"


def test_bank_name_of_code() -> None:
    assert bank_name("012") == "BBVA Mexico"


def test_bank_name_of_stp_clabe() -> None:
    assert bank_name(STP_CLABE) == "STP"


def test_bank_name_unknown_code_raises() -> None:
    with pytest.raises(UnknownBankCode):
        bank_name("999")


def test_bank_name_invalid_clabe_raises() -> None:
    with pytest.raises(InvalidClabe):
        bank_name("002180000118359713")


def test_build_clabe_value() -> None:
    assert STP_CLABE == "646180123400000010"


def test_build_clabe_validates() -> None:
    assert validate_clabe(STP_CLABE) == STP_CLABE


def test_build_clabe_pads_sequence() -> None:
    assert build_clabe(STP_PREFIX, 42, sequence_digits=7)[10:17] == "0000042"


def test_build_clabe_sequence_too_large() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        build_clabe(STP_PREFIX, 10_000_000, sequence_digits=7)


def test_build_clabe_negative_sequence() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        build_clabe(STP_PREFIX, -1, sequence_digits=7)


def test_build_clabe_lengths_must_add_to_17() -> None:
    with pytest.raises(ValueError, match="17 digits"):
        build_clabe(STP_PREFIX, 1, sequence_digits=6)


def test_build_clabe_zero_sequence_digits() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        build_clabe("64618012340000001", 0, sequence_digits=0)


def test_build_clabe_non_digit_prefix() -> None:
    with pytest.raises(ValueError, match="only digits"):
        build_clabe("646180ABCD", 1, sequence_digits=7)


def test_build_clabe_unknown_bank() -> None:
    with pytest.raises(UnknownBankCode):
        build_clabe("9991801234", 1, sequence_digits=7)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=9_999_999))
def test_build_clabe_always_validates(sequence: int) -> None:
    clabe = build_clabe(STP_PREFIX, sequence, sequence_digits=7)
    assert validate_clabe(clabe) == clabe


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=9_999_999))
def test_build_clabe_matches_weights_rule(sequence: int) -> None:
    clabe = build_clabe(STP_PREFIX, sequence, sequence_digits=7)
    assert clabe[-1] == _weighted_control_digit(clabe[:17])


def test_mask_clabe_shows_last_four() -> None:
    assert mask_clabe(BANAMEX_CLABE) == "**************9710"


def test_mask_clabe_short_text() -> None:
    assert mask_clabe("123") == "***"
