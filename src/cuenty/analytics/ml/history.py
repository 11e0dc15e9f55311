"""Reading the platform's history for the models: subscriptions with their plans, renewal
orders, reminders, browser sessions and payment events, as plain row lists.

Analytics reads these tables directly and read-only, because a daily job over every
subscription cannot go through the per-row service functions of each package.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import AnalyticsEvent, AnalyticsSession, EventType, Source
from cuenty.catalog.models import Plan
from cuenty.catalog.schemas import customer_price
from cuenty.orders.models import Order, OrderKind
from cuenty.subscriptions.models import Subscription, SubscriptionReminder


@dataclass
class History:
    """Every row the features need, each a tuple in the order the loader selects."""

    subscriptions: list[Any]
    plans: dict[uuid.UUID, PlanTerms]
    first_payments: dict[uuid.UUID, datetime]
    renewals: list[Any]
    reminders: list[Any]
    sessions: list[Any]
    payment_events: list[Any]


@dataclass(frozen=True)
class PlanTerms:
    duration_value: int
    duration_unit: str
    price: Decimal


async def load_history(session: AsyncSession) -> History:
    plans = {
        row.id: PlanTerms(
            row.duration_value, row.duration_unit, customer_price(row.price, row.price_includes_iva)
        )
        for row in await session.scalars(select(Plan))
    }
    subscriptions = (
        await session.execute(
            select(
                Subscription.id,
                Subscription.user_id,
                Subscription.plan_id,
                Subscription.order_id,
                Subscription.state,
                Subscription.starts_at,
                Subscription.ends_at,
                Subscription.created_at,
            )
        )
    ).all()
    first_payments = dict(
        (
            await session.execute(
                select(Order.id, Order.paid_at).where(
                    Order.kind == OrderKind.NEW.value, Order.paid_at.is_not(None)
                )
            )
        ).all()
    )
    renewals = (
        await session.execute(
            select(Order.renews_subscription_id, Order.created_at, Order.paid_at)
            .where(Order.kind == OrderKind.RENEWAL.value, Order.paid_at.is_not(None))
            .order_by(Order.paid_at)
        )
    ).all()
    reminders = (
        await session.execute(
            select(
                Subscription.user_id,
                SubscriptionReminder.created_at,
                SubscriptionReminder.days_before,
            ).join(Subscription, Subscription.id == SubscriptionReminder.subscription_id)
        )
    ).all()
    sessions = (
        await session.execute(
            select(
                AnalyticsSession.user_id,
                AnalyticsSession.started_at,
                AnalyticsSession.last_event_at,
            ).where(AnalyticsSession.user_id.is_not(None))
        )
    ).all()
    payment_events = (
        await session.execute(
            select(
                AnalyticsEvent.user_id, AnalyticsEvent.event_type, AnalyticsEvent.occurred_at
            ).where(
                AnalyticsEvent.source == Source.PLATFORM.value,
                AnalyticsEvent.user_id.is_not(None),
                AnalyticsEvent.event_type.in_(
                    [EventType.PAYMENT.value, EventType.PAYMENT_RETURNED.value]
                ),
            )
        )
    ).all()
    return History(
        subscriptions=list(subscriptions),
        plans=plans,
        first_payments=first_payments,
        renewals=list(renewals),
        reminders=list(reminders),
        sessions=list(sessions),
        payment_events=list(payment_events),
    )
