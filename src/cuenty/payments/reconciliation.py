"""Matching received transfers to orders, in tiers, and the review queue.

1. `clabe`: the transfer went to an order's own CLABE.
2. `reference_amount`: its numeric reference is an order's, and the amount is exactly what
   the order still owes.
3. `amount_window`: it arrived while exactly one open payment request waited for that amount
   (within the configured tolerance).
4. Anything else goes to review, where operations match or leave it by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity import audit
from cuenty.kit.actor import Actor
from cuenty.orders.models import Order, OrderState
from cuenty.payments import ledger
from cuenty.payments.errors import (
    OrderAlreadyPaidError,
    OrderNotPayableError,
    ReconciliationNotFoundError,
    TransferNotFoundError,
    TransferNotMatchableError,
)
from cuenty.payments.models import (
    OPEN_REQUEST_STATES,
    OrderClabe,
    PaymentRequest,
    ReceivedTransfer,
    Reconciliation,
    Rule,
    TransferState,
)
from cuenty.payments.transfers import IncomingTransfer, Stored, store

log = structlog.get_logger("cuenty.payments")
BATCH_SIZE = 500


@dataclass(frozen=True)
class Candidate:
    order_id: uuid.UUID | None
    rule: Rule | None = None
    review_reason: str = ledger.REVIEW_NO_MATCH


@dataclass
class RunReport:
    total: int = 0
    reconciled: int = 0
    review: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.total += 1
        if outcome in (TransferState.REVIEW.value, TransferState.UNMATCHED.value):
            self.review += 1
            return
        self.reconciled += 1
        self.by_rule[outcome] = self.by_rule.get(outcome, 0) + 1


async def receive(
    session: AsyncSession,
    incoming: IncomingTransfer,
    *,
    tolerance: Decimal,
    now: datetime,
    match: bool = True,
) -> Stored:
    """Store a reported transfer once and, when new, match it (or undo what it returns).

    A report of a returned deposit undoes the credit the deposit had received.
    """
    stored = await store(session, incoming, now)
    transfer = stored.transfer
    if incoming.returned and transfer.state != TransferState.RETURNED.value:
        await mark_returned(session, transfer, now=now, reason="returned to the payer")
    elif stored.created and match and transfer.state == TransferState.UNMATCHED.value:
        await match_transfer(session, transfer, tolerance=tolerance, now=now)
    return stored


async def match_transfer(
    session: AsyncSession,
    transfer: ReceivedTransfer,
    *,
    tolerance: Decimal,
    now: datetime,
    actor: Actor | None = None,
) -> str:
    """Apply the first tier that matches; return the rule's name or the transfer's new state."""
    candidate = await find_order(session, transfer, tolerance)
    if candidate.order_id is None or candidate.rule is None:
        await ledger.send_to_review(session, transfer, candidate.review_reason)
        return TransferState.REVIEW.value
    result = await ledger.credit(
        session,
        transfer,
        candidate.order_id,
        rule=candidate.rule,
        actor=actor or Actor.job(),
        now=now,
    )
    return TransferState.REVIEW.value if result.in_review else candidate.rule.value


async def find_order(
    session: AsyncSession, transfer: ReceivedTransfer, tolerance: Decimal
) -> Candidate:
    if transfer.beneficiary_account:
        order_id = await session.scalar(
            select(OrderClabe.order_id).where(OrderClabe.clabe == transfer.beneficiary_account)
        )
        if order_id is not None:
            return Candidate(order_id, Rule.CLABE)
    if transfer.numeric_reference:
        by_reference = await _by_reference(session, transfer)
        if by_reference is not None:
            return Candidate(by_reference, Rule.REFERENCE_AMOUNT)
    return await _by_amount_in_window(session, transfer, tolerance)


async def _by_reference(session: AsyncSession, transfer: ReceivedTransfer) -> uuid.UUID | None:
    rows = (
        await session.execute(
            select(Order.id, Order.total)
            .join(OrderClabe, OrderClabe.order_id == Order.id)
            .where(
                OrderClabe.reference == transfer.numeric_reference,
                Order.state == OrderState.PENDING_PAYMENT.value,
            )
        )
    ).all()
    for order_id, total in rows:
        if total - await ledger.amount_credited(session, order_id) == transfer.amount:
            return order_id
    return None


async def _by_amount_in_window(
    session: AsyncSession, transfer: ReceivedTransfer, tolerance: Decimal
) -> Candidate:
    arrived = transfer.settled_at or transfer.received_at
    rows = (
        await session.execute(
            select(PaymentRequest.order_id, PaymentRequest.amount, PaymentRequest.amount_paid)
            .where(
                PaymentRequest.state.in_(OPEN_REQUEST_STATES),
                PaymentRequest.created_at <= arrived,
                PaymentRequest.expires_at >= arrived,
                PaymentRequest.amount - PaymentRequest.amount_paid >= transfer.amount - tolerance,
                PaymentRequest.amount - PaymentRequest.amount_paid <= transfer.amount + tolerance,
            )
            .limit(20)
        )
    ).all()
    orders = {row.order_id for row in rows}
    if len(orders) == 1:
        return Candidate(orders.pop(), Rule.AMOUNT_WINDOW)
    reason = ledger.REVIEW_AMBIGUOUS if orders else ledger.REVIEW_NO_MATCH
    return Candidate(None, review_reason=reason)


async def run(
    session: AsyncSession, *, tolerance: Decimal, now: datetime, limit: int | None = None
) -> RunReport:
    """Match every transfer still waiting, oldest first, each in its own savepoint.

    A transfer that fails to apply stays unmatched for the next run; the others go on.
    """
    report = RunReport()
    last: tuple[datetime, uuid.UUID] | None = None
    while limit is None or report.total < limit:
        query = (
            select(ReceivedTransfer)
            .where(ReceivedTransfer.state == TransferState.UNMATCHED.value)
            .order_by(ReceivedTransfer.received_at, ReceivedTransfer.id)
            .limit(BATCH_SIZE)
        )
        if last is not None:
            query = query.where(
                (ReceivedTransfer.received_at > last[0])
                | ((ReceivedTransfer.received_at == last[0]) & (ReceivedTransfer.id > last[1]))
            )
        batch = (await session.scalars(query)).all()
        if not batch:
            break
        for transfer in batch:
            last = (transfer.received_at, transfer.id)
            report.count(await _match_in_savepoint(session, transfer, tolerance, now))
    log.info(
        "reconciliation run", total=report.total, reconciled=report.reconciled, review=report.review
    )
    return report


async def _match_in_savepoint(
    session: AsyncSession, transfer: ReceivedTransfer, tolerance: Decimal, now: datetime
) -> str:
    try:
        async with session.begin_nested():
            return await match_transfer(session, transfer, tolerance=tolerance, now=now)
    except Exception:
        log.exception("transfer could not be matched", transfer_id=str(transfer.id))
        return TransferState.UNMATCHED.value


async def mark_returned(
    session: AsyncSession, transfer: ReceivedTransfer, *, now: datetime, reason: str
) -> None:
    """The deposit went back to the payer: undo its credits and keep it as returned."""
    rows = await _active_rows(session, transfer.id)
    for row in rows:
        await ledger.undo(session, row, reason=reason, now=now, returned=True)
    if not rows:
        transfer.state = TransferState.RETURNED.value
        await session.flush()


async def manual_match(
    session: AsyncSession,
    transfer_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Reconciliation:
    """Credit a transfer in review to the order operations chose, and audit it."""
    transfer = await session.get(ReceivedTransfer, transfer_id, with_for_update=True)
    if transfer is None:
        raise TransferNotFoundError()
    if transfer.state not in (TransferState.REVIEW.value, TransferState.UNMATCHED.value):
        raise TransferNotMatchableError(params={"state": transfer.state})
    order = await session.get(Order, order_id)
    if order is None or order.state != OrderState.PENDING_PAYMENT.value:
        raise OrderNotPayableError(params={"state": order.state if order else "-"})
    result = await ledger.credit(
        session, transfer, order_id, rule=Rule.MANUAL, actor=actor, now=now, reason=reason
    )
    assert result.reconciliation is not None
    await audit.record(
        session,
        "payments.manual_match",
        actor_user_id=actor.id,
        subject_user_id=order.user_id,
        transfer_id=str(transfer.id),
        order_id=str(order_id),
        amount=str(transfer.amount),
        reason=reason,
    )
    return result.reconciliation


async def unmatch(
    session: AsyncSession, reconciliation_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime
) -> ReceivedTransfer:
    """Undo a match of an order still waiting for payment; the transfer returns to review."""
    row = await session.get(Reconciliation, reconciliation_id, with_for_update=True)
    if row is None or row.undone_at is not None:
        raise ReconciliationNotFoundError()
    order = await session.get(Order, row.order_id)
    if order is not None and order.state != OrderState.PENDING_PAYMENT.value:
        raise OrderAlreadyPaidError()
    await ledger.undo(session, row, reason=reason, now=now, returned=False)
    transfer = await session.get(ReceivedTransfer, row.transfer_id)
    assert transfer is not None
    await audit.record(
        session,
        "payments.unmatch",
        actor_user_id=actor.id,
        subject_user_id=order.user_id if order else None,
        transfer_id=str(row.transfer_id),
        order_id=str(row.order_id),
        amount=str(row.amount),
        reason=reason,
    )
    return transfer


async def _active_rows(session: AsyncSession, transfer_id: uuid.UUID) -> list[Reconciliation]:
    rows = await session.scalars(
        select(Reconciliation).where(
            Reconciliation.transfer_id == transfer_id, Reconciliation.undone_at.is_(None)
        )
    )
    return list(rows.all())
