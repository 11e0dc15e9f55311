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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import structlog
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from cuenty.identity import audit
from cuenty.kit import locks
from cuenty.kit.actor import Actor
from cuenty.kit.i18n import N_, Label
from cuenty.orders import service as orders
from cuenty.orders.errors import OrderNotFoundError
from cuenty.orders.models import Order
from cuenty.orders.states import STATE_LABELS
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
    TransferSource,
    TransferState,
)
from cuenty.payments.transfers import IncomingTransfer, Stored, store

log = structlog.get_logger("cuenty.payments")
BATCH_SIZE = 500
# Sources that tell when the money arrived, which the amount-in-window rule needs.
TIMED_SOURCES = (TransferSource.STP_NOTIFICATION.value, TransferSource.BANK_NOTIFICATION.value)
SKIPPED = "skipped"  # outcome of a transfer another run matched first
RUN_LOCK = "payments:reconciliation"
RUN_LEASE = timedelta(minutes=10)
Cursor = tuple[datetime, uuid.UUID]


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
    # Another run held the lock, so this one did nothing.
    skipped: bool = False

    def count(self, outcome: str) -> None:
        if outcome == SKIPPED:
            return
        self.total += 1
        if outcome in (TransferState.REVIEW.value, TransferState.UNMATCHED.value):
            self.review += 1
            return
        self.reconciled += 1
        self.by_rule[outcome] = self.by_rule.get(outcome, 0) + 1

    def merge(self, other: RunReport) -> None:
        self.total += other.total
        self.reconciled += other.reconciled
        self.review += other.review
        for rule, count in other.by_rule.items():
            self.by_rule[rule] = self.by_rule.get(rule, 0) + count


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
    return (await match_many(session, [transfer], tolerance=tolerance, now=now, actor=actor))[0]


async def match_many(
    session: AsyncSession,
    transfers: Sequence[ReceivedTransfer],
    *,
    tolerance: Decimal,
    now: datetime,
    actor: Actor | None = None,
) -> list[str]:
    """Match a batch of transfers with a few statements; return each one's outcome."""
    candidates = await find_orders(session, transfers, tolerance)
    matches: list[ledger.Match] = []
    reviews: list[dict[str, object]] = []
    for transfer, candidate in zip(transfers, candidates, strict=True):
        if candidate.order_id is None or candidate.rule is None:
            reviews.append(
                {
                    "transfer_id": transfer.id,
                    "reason": candidate.review_reason,
                    "transfer": transfer,
                }
            )
        else:
            matches.append(ledger.Match(transfer, candidate.order_id, candidate.rule))
    await _send_to_review(session, reviews)
    credits = await ledger.credit_many(session, matches, actor or Actor.job(), now)
    await session.flush()
    outcome = {
        match.transfer.id: _outcome(match, credit)
        for match, credit in zip(matches, credits, strict=True)
    }
    return [outcome.get(transfer.id, TransferState.REVIEW.value) for transfer in transfers]


def _outcome(match: ledger.Match, credit: ledger.Credit) -> str:
    if credit.skipped:
        return SKIPPED
    return TransferState.REVIEW.value if credit.in_review else match.rule.value


async def _send_to_review(session: AsyncSession, reviews: list[dict[str, object]]) -> None:
    """Move waiting transfers to review, each only if it still waits (one statement)."""
    if not reviews:
        return
    table = ReceivedTransfer.__table__
    await session.execute(
        update(table)
        .where(
            table.c.id == bindparam("transfer_id"),
            table.c.state == TransferState.UNMATCHED.value,
        )
        .values(state=TransferState.REVIEW.value, review_reason=bindparam("reason")),
        [{"transfer_id": row["transfer_id"], "reason": row["reason"]} for row in reviews],
    )
    # The rows changed behind the ORM; the objects show the values written.
    for review in reviews:
        transfer = review["transfer"]
        set_committed_value(transfer, "state", TransferState.REVIEW.value)
        set_committed_value(transfer, "review_reason", review["reason"])


async def find_orders(
    session: AsyncSession, transfers: Sequence[ReceivedTransfer], tolerance: Decimal
) -> list[Candidate]:
    """Find the order each transfer pays, by the first tier that matches (None: review)."""
    by_clabe = await _orders_by_clabe(session, transfers)
    by_reference = await _orders_by_reference(
        session, [t for t in transfers if t.beneficiary_account not in by_clabe]
    )
    found: list[Candidate] = []
    for transfer in transfers:
        if transfer.beneficiary_account in by_clabe:
            found.append(Candidate(by_clabe[transfer.beneficiary_account], Rule.CLABE))
            continue
        owed = by_reference.get(transfer.numeric_reference or "", {})
        exact = [order for order, due in owed.items() if due == transfer.amount]
        if len(exact) == 1:
            found.append(Candidate(exact[0], Rule.REFERENCE_AMOUNT))
            continue
        if exact:
            found.append(Candidate(None, review_reason=ledger.REVIEW_AMBIGUOUS))
            continue
        found.append(await _by_amount_in_window(session, transfer, tolerance))
    return found


