"""The SPEI concept: plain ASCII and at most 39 characters, whatever the order number holds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cuenty.payments.instructions import CONCEPT_LENGTH, ascii_concept


@given(st.text(max_size=200))
def test_concept_is_plain_ascii(text: str) -> None:
    assert ascii_concept(text).isascii()


@given(st.text(max_size=200))
def test_concept_fits_spei(text: str) -> None:
    assert len(ascii_concept(text)) <= CONCEPT_LENGTH


def test_accents_are_folded() -> None:
    assert ascii_concept("Pago Señora Núñez") == "Pago Senora Nunez"
