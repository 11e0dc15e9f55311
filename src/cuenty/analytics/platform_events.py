"""Rows of `analytics_events` recorded from the platform's own business events, so revenue
and the funnel never depend on what clients report.

Each row's `event_id` is a UUIDv5 of the source event's type and id, so a job that runs twice
finds its row already stored and adds nothing. Amounts are MXN: an order's total for
`order_created`, the amount credited to the order (without the excess kept as customer
credit) for `payment`, and that amount negated for `payment_returned`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics import behavior
from cuenty.analytics.location import states_of_users
from cuenty.analytics.models import UNKNOWN_STATE, EventType, Source
from cuenty.analytics.repository import insert_events
from cuenty.catalog.models import BundlePlan, Plan
from cuenty.compliance import consents
from cuenty.identity.models import User
from cuenty.kit.clock import business_date, ensure_utc
from cuenty.orders import service as orders
from cuenty.orders.models import Order, OrderState
from cuenty.payments import ledger
from cuenty.subscriptions.models import Subscription

# Fixed namespace of the UUIDv5 ids of platform rows; changing it would store replays twice.
PLATFORM_NAMESPACE = uuid.UUID("6f1c1f0e-3b4a-5d8e-9a51-0c2b7d4e8f13")
RENEWAL = "renewal"
STAFF_ACTOR = "staff"

log = structlog.get_logger("cuenty.analytics")


@dataclass(frozen=True)
class SourceEvent:
    """A published event as the job system hands it to subscribers."""

    event_id: str
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, payload: dict[str, Any]) -> SourceEvent:
        return cls(
            event_id=str(payload["event_id"]),
            event_type=str(payload["event_type"]),
            occurred_at=ensure_utc(datetime.fromisoformat(str(payload["occurred_at"]))),
            data=dict(payload.get("data") or {}),
        )

    def uuid(self, name: str) -> uuid.UUID:
        return uuid.UUID(str(self.data[name]))


@dataclass(frozen=True)
class Fact:
    """One platform row before enrichment."""

    event_type: str
    user_id: uuid.UUID
    occurred_at: datetime
    order_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    amount: Decimal | None = None


Reader = Callable[[AsyncSession, SourceEvent], Awaitable[Fact | None]]


async def record(session: AsyncSession, source: SourceEvent) -> str:
    """Store the row for one source event; return accepted, duplicate or ignored."""
    reader = READERS.get(source.event_type)
    fact = await reader(session, source) if reader else None
    if fact is None:
        return "ignored"
    states = await states_of_users(session, [fact.user_id])
    event_id = uuid.uuid5(PLATFORM_NAMESPACE, f"{source.event_type}:{source.event_id}")
    inserted = await insert_events(session, [_row(event_id, source, fact, states)])
    if event_id not in inserted:
        return "duplicate"
    # The per-user profile is analytics processing, so it follows the user's consent; the row
    # itself is kept because revenue and the funnel are counted from it.
    if await consents.allows(session, fact.user_id, "analytics"):
        stored = behavior.StoredEvent(
            occurred_at=fact.occurred_at,
            user_id=fact.user_id,
            conversion=fact.event_type == EventType.PAYMENT.value,
        )
        await behavior.record(session, [stored])
    return "accepted"


async def _signup(session: AsyncSession, source: SourceEvent) -> Fact | None:
    user = await session.get(User, source.uuid("user_id"))
    if user is None:
        return None
    return Fact(EventType.SIGNUP.value, user.id, user.created_at)


async def _order_created(session: AsyncSession, source: SourceEvent) -> Fact | None:
    order = await session.get(Order, source.uuid("orderId"))
    if order is None:
        return None
    return Fact(
        EventType.ORDER_CREATED.value,
        order.user_id,
        order.created_at,
        order_id=order.id,
        service_id=await order_service_id(session, order.id),
        amount=order.total,
    )


async def _payment(session: AsyncSession, source: SourceEvent) -> Fact | None:
    order = await session.get(Order, source.uuid("orderId"))
    if order is None:
        return None
    return Fact(
        EventType.PAYMENT.value,
        order.user_id,
        source.occurred_at,
        order_id=order.id,
        service_id=await order_service_id(session, order.id),
        amount=Decimal(str(source.data["amount"])),
    )


async def _payment_returned(session: AsyncSession, source: SourceEvent) -> Fact | None:
    fact = await _payment(session, source)
    if fact is None or fact.amount is None:
        return None
    return Fact(
        EventType.PAYMENT_RETURNED.value,
        fact.user_id,
        fact.occurred_at,
        order_id=fact.order_id,
        service_id=fact.service_id,
        amount=-fact.amount,
    )


async def _order_paid_by_staff(session: AsyncSession, source: SourceEvent) -> Fact | None:
    """A payment that staff confirmed by hand: what the order's total exceeds its credits by.

    Orders paid by reconciled deposits have a `payment.reconciled` row each, so they are
    skipped here: their credits cover the total, or a person did not confirm them.
    """
    order = await session.get(Order, source.uuid("orderId"))
    if order is None or not await _paid_by_staff(session, order.id):
        return None
    outstanding = order.total - await ledger.amount_credited(session, order.id)
    if outstanding <= 0:
        return None
    return Fact(
        EventType.PAYMENT.value,
        order.user_id,
        order.paid_at or source.occurred_at,
        order_id=order.id,
        service_id=await order_service_id(session, order.id),
        amount=outstanding,
    )


async def _subscription_event(
    session: AsyncSession, source: SourceEvent, event_type: str
) -> Fact | None:
    subscription = await session.get(Subscription, source.uuid("subscriptionId"))
    if subscription is None:
        return None
    return Fact(
        event_type,
        subscription.user_id,
        source.occurred_at,
        order_id=source.uuid("orderId"),
        service_id=subscription.service_id,
    )


async def _activation(session: AsyncSession, source: SourceEvent) -> Fact | None:
    return await _subscription_event(session, source, EventType.ACTIVATION.value)


async def _renewal(session: AsyncSession, source: SourceEvent) -> Fact | None:
    return await _subscription_event(session, source, RENEWAL)


async def order_service_id(session: AsyncSession, order_id: uuid.UUID) -> uuid.UUID | None:
    """Return the catalog service of the order's first item (a bundle's first plan).

    NOTE: an order of several services counts under its first item's service only.
    """
    items = await orders.order_items(session, order_id)
    if not items:
        return None
    first = min(items, key=lambda item: item.position)
    plan_id = first.plan_id
    if plan_id is None and first.bundle_id is not None:
        plan_id = await session.scalar(
            select(BundlePlan.plan_id)
            .where(BundlePlan.bundle_id == first.bundle_id)
            .order_by(BundlePlan.position)
            .limit(1)
        )
    if plan_id is None:
        return None
    return await session.scalar(select(Plan.service_id).where(Plan.id == plan_id))


async def _paid_by_staff(session: AsyncSession, order_id: uuid.UUID) -> bool:
    history = await orders.order_history(session, order_id)
    paid = [row for row in history if row.to_state == OrderState.PAID.value]
    return bool(paid) and paid[-1].actor_type == STAFF_ACTOR


def _row(
    event_id: uuid.UUID, source: SourceEvent, fact: Fact, states: dict[uuid.UUID, str]
) -> dict[str, Any]:
    occurred_at = ensure_utc(fact.occurred_at)
    return {
        "event_id": event_id,
        "source": Source.PLATFORM.value,
        "event_type": fact.event_type,
        "event_name": source.event_type,
        "user_id": fact.user_id,
        "anonymous_id": None,
        "session_id": None,
        "properties": {},
        "page_url": None,
        "referrer": None,
        "occurred_at": occurred_at,
        "received_at": source.occurred_at,
        "local_date": business_date(occurred_at),
        "device": None,
        "browser": None,
        "os": None,
        "state_code": states.get(fact.user_id, UNKNOWN_STATE),
        "amount": fact.amount,
        "service_id": fact.service_id,
        "order_id": fact.order_id,
    }


READERS: dict[str, Reader] = {
    "user.created": _signup,
    "order.created": _order_created,
    "order.paid": _order_paid_by_staff,
    "payment.reconciled": _payment,
    "payment.returned": _payment_returned,
    "subscription.activated": _activation,
    "subscription.renewed": _renewal,
}