async def _orders_by_clabe(
    session: AsyncSession, transfers: Sequence[ReceivedTransfer]
) -> dict[str | None, uuid.UUID]:
    clabes = {t.beneficiary_account for t in transfers if t.beneficiary_account}
    if not clabes:
        return {}
    rows = await session.execute(
        select(OrderClabe.clabe, OrderClabe.order_id).where(OrderClabe.clabe.in_(clabes))
    )
    return {clabe: order_id for clabe, order_id in rows.all()}


async def _orders_by_reference(
    session: AsyncSession, transfers: Sequence[ReceivedTransfer]
) -> dict[str, dict[uuid.UUID, Decimal]]:
    """For each reference, the payable orders that carry it and what each still owes."""
    references = {t.numeric_reference for t in transfers if t.numeric_reference}
    if not references:
        return {}
    rows = (
        await session.execute(
            select(OrderClabe.reference, Order.id, Order.total)
            .join(Order, OrderClabe.order_id == Order.id)
            .where(
                OrderClabe.reference.in_(references),
                Order.state.in_(ledger.PAYABLE_STATES),
            )
        )
    ).all()
    credited = await ledger.credited(session, [order_id for _, order_id, _ in rows])
    owed: dict[str, dict[uuid.UUID, Decimal]] = {}
    for reference, order_id, total in rows:
        owed.setdefault(reference, {})[order_id] = total - credited.get(order_id, ledger.ZERO)
    return owed


async def _by_amount_in_window(
    session: AsyncSession, transfer: ReceivedTransfer, tolerance: Decimal
) -> Candidate:
    """Find the one open request waiting for this amount when the transfer arrived.

    Only for transfers whose arrival time is known (notifications): a statement line has a
    booking date but no time, so it could match a request made after someone else's deposit.
    """
    if transfer.source not in TIMED_SOURCES:
        return Candidate(None)
    arrived = transfer.settled_at or transfer.received_at
    remaining = PaymentRequest.amount - PaymentRequest.amount_paid
    # SQLite computes the difference in floating point: filter loosely in SQL, exactly here.
    slack = tolerance + Decimal("0.01")
    rows = (
        await session.execute(
            select(PaymentRequest.order_id, PaymentRequest.amount, PaymentRequest.amount_paid)
            .where(
                PaymentRequest.state.in_(OPEN_REQUEST_STATES),
                PaymentRequest.created_at <= arrived,
                PaymentRequest.expires_at >= arrived,
                remaining >= transfer.amount - slack,
                remaining <= transfer.amount + slack,
            )
            .limit(20)
        )
    ).all()
    orders = {
        row.order_id
        for row in rows
        if abs(row.amount - row.amount_paid - transfer.amount) <= tolerance
    }
    if len(orders) == 1:
        return Candidate(orders.pop(), Rule.AMOUNT_WINDOW)
    reason = ledger.REVIEW_AMBIGUOUS if orders else ledger.REVIEW_NO_MATCH
    return Candidate(None, review_reason=reason)


async def run(
    session: AsyncSession, *, tolerance: Decimal, now: datetime, limit: int | None = None
) -> RunReport:
    """Match every transfer still waiting, oldest first, in the caller's transaction."""
    report = RunReport()
    cursor: Cursor | None = None
    while limit is None or report.total < limit:
        size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.total)
        batch, cursor = await run_batch(
            session, tolerance=tolerance, now=now, after=cursor, size=size
        )
        report.merge(batch)
        if batch.total < size:
            break
    return report


async def run_batches(
    factory: async_sessionmaker[AsyncSession], *, tolerance: Decimal, now: datetime
) -> RunReport:
    """Match every transfer still waiting, committing after each batch of BATCH_SIZE.

    A long run never holds one huge transaction, and a crash keeps the batches already done.
    One run at a time: while another run has the lock, this returns an empty report.
    """
    report = RunReport()
    lease = await locks.acquire(factory, RUN_LOCK, owner=f"run-{uuid.uuid4()}", ttl=RUN_LEASE)
    if lease is None:
        report.skipped = True
        return report
    cursor: Cursor | None = None
    try:
        while True:
            async with factory() as session, session.begin():
                batch, cursor = await run_batch(session, tolerance=tolerance, now=now, after=cursor)
            report.merge(batch)
            if batch.total < BATCH_SIZE:
                break
            lease = await locks.renew(factory, lease, ttl=RUN_LEASE)
    finally:
        await locks.release(factory, lease)
    log.info(
        "reconciliation run", total=report.total, reconciled=report.reconciled, review=report.review
    )
    return report


