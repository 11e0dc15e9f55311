"""The numeric reference: six digits of the order's sequence and a check digit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cuenty.payments.clabes import reference_check_digit, reference_of

SEQUENCES = st.integers(min_value=1, max_value=9_999_999)


@given(SEQUENCES)
def test_reference_has_seven_digits(sequence: int) -> None:
    assert len(reference_of(sequence)) == 7


@given(SEQUENCES, st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=9))
def test_one_mistyped_digit_is_caught(sequence: int, position: int, shift: int) -> None:
    reference = reference_of(sequence)
    typed = reference[:position] + str((int(reference[position]) + shift) % 10)
    typed += reference[position + 1 :]
    assert reference_check_digit(typed[:6]) != typed[6]
