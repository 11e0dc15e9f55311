"""Tests for cuenty.mexico.tax_ids: RFC and CURP validation with check digits."""

from __future__ import annotations

import pytest

from cuenty.mexico.tax_ids import (
    RFC_GENERIC_FOREIGN,
    RFC_GENERIC_PUBLIC,
    InvalidCurp,
    InvalidRfc,
    RfcKind,
    is_generic_rfc,
    rfc_kind,
    validate_curp,
    validate_rfc,
)

# RFC and CURP values below have check digits that python-stdnum accepts. The first
# RFCs and the first CURP come from stdnum's documentation examples.
RFC_FISICA = "GODE561231GR8"
RFC_MORAL = "MAB9307148T4"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GODE561231GR8", "GODE561231GR8"),
        ("gode 561231 gr8", "GODE561231GR8"),
        ("MAB-930714-8T4", "MAB9307148T4"),
        ("PEGJ8001011B0", "PEGJ8001011B0"),
        ("ABC0101011A8", "ABC0101011A8"),
    ],
)
def test_validate_rfc_valid(text: str, expected: str) -> None:
    assert validate_rfc(text) == expected


def test_validate_rfc_wrong_check_digit() -> None:
    with pytest.raises(InvalidRfc, match="should be 5"):
        validate_rfc("VACE460910SX6")


def test_validate_rfc_missing_homoclave() -> None:
    with pytest.raises(InvalidRfc, match="homoclave"):
        validate_rfc("COMG600703")


@pytest.mark.parametrize("text", ["ABC", "GODE561231GR8X9", ""])
def test_validate_rfc_wrong_length(text: str) -> None:
    with pytest.raises(InvalidRfc, match="12 characters"):
        validate_rfc(text)


def test_validate_rfc_wrong_format() -> None:
    with pytest.raises(InvalidRfc, match="YYMMDD"):
        validate_rfc("1234567890123")


def test_validate_rfc_impossible_date() -> None:
    with pytest.raises(InvalidRfc, match="not a valid YYMMDD date"):
        validate_rfc("GODE561331GR8")


@pytest.mark.parametrize("generic", [RFC_GENERIC_PUBLIC, RFC_GENERIC_FOREIGN])
def test_validate_rfc_generic_rejected_by_default(generic: str) -> None:
    with pytest.raises(InvalidRfc, match="allow_generic"):
        validate_rfc(generic)


@pytest.mark.parametrize("generic", [RFC_GENERIC_PUBLIC, RFC_GENERIC_FOREIGN])
def test_validate_rfc_generic_allowed(generic: str) -> None:
    assert validate_rfc(generic, allow_generic=True) == generic


def test_validate_rfc_generic_lowercase_allowed() -> None:
    assert validate_rfc("xaxx010101000", allow_generic=True) == RFC_GENERIC_PUBLIC


def test_rfc_error_names_value() -> None:
    with pytest.raises(InvalidRfc, match="'VACE460910SX6'"):
        validate_rfc("VACE460910SX6")


def test_rfc_kind_persona_fisica() -> None:
    assert rfc_kind(RFC_FISICA) is RfcKind.PERSONA_FISICA


def test_rfc_kind_persona_moral() -> None:
    assert rfc_kind(RFC_MORAL) is RfcKind.PERSONA_MORAL


def test_rfc_kind_generic_is_fisica_length() -> None:
    assert rfc_kind(RFC_GENERIC_PUBLIC) is RfcKind.PERSONA_FISICA


def test_rfc_kind_invalid_raises() -> None:
    with pytest.raises(InvalidRfc):
        rfc_kind("VACE460910SX6")


def test_is_generic_rfc_true() -> None:
    assert is_generic_rfc("XEXX-010101-000")


def test_is_generic_rfc_false() -> None:
    assert not is_generic_rfc(RFC_FISICA)


@pytest.mark.parametrize(
    "text",
    ["BOXW310820HNERXN09", "GARC850101MDFRRR04", "LOPJ050315HJCPRNA1"],
)
def test_validate_curp_valid(text: str) -> None:
    assert validate_curp(text) == text


def test_validate_curp_lowercase_with_spaces() -> None:
    assert validate_curp(" boxw310820hnerxn09 ") == "BOXW310820HNERXN09"


def test_validate_curp_wrong_check_digit() -> None:
    with pytest.raises(InvalidCurp, match="should be 9"):
        validate_curp("BOXW310820HNERXN08")


def test_validate_curp_wrong_length() -> None:
    with pytest.raises(InvalidCurp, match="18 characters"):
        validate_curp("BOXW310820HNERXN0")


def test_validate_curp_wrong_format() -> None:
    with pytest.raises(InvalidCurp, match="YYMMDD"):
        validate_curp("1OXW310820HNERXN09")


def test_validate_curp_unknown_sex() -> None:
    with pytest.raises(InvalidCurp, match="H or M"):
        validate_curp("BOXW310820XNERXN09")


def test_curp_error_is_value_error() -> None:
    assert issubclass(InvalidCurp, ValueError)