async def run_batch(
    session: AsyncSession,
    *,
    tolerance: Decimal,
    now: datetime,
    after: Cursor | None = None,
    size: int = BATCH_SIZE,
) -> tuple[RunReport, Cursor | None]:
    """Match up to `size` waiting transfers after the cursor, each in its own savepoint.

    A transfer that fails to apply stays unmatched for the next run; the others go on.
    """
    query = (
        select(ReceivedTransfer)
        .where(ReceivedTransfer.state == TransferState.UNMATCHED.value)
        .order_by(ReceivedTransfer.received_at, ReceivedTransfer.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if after is not None:
        query = query.where(
            (ReceivedTransfer.received_at > after[0])
            | ((ReceivedTransfer.received_at == after[0]) & (ReceivedTransfer.id > after[1]))
        )
    report = RunReport()
    transfers = list((await session.scalars(query)).all())
    if not transfers:
        return report, after
    after = (transfers[-1].received_at, transfers[-1].id)
    ids = [transfer.id for transfer in transfers]
    try:
        async with session.begin_nested():
            outcomes = await match_many(session, transfers, tolerance=tolerance, now=now)
    except Exception:
        log.exception("batch could not be matched; matching its transfers one by one")
        outcomes = [await _match_one(session, transfer_id, tolerance, now) for transfer_id in ids]
    for outcome in outcomes:
        report.count(outcome)
    return report, after


async def _match_one(
    session: AsyncSession, transfer_id: uuid.UUID, tolerance: Decimal, now: datetime
) -> str:
    """Match one transfer in its own savepoint; one that still fails goes to review."""
    try:
        async with session.begin_nested():
            transfer = await session.get(ReceivedTransfer, transfer_id, populate_existing=True)
            if transfer is None or transfer.state != TransferState.UNMATCHED.value:
                return TransferState.REVIEW.value
            return await match_transfer(session, transfer, tolerance=tolerance, now=now)
    except Exception:
        log.exception("transfer could not be matched", transfer_id=str(transfer_id))
    async with session.begin_nested():
        transfer = await session.get(ReceivedTransfer, transfer_id, populate_existing=True)
        if transfer is not None and transfer.state == TransferState.UNMATCHED.value:
            transfer.state = TransferState.REVIEW.value
            transfer.review_reason = ledger.REVIEW_FAILED
    return TransferState.REVIEW.value


async def mark_returned(
    session: AsyncSession, transfer: ReceivedTransfer, *, now: datetime, reason: str
) -> None:
    """Undo the credits of a deposit that went back to the payer, and keep it as returned."""
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
    context: AuditContext | None = None,
) -> Reconciliation:
    """Credit a transfer in review to the order operations chose, and audit it."""
    transfer = await session.get(ReceivedTransfer, transfer_id, with_for_update=True)
    if transfer is None:
        raise TransferNotFoundError()
    if transfer.state not in ledger.CLAIMABLE_STATES:
        raise TransferNotMatchableError(
            params={"state": Label(TRANSFER_STATE_LABELS[transfer.state])}
        )
    order = (await orders.lock_for_payment(session, [order_id])).get(order_id)
    if order is None:
        raise OrderNotFoundError(params={"id": order_id})
    if order.state not in ledger.PAYABLE_STATES:
        raise not_payable(order.state)
    result = await ledger.credit(
        session, transfer, order_id, rule=Rule.MANUAL, actor=actor, now=now, reason=reason
    )
    if result.reconciliation is None:
        raise TransferNotMatchableError(
            params={"state": Label(TRANSFER_STATE_LABELS[transfer.state])}
        )
    await audit.record(
        session,
        "payments.manual_match",
        actor_user_id=actor.id,
        subject_user_id=order.user_id,
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else None,
        transfer_id=str(transfer.id),
        order_id=str(order_id),
        amount=str(transfer.amount),
        reason=reason,
    )
    return result.reconciliation


@dataclass(frozen=True)
class AuditContext:
    """Origin of a manual change (address and request id), for the audit row."""

    ip_address: str | None
    request_id: str | None


# Wording of each transfer state inside a sentence ("the transfer is matched").
TRANSFER_STATE_LABELS: dict[str, str] = {
    TransferState.UNMATCHED.value: N_("waiting to be matched"),
    TransferState.MATCHED.value: N_("matched to an order"),
    TransferState.REVIEW.value: N_("in review"),
    TransferState.RETURNED.value: N_("returned to the payer"),
}


def not_payable(state: str) -> OrderNotPayableError:
    return OrderNotPayableError(params={"state": Label(STATE_LABELS[state])})


async def unmatch(
    session: AsyncSession,
    reconciliation_id: uuid.UUID,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    context: AuditContext | None = None,
) -> ReceivedTransfer:
    """Undo a match of an order still waiting for payment; the transfer returns to review."""
    row = await session.get(Reconciliation, reconciliation_id, with_for_update=True)
    if row is None or row.undone_at is not None:
        raise ReconciliationNotFoundError()
    order = await session.get(Order, row.order_id)
    if order is not None and order.state not in ledger.PAYABLE_STATES:
        raise OrderAlreadyPaidError()
    await ledger.undo(session, row, reason=reason, now=now, returned=False)
    transfer = await session.get(ReceivedTransfer, row.transfer_id)
    assert transfer is not None
    await audit.record(
        session,
        "payments.unmatch",
        actor_user_id=actor.id,
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else None,
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
