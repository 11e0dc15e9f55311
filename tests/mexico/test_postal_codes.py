"""Tests for cuenty.mexico.postal_codes: prefixes to states, unassigned prefixes, bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuenty.mexico.postal_codes import (
    UNASSIGNED_PREFIXES,
    InvalidPostalCode,
    normalize_postal_code,
    state_for_postal_code,
)
from cuenty.mexico.states import State


def _fullwidth(digits: str) -> str:
    """Return ``digits`` as Unicode fullwidth digits, which str.isdigit() also accepts."""
    return "".join(chr(ord(digit) - ord("0") + ord("\N{FULLWIDTH DIGIT ZERO}")) for digit in digits)


@pytest.mark.parametrize(
    ("code", "state_name"),
    [
        ("44100", "Jalisco"),
        ("01000", "Ciudad de México"),
        ("29000", "Chiapas"),
        ("64000", "Nuevo León"),
        ("06600", "Ciudad de México"),
        ("77500", "Quintana Roo"),
        ("16000", "Ciudad de México"),
        ("20000", "Aguascalientes"),
        ("50000", "Estado de México"),
        ("57000", "Estado de México"),
        ("58000", "Michoacán"),
        ("76000", "Querétaro"),
        ("91000", "Veracruz"),
        ("96000", "Veracruz"),
        ("97000", "Yucatán"),
        ("99000", "Zacatecas"),
    ],
)
def test_postal_code_state(code: str, state_name: str) -> None:
    state = state_for_postal_code(code)
    assert state is not None
    assert state.name == state_name


def test_postal_code_44100_is_jalisco() -> None:
    assert state_for_postal_code("44100").iso_code == "MX-JAL"


# SEPOMEX ranges of first two digits per entity, written out independently of the module.
EXPECTED_PREFIX_RANGES = [
    (1, 16, "MX-CMX"),
    (20, 20, "MX-AGU"),
    (21, 22, "MX-BCN"),
    (23, 23, "MX-BCS"),
    (24, 24, "MX-CAM"),
    (25, 27, "MX-COA"),
    (28, 28, "MX-COL"),
    (29, 30, "MX-CHP"),
    (31, 33, "MX-CHH"),
    (34, 35, "MX-DUR"),
    (36, 38, "MX-GUA"),
    (39, 41, "MX-GRO"),
    (42, 43, "MX-HID"),
    (44, 49, "MX-JAL"),
    (50, 57, "MX-MEX"),
    (58, 61, "MX-MIC"),
    (62, 62, "MX-MOR"),
    (63, 63, "MX-NAY"),
    (64, 67, "MX-NLE"),
    (68, 71, "MX-OAX"),
    (72, 75, "MX-PUE"),
    (76, 76, "MX-QUE"),
    (77, 77, "MX-ROO"),
    (78, 79, "MX-SLP"),
    (80, 82, "MX-SIN"),
    (83, 85, "MX-SON"),
    (86, 86, "MX-TAB"),
    (87, 89, "MX-TAM"),
    (90, 90, "MX-TLA"),
    (91, 96, "MX-VER"),
    (97, 97, "MX-YUC"),
    (98, 99, "MX-ZAC"),
]
EXPECTED_ISO_BY_PREFIX = {
    f"{prefix:02d}": iso_code
    for first, last, iso_code in EXPECTED_PREFIX_RANGES
    for prefix in range(first, last + 1)
}


@pytest.mark.parametrize(("prefix", "iso_code"), sorted(EXPECTED_ISO_BY_PREFIX.items()))
def test_postal_prefix_state(prefix: str, iso_code: str) -> None:
    for code in (f"{prefix}000", f"{prefix}999"):
        state = state_for_postal_code(code)
        assert state is not None, code
        assert state.iso_code == iso_code, code


@pytest.mark.parametrize("prefix", [f"{n:02d}" for n in range(100)])
def test_postal_prefix_assigned_or_listed_unassigned(prefix: str) -> None:
    state = state_for_postal_code(f"{prefix}000")
    assert (state is None) == (prefix in UNASSIGNED_PREFIXES)


def test_unassigned_prefixes_are_00_and_17_to_19() -> None:
    assert frozenset({"00", "17", "18", "19"}) == UNASSIGNED_PREFIXES


@pytest.mark.parametrize("code", ["00100", "17000", "18500", "19999"])
def test_postal_code_unassigned_is_none(code: str) -> None:
    assert state_for_postal_code(code) is None


def test_every_state_has_a_prefix() -> None:
    states = {state_for_postal_code(f"{n:02d}000") for n in range(100)}
    states.discard(None)
    assert len(states) == 32


def test_postal_code_surrounding_whitespace_is_stripped() -> None:
    assert normalize_postal_code(" 06600\n") == "06600"


@pytest.mark.parametrize(
    "code",
    [
        "1000",
        "440100",
        "",
        "   ",
        "4410A",
        "ABCDE",
        "44 100",
        "44-100",
        "C.P. 44100",
        _fullwidth("44100"),
    ],
)
def test_postal_code_invalid_raises(code: str) -> None:
    with pytest.raises(InvalidPostalCode):
        state_for_postal_code(code)


def test_postal_code_error_names_value() -> None:
    with pytest.raises(InvalidPostalCode, match="'1000'"):
        normalize_postal_code("1000")


def test_postal_code_error_is_value_error() -> None:
    assert issubclass(InvalidPostalCode, ValueError)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_postal_code_any_five_digits_resolves(code: str) -> None:
    result = state_for_postal_code(code)
    assert result is None or isinstance(result, State)
