"""Amounts of money in Mexican pesos: `Decimal` with two places, and IVA at 16%.

No float ever takes part in arithmetic; JSON carries amounts as numbers with at most two
decimals, as the public API shows them (`"amount": 299.00`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

CURRENCY = "MXN"
CENT = Decimal("0.01")
IVA_RATE = Decimal("0.16")
# Numeric(12, 2) columns hold up to 9,999,999,999.99; any such value has at most 12
# significant digits, which a binary double represents exactly enough to print back unchanged.
MAX_AMOUNT = Decimal("9999999999.99")


class InvalidAmount(ValueError):
    """Raised for an amount that is not a finite number with at most two decimals.

    `rule` names the broken rule with a validation error code of `cuenty.kit.validation`.
    """

    def __init__(self, message: str, rule: str = "decimal_parsing") -> None:
        super().__init__(message)
        self.rule = rule


def to_money(value: Decimal | int | str) -> Decimal:
    """Convert to a two-place Decimal, rejecting floats, NaN and more than two decimals."""
    if isinstance(value, float):
        raise InvalidAmount("floats are not accepted for money; pass a Decimal or a string")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise InvalidAmount(f"{value!r} is not a number") from error
    if not amount.is_finite():
        raise InvalidAmount(f"{value!r} is not a finite number")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidAmount(f"{value!r} has more than two decimal places", "decimal_max_places")
    if abs(amount) > MAX_AMOUNT:
        raise InvalidAmount(
            f"{value!r} exceeds the maximum amount {MAX_AMOUNT}", "amount_too_large"
        )
    return amount.quantize(CENT)


def round_money(value: Decimal) -> Decimal:
    """Round a computed amount to centavos, half up, as Mexican invoices (CFDI) do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IvaBreakdown:
    subtotal: Decimal
    iva: Decimal
    total: Decimal


def add_iva(net: Decimal, rate: Decimal = IVA_RATE) -> IvaBreakdown:
    """Split a price that excludes IVA into subtotal, IVA and total."""
    subtotal = round_money(net)
    iva = round_money(subtotal * rate)
    return IvaBreakdown(subtotal=subtotal, iva=iva, total=subtotal + iva)


def split_iva(gross: Decimal, rate: Decimal = IVA_RATE) -> IvaBreakdown:
    """Split a price that includes IVA; the parts always add up to the gross total."""
    total = round_money(gross)
    subtotal = round_money(total / (1 + rate))
    return IvaBreakdown(subtotal=subtotal, iva=total - subtotal, total=total)


def format_mxn(amount: Decimal) -> str:
    """Format for people in Mexico: `$1,234.50 MXN`."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(round_money(amount)):,.2f} {CURRENCY}"


def _parse_money(value: object) -> Decimal:
    if isinstance(value, float):
        # JSON numbers arrive as floats unless parsed with parse_float=Decimal; their shortest
        # text form is the number the client wrote.
        value = repr(value)
    try:
        return to_money(value)  # type: ignore[arg-type]
    except InvalidAmount as error:
        context = {"decimal_places": 2, "maximum": str(MAX_AMOUNT)}
        raise PydanticCustomError(error.rule, str(error), context) from error


def _serialize_money(value: Decimal) -> float:
    return float(value.quantize(CENT))


Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    PlainSerializer(_serialize_money, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "multipleOf": 0.01, "examples": [299.0]}),
]
"""Pydantic type of an amount in MXN: a JSON number in, a two-place `Decimal` inside."""
