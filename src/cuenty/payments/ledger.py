"""Crediting received money to orders, and undoing a credit.

Every credit is a `transaction_reconciliation` row; an order's paid amount is the sum of its
active rows. The order row is locked while its balance is read and changed, so concurrent
deposits for one order apply one after the other, and `orders.service.confirm_payment` runs
once, when the balance first reaches zero.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.kit.i18n import N_
from cuenty.orders import service as orders
from cuenty.orders.models import Order, OrderState
from cuenty.payments.models import (
    OPEN_REQUEST_STATES,
    CustomerCredit,
    PaymentRequest,
    ReceivedTransfer,
    Reconciliation,
    RequestState,
    Rule,
    TransferState,
)

log = structlog.get_logger("cuenty.payments")
ZERO = Decimal("0.00")

# Why a transfer went to review instead of being credited.
REVIEW_ORDER_CLOSED = N_("The order it pays is no longer waiting for payment.")
REVIEW_NO_MATCH = N_("No order's CLABE, reference and amount match it.")
REVIEW_AMBIGUOUS = N_("Several open payments match its amount.")
REVIEW_PAID_ORDER_RETURNED = N_("Its money was returned after the order was paid.")


@dataclass(frozen=True)
class Credit:
    """What a credit did: the row written, and whether it completed the order's payment."""

    reconciliation: Reconciliation | None
    completed_order: bool
    in_review: bool = False


async def amount_credited(session: AsyncSession, order_id: uuid.UUID) -> Decimal:
    """Sum of the order's active credits."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Reconciliation.amount), 0)).where(
            Reconciliation.order_id == order_id, Reconciliation.undone_at.is_(None)
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


async def outstanding(session: AsyncSession, order: Order) -> Decimal:
    """What the customer still owes on the order."""
    return max(order.total - await amount_credited(session, order.id), ZERO)


async def credit(
    session: AsyncSession,
    transfer: ReceivedTransfer,
    order_id: uuid.UUID,
    *,
    rule: Rule,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> Credit:
    """Credit the transfer to the order; what exceeds the balance becomes customer credit.

    A transfer for an order that no longer takes payments goes to review instead.
    """
    order = await orders.lock_for_payment(session, order_id)
    assert order is not None, "a matched order id always exists"
    if order.state != OrderState.PENDING_PAYMENT.value:
        await send_to_review(session, transfer, REVIEW_ORDER_CLOSED)
        return Credit(None, completed_order=False, in_review=True)
    balance = await outstanding(session, order)
    applied = min(transfer.amount, balance)
    excess = transfer.amount - applied
    request = await _open_request(session, order.id)
    row = Reconciliation(
        transfer_id=transfer.id,
        order_id=order.id,
        payment_request_id=request.id if request else None,
        rule=rule.value,
        amount=applied,
        excess=excess,
        actor_type=actor.type,
        actor_id=str(actor.id) if actor.id else None,
        reason=reason,
        created_at=now,
    )
    session.add(row)
    transfer.state = TransferState.MATCHED.value
    transfer.review_reason = None
    if excess > ZERO:
        session.add(
            CustomerCredit(
                user_id=order.user_id, transfer_id=transfer.id, order_id=order.id, amount=excess
            )
        )
    await session.flush()
    completed = applied == balance
    await _update_requests(session, order.id, applied, completed=completed, now=now)
    await _announce_credit(session, transfer, order, row, request)
    if completed:
        await orders.confirm_payment(
            session, order, actor, paid_at=transfer.settled_at or now, reason=_paid_reason(rule)
        )
    return Credit(row, completed_order=completed)


async def undo(
    session: AsyncSession,
    row: Reconciliation,
    *,
    reason: str,
    now: datetime,
    returned: bool,
) -> bool:
    """Undo a credit; return whether the order had already been paid with it.

    A paid order stays paid (its subscription may be running): the transfer goes to review so
    operations decide about the refund or the subscription.
    """
    order = await orders.lock_for_payment(session, row.order_id)
    assert order is not None
    row.undone_at = now
    row.undo_reason = reason[:300]
    transfer = await session.get(ReceivedTransfer, row.transfer_id)
    assert transfer is not None
    was_paid = order.state != OrderState.PENDING_PAYMENT.value
    if returned:
        transfer.state = TransferState.RETURNED.value
        transfer.review_reason = REVIEW_PAID_ORDER_RETURNED if was_paid else None
    else:
        await send_to_review(session, transfer, REVIEW_NO_MATCH)
    if row.payment_request_id is not None:
        request = await session.get(PaymentRequest, row.payment_request_id)
        if request is not None:
            request.amount_paid = max(request.amount_paid - row.amount, ZERO)
            if request.state == RequestState.PARTIALLY_PAID.value and request.amount_paid == ZERO:
                request.state = RequestState.PENDING.value
    await session.flush()
    if returned:
        await jobs.publish(
            session,
            "payment.returned",
            {
                "transferId": transfer.id,
                "orderId": order.id,
                "orderNumber": order.number,
                "userId": order.user_id,
                "amount": str(row.amount),
                "orderWasPaid": was_paid,
            },
        )
    return was_paid


async def send_to_review(session: AsyncSession, transfer: ReceivedTransfer, reason: str) -> None:
    transfer.state = TransferState.REVIEW.value
    transfer.review_reason = reason
    await session.flush()


async def _open_request(session: AsyncSession, order_id: uuid.UUID) -> PaymentRequest | None:
    """The order's most recent open payment request, whether or not it has expired."""
    return await session.scalar(
        select(PaymentRequest)
        .where(PaymentRequest.order_id == order_id, PaymentRequest.state.in_(OPEN_REQUEST_STATES))
        .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
        .limit(1)
    )


async def _update_requests(
    session: AsyncSession, order_id: uuid.UUID, applied: Decimal, *, completed: bool, now: datetime
) -> None:
    """Add the credit to the newest open request; close every open request when paid."""
    requests = (
        await session.scalars(
            select(PaymentRequest)
            .where(
                PaymentRequest.order_id == order_id,
                PaymentRequest.state.in_(OPEN_REQUEST_STATES),
            )
            .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
        )
    ).all()
    for position, request in enumerate(requests):
        if position == 0:
            request.amount_paid += applied
            request.state = RequestState.PARTIALLY_PAID.value
        if completed:
            request.state = (
                RequestState.PAID.value if position == 0 else RequestState.CANCELLED.value
            )
            request.paid_at = now if position == 0 else None
    await session.flush()


async def _announce_credit(
    session: AsyncSession,
    transfer: ReceivedTransfer,
    order: Order,
    row: Reconciliation,
    request: PaymentRequest | None,
) -> None:
    await jobs.publish(
        session,
        "payment.received",
        {
            "paymentId": request.id if request else None,
            "transferId": transfer.id,
            "orderId": order.id,
            "userId": order.user_id,
            "amount": str(transfer.amount),
        },
    )
    await jobs.publish(
        session,
        "payment.reconciled",
        {
            "reconciliationId": row.id,
            "transferId": transfer.id,
            "orderId": order.id,
            "rule": row.rule,
            "amount": str(row.amount),
            "excess": str(row.excess),
        },
    )
    log.info(
        "payment credited",
        order_id=str(order.id),
        transfer_id=str(transfer.id),
        rule=row.rule,
        amount=str(row.amount),
        excess=str(row.excess),
    )


def _paid_reason(rule: Rule) -> str:
    return f"SPEI deposit matched by {rule.value}"
