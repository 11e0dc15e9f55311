"""Renewals: a renewal order is created (by the customer or ahead of the end for auto-renew)
and, once paid, extends the subscription from its previous end date, not from the payment
date. Bank transfers cannot be charged automatically, so auto-renew means "here is your order
to pay", never a charge.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import Plan
from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.kit.i18n import Label
from cuenty.orders import service as orders
from cuenty.orders.models import Order, OrderState
from cuenty.subscriptions import states
from cuenty.subscriptions.activation import activate, running_state
from cuenty.subscriptions.errors import PlanWithdrawnError, RenewalNotAllowedError
from cuenty.subscriptions.models import Subscription, SubscriptionState
from cuenty.subscriptions.periods import period_end
from cuenty.subscriptions.settings import SubscriptionSettings
from cuenty.subscriptions.states import STATE_LABELS

RENEWABLE = {
    SubscriptionState.ACTIVE.value,
    SubscriptionState.EXPIRING.value,
    SubscriptionState.CANCELLED.value,
}


async def open_renewal_order(session: AsyncSession, subscription: Subscription) -> Order | None:
    """Return the subscription's renewal order still waiting for payment, if any."""
    if subscription.renewal_order_id is None:
        return None
    order = await session.get(Order, subscription.renewal_order_id)
    if order is None or order.state != OrderState.PENDING_PAYMENT.value:
        return None
    return order


async def request_renewal(
    session: AsyncSession,
    subscription: Subscription,
    actor: Actor,
    *,
    now: datetime,
    payment_window: timedelta,
) -> tuple[Order, bool]:
    """Return the open renewal order, or create one. The flag is True when it is new."""
    if subscription.state not in RENEWABLE:
        raise RenewalNotAllowedError(
            params={"current": Label(STATE_LABELS[subscription.state])},
            extra={"currentState": subscription.state},
        )
    existing = await open_renewal_order(session, subscription)
    if existing is not None:
        return existing, False
    plan = await session.get(Plan, subscription.plan_id)
    if plan is None or not plan.active:
        raise PlanWithdrawnError()
    order = await orders.place_renewal(
        session,
        user_id=subscription.user_id,
        plan=plan,
        subscription_id=subscription.id,
        actor=actor,
        now=now,
        payment_window=payment_window,
    )
    subscription.renewal_order_id = order.id
    await session.flush()
    return order, True


async def apply_renewal(
    session: AsyncSession, order: Order, *, now: datetime, settings: SubscriptionSettings
) -> bool:
    """Extend the renewed subscription by one period of its plan; False when it waits for
    stock (it had already ended and lost its account)."""
    subscription = await session.get(Subscription, order.renews_subscription_id)
    plan = await session.get(Plan, subscription.plan_id) if subscription else None
    if subscription is None or plan is None:
        raise LookupError(f"renewal order {order.id} names no subscription")
    if subscription.state == SubscriptionState.EXPIRED:
        return await _restart(session, subscription, plan, now=now, settings=settings)
    if subscription.state == SubscriptionState.PENDING:
        return False
    subscription.ends_at = period_end(subscription.ends_at or now, plan)
    subscription.renewal_order_id = None
    if subscription.state != SubscriptionState.PAUSED:
        target = running_state(subscription, now, settings)
        if target != subscription.state:
            await states.move(session, subscription, target, Actor.job(), "renewal paid")
    await session.flush()
    await jobs.publish(
        session,
        "subscription.renewed",
        {
            "subscriptionId": subscription.id,
            "userId": subscription.user_id,
            "orderId": order.id,
            "endsAt": subscription.ends_at,
        },
    )
    return True


async def _restart(
    session: AsyncSession,
    subscription: Subscription,
    plan: Plan,
    *,
    now: datetime,
    settings: SubscriptionSettings,
) -> bool:
    """Restart a subscription whose renewal was paid after the end, with new stock and a new
    period from now, because its old account went back to inventory. While it waits for stock
    it keeps `renewal_order_id`, so the renewal order is delivered when stock arrives."""
    started = await activate(session, subscription, plan, now=now, settings=settings)
    if started:
        subscription.renewal_order_id = None
        await session.flush()
    else:
        await states.move(
            session, subscription, SubscriptionState.PENDING, Actor.job(), "renewal waits for stock"
        )
    return started


async def due_for_auto_renewal(
    session: AsyncSession, now: datetime, settings: SubscriptionSettings, limit: int = 200
) -> list[Subscription]:
    horizon = now + timedelta(days=settings.renewal_days_before)
    query = (
        select(Subscription)
        .where(
            Subscription.auto_renew.is_(True),
            Subscription.state.in_(
                [SubscriptionState.ACTIVE.value, SubscriptionState.EXPIRING.value]
            ),
            Subscription.renewal_order_id.is_(None),
            Subscription.ends_at <= horizon,
            Subscription.ends_at > now,
        )
        .order_by(Subscription.ends_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
