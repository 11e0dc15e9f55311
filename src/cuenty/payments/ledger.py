"""Crediting received money to orders, and undoing a credit.

Every credit is a `transaction_reconciliation` row; an order's paid amount is the sum of its
active rows. The order row is locked while its balance is read and changed, so concurrent
deposits for one order apply one after the other, and `orders.service.confirm_payment` runs
once, when the balance first reaches zero.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import func, select, update
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
CENT = Decimal("0.01")
PAID_REASON = "SPEI deposit reconciled"

# Reasons a transfer goes to review instead of being credited.
REVIEW_ORDER_CLOSED = N_("The order it pays is no longer waiting for payment.")
REVIEW_NO_MATCH = N_("No order's CLABE, reference and amount match it.")
REVIEW_AMBIGUOUS = N_("Several open payments match its amount.")
REVIEW_PAID_ORDER_RETURNED = N_("Its money was returned after the order was paid.")
REVIEW_FAILED = N_("Matching it failed; see the server log for the error.")
REVIEW_UNMATCHED = N_("A person undid its match.")
CLAIMABLE_STATES = (TransferState.UNMATCHED.value, TransferState.REVIEW.value)


# An expired order still takes a deposit (the orders state machine allows expired -> paid):
# money that arrives late pays the order rather than waiting in review.
PAYABLE_STATES = (OrderState.PENDING_PAYMENT.value, OrderState.EXPIRED.value)


@dataclass(frozen=True)
class Match:
    """A transfer and the order a rule chose for it."""

    transfer: ReceivedTransfer
    order_id: uuid.UUID
    rule: Rule
    reason: str | None = None


@dataclass(frozen=True)
class Credit:
    """Result of a credit: the row written, and whether it completed the order's payment."""

    reconciliation: Reconciliation | None
    completed_order: bool
    in_review: bool = False
    # Another run or person matched the transfer first; nothing was done.
    skipped: bool = False


SKIPPED = Credit(None, completed_order=False, skipped=True)


@dataclass
class _Balance:
    order: Order
    credited: Decimal
    requests: list[PaymentRequest]

    @property
    def due(self) -> Decimal:
        return max(self.order.total - self.credited, ZERO)


async def amount_credited(session: AsyncSession, order_id: uuid.UUID) -> Decimal:
    """Sum of the order's active credits."""
    return (await credited(session, [order_id])).get(order_id, ZERO)


async def outstanding(session: AsyncSession, order: Order) -> Decimal:
    """Return what the customer still owes on the order."""
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
    return (await credit_many(session, [Match(transfer, order_id, rule, reason)], actor, now))[0]


async def credit_many(
    session: AsyncSession, matches: Sequence[Match], actor: Actor, now: datetime
) -> list[Credit]:
    """Credit each transfer to its order, in the given order, with a few statements per batch.

    Each transfer is claimed first with a conditional update, so a transfer that another run
    or person matched meanwhile is skipped (`skipped`), never credited twice. Orders are locked
    next; two transfers for one order in the batch see each other's credit.
    """
    requested = list(matches)
    claimed = await _claim(session, [match.transfer.id for match in requested])
    matches = [match for match in requested if match.transfer.id in claimed]
    order_ids = [match.order_id for match in matches]
    balances = await _balances(session, order_ids)
    results: dict[uuid.UUID, Credit] = {}
    rows: list[Reconciliation] = []
    events: list[tuple[str, dict[str, object]]] = []
    completed: list[tuple[Order, datetime]] = []
    for match in matches:
        balance = balances[match.order_id]
        if balance.order.state not in PAYABLE_STATES or balance.due == ZERO:
            # Closed, or already paid by an earlier transfer of this batch.
            _review(match.transfer, REVIEW_ORDER_CLOSED)
            results[match.transfer.id] = Credit(None, completed_order=False, in_review=True)
            continue
        row = _credit_row(session, match, balance, actor, now)
        rows.append(row)
        events.extend(_events(match.transfer, balance, row))
        if balance.due == ZERO:
            completed.append((balance.order, match.transfer.settled_at or now))
        results[match.transfer.id] = Credit(row, completed_order=balance.due == ZERO)
    await session.flush()
    if events:
        await jobs.publish_many(session, events)
    for row in rows:
        log.info(
            "payment credited",
            order_id=str(row.order_id),
            transfer_id=str(row.transfer_id),
            rule=row.rule,
            amount=str(row.amount),
            excess=str(row.excess),
        )
    if completed:
        await orders.confirm_payments(session, completed, actor, reason=PAID_REASON)
    return [results.get(match.transfer.id, SKIPPED) for match in requested]


