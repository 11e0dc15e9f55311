"""Money is Decimal with two places in MXN; IVA is 16% and the parts always add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from cuenty.kit.money import InvalidAmount, Money, add_iva, format_mxn, split_iva, to_money


class Payment(BaseModel):
    amount: Money


def test_to_money_quantizes_to_centavos() -> None:
    assert to_money("299") == Decimal("299.00")


@pytest.mark.parametrize("value", ["10.001", "NaN", "Infinity", "abc", "10000000000.00"])
def test_to_money_rejects_invalid(value: str) -> None:
    with pytest.raises(InvalidAmount):
        to_money(value)


def test_to_money_rejects_float() -> None:
    with pytest.raises(InvalidAmount):
        to_money(0.1)  # type: ignore[arg-type]


def test_add_iva_on_net_price() -> None:
    breakdown = add_iva(Decimal("100.00"))
    assert breakdown.iva == Decimal("16.00")
    assert breakdown.total == Decimal("116.00")


def test_split_iva_of_gross_price() -> None:
    breakdown = split_iva(Decimal("299.00"))
    assert breakdown.subtotal == Decimal("257.76")
    assert breakdown.iva == Decimal("41.24")


@settings(max_examples=150)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2))
def test_split_iva_parts_add_up(gross: Decimal) -> None:
    breakdown = split_iva(gross)
    assert breakdown.subtotal + breakdown.iva == gross


def test_format_mxn() -> None:
    assert format_mxn(Decimal("1234.5")) == "$1,234.50 MXN"


def test_format_negative_mxn() -> None:
    assert format_mxn(Decimal("-15")) == "-$15.00 MXN"


def test_money_field_from_json_number_is_decimal() -> None:
    assert Payment.model_validate_json('{"amount": 299.9}').amount == Decimal("299.90")


def test_money_field_serializes_as_json_number() -> None:
    assert Payment(amount=Decimal("1299.50")).model_dump_json() == '{"amount":1299.5}'


def test_money_field_rejects_three_decimals() -> None:
    with pytest.raises(ValidationError):
        Payment.model_validate_json('{"amount": 10.005}')


@settings(max_examples=150)
@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999.99"), places=2))
def test_money_json_round_trip_is_exact(amount: Decimal) -> None:
    text = Payment(amount=amount).model_dump_json()
    assert Payment.model_validate_json(text).amount == amount
