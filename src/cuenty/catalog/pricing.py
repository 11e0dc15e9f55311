"""Order arithmetic: line prices, promotion discounts and IVA, in Decimal centavos.

Prices are what the customer sees; a plan's price either includes IVA or has it added. The
discount applies to the amount the customer pays and is shared among the lines in
proportion to their amounts, the last centavos going to the largest lines, so every line and
the order add up exactly. Each line then follows the CFDI convention: total = subtotal -
discount + iva.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cuenty.catalog.models import DiscountKind
from cuenty.kit.money import CENT, add_iva, round_money, split_iva

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineInput:
    unit_price: Decimal
    price_includes_iva: bool
    quantity: int
    unit_cost: Decimal


@dataclass(frozen=True)
class LineAmounts:
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    iva: Decimal
    total: Decimal
    cost: Decimal
    profit: Decimal


@dataclass(frozen=True)
class OrderAmounts:
    lines: tuple[LineAmounts, ...]
    subtotal: Decimal
    discount: Decimal
    iva: Decimal
    total: Decimal
    cost: Decimal
    profit: Decimal
    # Amount the customer would pay without the discount, IVA included.
    gross: Decimal


def gross_amount(line: LineInput) -> Decimal:
    """Return what the customer pays for a line before any discount, IVA included."""
    amount = line.unit_price * line.quantity
    if line.price_includes_iva:
        return round_money(amount)
    return add_iva(amount).total


def discount_amount(kind: str, value: Decimal, gross: Decimal) -> Decimal:
    """Compute the discount on a gross amount, capped at the amount so no total is negative."""
    if kind == DiscountKind.PERCENTAGE:
        discount = round_money(gross * value / HUNDRED)
    else:
        discount = value
    return max(ZERO, min(discount, gross))


def share_discount(discount: Decimal, grosses: Sequence[Decimal]) -> list[Decimal]:
    """Split `discount` among lines in proportion to their gross amounts, exactly."""
    total = sum(grosses, ZERO)
    if discount == ZERO or total == ZERO:
        return [ZERO for _ in grosses]
    shares = [(discount * gross / total).quantize(CENT, rounding="ROUND_DOWN") for gross in grosses]
    leftover = int((discount - sum(shares, ZERO)) / CENT)
    by_size = sorted(range(len(grosses)), key=lambda index: grosses[index], reverse=True)
    for index in by_size[:leftover]:
        shares[index] += CENT
    return shares


def price_order(
    lines: Sequence[LineInput], *, discount_kind: str | None = None, discount_value: Decimal = ZERO
) -> OrderAmounts:
    grosses = [gross_amount(line) for line in lines]
    gross = sum(grosses, ZERO)
    discount = discount_amount(discount_kind, discount_value, gross) if discount_kind else ZERO
    priced = tuple(
        _price_line(line, line_gross, share)
        for line, line_gross, share in zip(
            lines, grosses, share_discount(discount, grosses), strict=True
        )
    )
    return OrderAmounts(
        lines=priced,
        subtotal=sum((line.subtotal for line in priced), ZERO),
        discount=sum((line.discount for line in priced), ZERO),
        iva=sum((line.iva for line in priced), ZERO),
        total=sum((line.total for line in priced), ZERO),
        cost=sum((line.cost for line in priced), ZERO),
        profit=sum((line.profit for line in priced), ZERO),
        gross=gross,
    )


def _price_line(line: LineInput, gross: Decimal, gross_discount: Decimal) -> LineAmounts:
    before = split_iva(gross)
    after = split_iva(gross - gross_discount)
    cost = round_money(line.unit_cost * line.quantity)
    return LineAmounts(
        unit_price=round_money(line.unit_price),
        subtotal=before.subtotal,
        discount=before.subtotal - after.subtotal,
        iva=after.iva,
        total=after.total,
        cost=cost,
        profit=after.subtotal - cost,
    )
