"""Storing received transfers exactly once, whatever source reports them.

A SPEI transfer's natural key is (claveRastreo, fechaOperacion, institucionOrdenante). STP
notifications, STP deposit lists and bank notifications that carry the three are stored under
that key; a statement line, which rarely names the sending institution, is first looked up by
tracking key, amount and a date near its booking date, so the same deposit reported by STP
and by a statement is one transfer.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.payments.models import ReceivedTransfer, TransferSource, TransferState

# A statement may book a deposit on the day it arrived or on its SPEI operation date, which
# can be the next banking day after the evening cut-off, a weekend or a holiday later.
STATEMENT_DATE_SLACK = timedelta(days=4)
# The largest amount the Numeric(12, 2) money columns hold.
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
# Width of `received_transfers.tracking_key`. A longer claveRastreo is rejected, not cut,
# because a cut key could merge two transfers.
TRACKING_KEY_LENGTH = 40
# C0 and C1 control characters and DEL. PostgreSQL rejects NUL in text columns, and none of
# them belongs in a name, reference or concept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class IncomingTransfer:
    """A deposit as one source reports it, before it is stored."""

    source: TransferSource
    amount: Decimal
    operation_date: date
    received_at: datetime
    tracking_key: str | None = None
    sender_institution: str | None = None
    beneficiary_account: str | None = None
    numeric_reference: str | None = None
    concept: str | None = None
    sender_name: str | None = None
    sender_account: str | None = None
    sender_rfc: str | None = None
    provider_id: str | None = None
    codi_folio: str | None = None
    settled_at: datetime | None = None
    # The deposit was sent back to the payer (an STP "devuelta", a statement reversal).
    returned: bool = False
    # Key used when the SPEI natural key is incomplete: "<source>|<id in that source>".
    source_key: str | None = None
    # Message id of why the transfer is stored in review instead of waiting for a match.
    review_reason: str | None = None
    # STP return cause sent with "devolver" when the deposit was refused.
    return_cause: int | None = None

    @property
    def has_spei_key(self) -> bool:
        return bool(self.tracking_key and self.sender_institution)

    @property
    def natural_key(self) -> str:
        if self.tracking_key and self.sender_institution:
            return "|".join(
                (
                    "spei",
                    self.tracking_key,
                    self.operation_date.strftime("%Y%m%d"),
                    self.sender_institution,
                )
            )
        if not self.source_key:
            raise ValueError("a transfer without a full SPEI key needs a source_key")
        return self.source_key


@dataclass(frozen=True)
class Stored:
    transfer: ReceivedTransfer
    created: bool


async def store(session: AsyncSession, incoming: IncomingTransfer, now: datetime) -> Stored:
    """Store the transfer unless it is already known; return the stored row either way.

    Concurrent calls for one transfer insert one row: the others find it afterwards.
    """
    existing = await find_existing(session, incoming)
    if existing is not None:
        return Stored(existing, created=False)
    transfer_id = await _insert(session, incoming, now)
    if transfer_id is None:
        found = await session.scalar(
            select(ReceivedTransfer).where(ReceivedTransfer.natural_key == incoming.natural_key)
        )
        assert found is not None, "a conflicting insert leaves a row behind"
        return Stored(found, created=False)
    transfer = await session.get(ReceivedTransfer, transfer_id)
    assert transfer is not None
    return Stored(transfer, created=True)


async def find_existing(
    session: AsyncSession, incoming: IncomingTransfer
) -> ReceivedTransfer | None:
    """Find the stored row of this transfer: by natural key, else by tracking key.

    The tracking-key lookup (same key and amount, a date within the slack) runs only for a
    report without a full SPEI key, such as a statement line. Two reports that both carry the
    full key are different transfers whenever their keys differ, even if they share the
    claveRastreo. A stored row whose sending institution differs from the report's is never
    taken as the same transfer.
    """
    found = await session.scalar(
        select(ReceivedTransfer).where(ReceivedTransfer.natural_key == incoming.natural_key)
    )
    if found is not None or not incoming.tracking_key or incoming.has_spei_key:
        return found
    query = select(ReceivedTransfer).where(
        ReceivedTransfer.tracking_key == incoming.tracking_key,
        ReceivedTransfer.amount == incoming.amount,
        _within_slack(incoming.operation_date),
    )
    if incoming.sender_institution:
        query = query.where(
            or_(
                ReceivedTransfer.sender_institution.is_(None),
                ReceivedTransfer.sender_institution == "",
                ReceivedTransfer.sender_institution == incoming.sender_institution,
            )
        )
    return await session.scalar(query.order_by(ReceivedTransfer.created_at).limit(1))


async def may_repeat_another_source(session: AsyncSession, incoming: IncomingTransfer) -> bool:
    """Tell whether a report without a tracking key may be a deposit another source reported.

    It may be when a transfer from another source has the same amount, a date within the
    slack, and the same numeric reference or beneficiary CLABE. Without a tracking key the
    two cannot be distinguished, so such a report is not credited automatically.
    """
    if incoming.tracking_key:
        return False
    same_link = []
    if incoming.numeric_reference:
        same_link.append(ReceivedTransfer.numeric_reference == incoming.numeric_reference)
    if incoming.beneficiary_account:
        same_link.append(ReceivedTransfer.beneficiary_account == incoming.beneficiary_account)
    if not same_link:
        return False
    found = await session.scalar(
        select(ReceivedTransfer.id)
        .where(
            ReceivedTransfer.source != incoming.source.value,
            ReceivedTransfer.amount == incoming.amount,
            _within_slack(incoming.operation_date),
            or_(*same_link),
        )
        .limit(1)
    )
    return found is not None


def _within_slack(operation_date: date) -> Any:
    return ReceivedTransfer.operation_date.between(
        operation_date - STATEMENT_DATE_SLACK, operation_date + STATEMENT_DATE_SLACK
    )


async def _insert(
    session: AsyncSession, incoming: IncomingTransfer, now: datetime
) -> uuid.UUID | None:
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    state = TransferState.UNMATCHED
    if incoming.returned:
        state = TransferState.RETURNED
    elif incoming.review_reason:
        state = TransferState.REVIEW
    statement = (
        insert(ReceivedTransfer)
        .values(
            id=uuid.uuid4(),
            natural_key=incoming.natural_key,
            source=incoming.source.value,
            state=state.value,
            tracking_key=_cut(incoming.tracking_key, 40),
            operation_date=incoming.operation_date,
            sender_institution=incoming.sender_institution,
            amount=incoming.amount,
            beneficiary_account=incoming.beneficiary_account,
            numeric_reference=incoming.numeric_reference,
            concept=_cut(incoming.concept, 210),
            sender_name=_cut(incoming.sender_name, 120),
            sender_account=_cut(incoming.sender_account, 20),
            sender_rfc=_cut(incoming.sender_rfc, 18),
            provider_id=_cut(incoming.provider_id, 60),
            codi_folio=_cut(incoming.codi_folio, 40),
            settled_at=incoming.settled_at,
            received_at=incoming.received_at,
            review_reason=incoming.review_reason,
            return_cause=incoming.return_cause,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["natural_key"])
        .returning(ReceivedTransfer.id)
    )
    return await session.scalar(statement)


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else value


def normalize_reference(value: object) -> str | None:
    """Return a SPEI numeric reference as 7 digits, or None when there is none.

    STP sends it as a number, statements as text; 0 means "no reference".
    """
    if value is None:
        return None
    digits = str(value).strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 7 or int(digits) == 0:
        return None
    return f"{int(digits):07d}"


def parse_amount(value: object) -> Decimal | None:
    """Parse a positive amount with at most two decimals that fits the money columns.

    Returns None for anything else.
    """
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    # Bounds first: quantizing a huge exponent raises InvalidOperation.
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        return None
    if amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)
