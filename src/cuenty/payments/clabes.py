"""The CLABE of each order: `<bank><plaza><company>` + a 7-digit sequence + control digit.

Sequence numbers come from a PostgreSQL SEQUENCE, whose `nextval` never waits for other
transactions, or on SQLite from a counter row that the database's single writer serializes.
The unique CLABE column is the last guard: two orders can never share one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.mexico.clabe import build_clabe
from cuenty.payments.errors import ClabesExhaustedError
from cuenty.payments.models import OrderClabe, PaymentSequence

SEQUENCE_DIGITS = 7
LAST_SEQUENCE = 10**SEQUENCE_DIGITS - 1


def reference_of(sequence: int) -> str:
    """Return the 7-digit numeric reference a customer may type.

    It is the last six digits of the CLABE's sequence and a check digit (weights 3, 7, 1, as in
    the CLABE itself), so a single mistyped digit names no order instead of a neighbour's. It
    repeats every million orders; a reference then only matches with the exact amount owed by
    one order waiting for payment.
    """
    body = f"{sequence % 10**6:06d}"
    return body + reference_check_digit(body)


def reference_check_digit(digits: str) -> str:
    total = sum(int(digit) * (3, 7, 1)[position % 3] % 10 for position, digit in enumerate(digits))
    return str((10 - total % 10) % 10)


async def order_clabe(
    session: AsyncSession, *, order_id: uuid.UUID, user_id: uuid.UUID, prefix: str
) -> OrderClabe:
    """Return the order's CLABE, allocating it on first use."""
    found = await session.scalar(select(OrderClabe).where(OrderClabe.order_id == order_id))
    if found is not None:
        return found
    sequence = await _next_sequence(session, prefix)
    allocated = OrderClabe(
        clabe=build_clabe(prefix, sequence, sequence_digits=SEQUENCE_DIGITS),
        order_id=order_id,
        user_id=user_id,
        sequence=sequence,
        reference=reference_of(sequence),
    )
    session.add(allocated)
    await session.flush()
    return allocated


async def _next_sequence(session: AsyncSession, prefix: str) -> int:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        try:
            value = int(await session.scalar(text("SELECT nextval('payment_clabe_seq')")))
        except DBAPIError as error:  # the sequence has MAXVALUE and NO CYCLE
            if "reached maximum value" in str(error):
                raise ClabesExhaustedError() from error
            raise
        return value
    await session.execute(
        sqlite.insert(PaymentSequence)
        .values(prefix=prefix, last_value=0)
        .on_conflict_do_nothing(index_elements=["prefix"])
    )
    value = await session.scalar(
        update(PaymentSequence)
        .where(PaymentSequence.prefix == prefix)
        .values(last_value=PaymentSequence.last_value + 1)
        .returning(PaymentSequence.last_value)
    )
    assert value is not None
    if value > LAST_SEQUENCE:
        raise ClabesExhaustedError()
    return int(value)
