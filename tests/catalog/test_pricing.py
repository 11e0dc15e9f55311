"""Order arithmetic in Decimal: IVA inside or added, discounts shared to the centavo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuenty.catalog.pricing import LineInput, discount_amount, price_order, share_discount

D = Decimal


def line(price: str, quantity: int = 1, *, includes_iva: bool = True, cost: str = "0") -> LineInput:
    return LineInput(D(price), includes_iva, quantity, D(cost))


def test_price_with_iva_is_split() -> None:
    amounts = price_order([line("70.00")])
    assert amounts.subtotal == D("60.34")
    assert amounts.iva == D("9.66")
    assert amounts.total == D("70.00")


def test_price_without_iva_gets_iva_added() -> None:
    amounts = price_order([line("100.00", includes_iva=False)])
    assert amounts.subtotal == D("100.00")
    assert amounts.iva == D("16.00")
    assert amounts.total == D("116.00")


def test_three_units_cost_exactly_three_prices() -> None:
    assert price_order([line("70.00", 3)]).total == D("210.00")


def test_percentage_discount_rounds_half_up_to_the_centavo() -> None:
    # 15% of 63.30 is 9.495, which rounds to 9.50.
    assert discount_amount("percentage", D("15"), D("63.30")) == D("9.50")


def test_fixed_discount_never_exceeds_the_amount() -> None:
    amounts = price_order([line("55.00")], discount_kind="fixed", discount_value=D("80.00"))
    assert amounts.total == D("0.00")


def test_totals_follow_the_cfdi_identity() -> None:
    amounts = price_order(
        [line("70.00", 2), line("63.00"), line("187.00", includes_iva=False)],
        discount_kind="percentage",
        discount_value=D("10"),
    )
    assert amounts.subtotal - amounts.discount + amounts.iva == amounts.total


def test_discounted_total_is_gross_less_discount() -> None:
    amounts = price_order(
        [line("70.00"), line("63.00")], discount_kind="fixed", discount_value=D("20.00")
    )
    assert amounts.total == D("113.00")


def test_profit_is_net_of_iva_and_cost() -> None:
    amounts = price_order([line("116.00", cost="60.00")])
    assert amounts.profit == D("40.00")


def test_share_gives_leftover_centavos_to_the_largest_lines() -> None:
    assert share_discount(D("0.10"), [D("10.00"), D("10.00"), D("20.00")]) == [
        D("0.02"),
        D("0.02"),
        D("0.06"),
    ]


@pytest.mark.parametrize("discount", ["0.00", "0.01", "33.33", "100.00"])
def test_share_of_zero_lines_is_zero(discount: str) -> None:
    assert share_discount(D(discount), [D("0.00"), D("0.00")]) == [D("0.00"), D("0.00")]


cents = st.integers(min_value=0, max_value=5_000_00).map(lambda value: D(value) / 100)


@settings(max_examples=60, deadline=None)
@given(grosses=st.lists(cents, min_size=1, max_size=6), percent=st.integers(0, 100))
def test_shares_add_up_to_the_discount(grosses: list[Decimal], percent: int) -> None:
    total = sum(grosses, D("0.00"))
    discount = discount_amount("percentage", D(percent), total)
    assert sum(share_discount(discount, grosses), D("0.00")) == discount


@settings(max_examples=60, deadline=None)
@given(
    prices=st.lists(cents, min_size=1, max_size=5),
    includes_iva=st.booleans(),
    fixed=cents,
)
def test_no_line_total_is_negative(
    prices: list[Decimal], includes_iva: bool, fixed: Decimal
) -> None:
    lines = [LineInput(price, includes_iva, 2, D("0")) for price in prices]
    amounts = price_order(lines, discount_kind="fixed", discount_value=fixed)
    assert min(item.total for item in amounts.lines) >= 0