def _credit_row(
    session: AsyncSession, match: Match, balance: _Balance, actor: Actor, now: datetime
) -> Reconciliation:
    transfer = match.transfer
    applied = min(transfer.amount, balance.due)
    excess = transfer.amount - applied
    request = balance.requests[0] if balance.requests else None

    row = Reconciliation(
        id=uuid.uuid4(),
        transfer_id=transfer.id,
        order_id=balance.order.id,
        payment_request_id=request.id if request else None,
        rule=match.rule.value,
        amount=applied,
        excess=excess,
        actor_type=actor.type,
        actor_id=str(actor.id) if actor.id else None,
        reason=match.reason,
        created_at=now,
    )
    session.add(row)
    transfer.state = TransferState.MATCHED.value
    transfer.review_reason = None

    if excess > ZERO:
        session.add(
            CustomerCredit(
                user_id=balance.order.user_id,
                transfer_id=transfer.id,
                order_id=balance.order.id,
                amount=excess,
            )
        )

    balance.credited += applied
    _apply_to_requests(balance, applied, now)
    return row


def _apply_to_requests(balance: _Balance, applied: Decimal, now: datetime) -> None:
    """Add the credit to the newest open request; close every open request when paid.

    When the order is paid, each request that received money is paid and the others are
    cancelled.
    """
    for position, request in enumerate(balance.requests):
        if position == 0:
            request.amount_paid += applied
            request.state = RequestState.PARTIALLY_PAID.value
        if balance.due == ZERO:
            carried_money = request.amount_paid > ZERO
            request.state = (RequestState.PAID if carried_money else RequestState.CANCELLED).value
            request.paid_at = now if carried_money else None
    if balance.due == ZERO:
        balance.requests = []


async def _claim(session: AsyncSession, transfer_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Mark the transfers matched if they still wait; return the ids this transaction took."""
    if not transfer_ids:
        return set()
    claimed_ids = await session.scalars(
        update(ReceivedTransfer)
        .where(
            ReceivedTransfer.id.in_(transfer_ids),
            ReceivedTransfer.state.in_(CLAIMABLE_STATES),
        )
        .values(state=TransferState.MATCHED.value)
        .returning(ReceivedTransfer.id)
        .execution_options(synchronize_session=False)
    )
    return set(claimed_ids.all())


async def _balances(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, _Balance]:
    locked = await orders.lock_for_payment(session, order_ids)
    paid_so_far = await credited(session, list(locked))
    requests: dict[uuid.UUID, list[PaymentRequest]] = {order_id: [] for order_id in locked}
    rows = await session.scalars(
        select(PaymentRequest)
        .where(
            PaymentRequest.order_id.in_(list(locked)),
            PaymentRequest.state.in_(OPEN_REQUEST_STATES),
        )
        .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id)
    )
    for request in rows.all():
        requests[request.order_id].append(request)
    return {
        order_id: _Balance(order, paid_so_far.get(order_id, ZERO), requests[order_id])
        for order_id, order in locked.items()
    }


async def credited(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    if not order_ids:
        return {}
    rows = await session.execute(
        select(Reconciliation.order_id, func.sum(Reconciliation.amount))
        .where(Reconciliation.order_id.in_(order_ids), Reconciliation.undone_at.is_(None))
        .group_by(Reconciliation.order_id)
    )
    return {order_id: Decimal(total).quantize(CENT) for order_id, total in rows.all()}


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
    order = (await orders.lock_for_payment(session, [row.order_id]))[row.order_id]
    row.undone_at = now
    row.undo_reason = reason[:300]
    transfer = await session.get(ReceivedTransfer, row.transfer_id)
    assert transfer is not None
    was_paid = order.state not in PAYABLE_STATES
    if returned:
        transfer.state = TransferState.RETURNED.value
        transfer.review_reason = REVIEW_PAID_ORDER_RETURNED if was_paid else None
    else:
        await send_to_review(session, transfer, REVIEW_UNMATCHED)
    await session.execute(
        update(CustomerCredit)
        .where(CustomerCredit.transfer_id == transfer.id, CustomerCredit.state == "available")
        .values(state="void", updated_at=now)
    )
    # A paid order keeps its payment record as it was paid; the returned transfer waits in
    # review for operations.
    if row.payment_request_id is not None and not was_paid:
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


def _review(transfer: ReceivedTransfer, reason: str) -> None:
    transfer.state = TransferState.REVIEW.value
    transfer.review_reason = reason


def _events(
    transfer: ReceivedTransfer, balance: _Balance, row: Reconciliation
) -> list[tuple[str, dict[str, object]]]:
    order = balance.order
    return [
        (
            "payment.received",
            {
                "paymentId": row.payment_request_id,
                "transferId": transfer.id,
                "orderId": order.id,
                "userId": order.user_id,
                "amount": str(transfer.amount),
            },
        ),
        (
            "payment.reconciled",
            {
                "reconciliationId": row.id,
                "transferId": transfer.id,
                "orderId": order.id,
                "rule": row.rule,
                "amount": str(row.amount),
                "excess": str(row.excess),
            },
        ),
    ]
