"""Business rules of subscriptions the API exposes: reading with object-level access, the
customer's cancel (auto-renew off, access to the end date), staff pause and resume.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.access import Principal
from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.orders import service as orders
from cuenty.subscriptions import renewals, states
from cuenty.subscriptions.activation import running_state
from cuenty.subscriptions.errors import SubscriptionNotFoundError
from cuenty.subscriptions.models import Subscription, SubscriptionState
from cuenty.subscriptions.settings import SubscriptionSettings

S = SubscriptionState
# States in which the owner may see the account's credentials (until the end date).
WITH_ACCESS = {S.ACTIVE.value, S.EXPIRING.value, S.CANCELLED.value}


async def get_subscription(
    session: AsyncSession, subscription_id: uuid.UUID, principal: Principal
) -> Subscription:
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or not principal.can_act_for(subscription.user_id):
        raise SubscriptionNotFoundError(params={"id": subscription_id})
    return subscription


def subscriptions_query(
    principal: Principal,
    *,
    state: str | None = None,
    user_id: uuid.UUID | None = None,
    service_id: uuid.UUID | None = None,
) -> Select[Any]:
    query = select(Subscription)
    if not principal.is_staff:
        query = query.where(Subscription.user_id == principal.user_id)
    elif user_id is not None:
        query = query.where(Subscription.user_id == user_id)
    if state is not None:
        query = query.where(Subscription.state == state)
    if service_id is not None:
        query = query.where(Subscription.service_id == service_id)
    return query


def has_access(subscription: Subscription, now: datetime) -> bool:
    return (
        subscription.state in WITH_ACCESS
        and subscription.ends_at is not None
        and subscription.ends_at > now
        and subscription.account_id is not None
    )


async def cancel(session: AsyncSession, subscription: Subscription, actor: Actor) -> None:
    """Stop auto-renew; access continues to the end date. An unpaid renewal order is
    cancelled with it."""
    await states.move(session, subscription, S.CANCELLED, actor, "auto-renew stopped")
    subscription.auto_renew = False
    subscription.cancelled_at = subscription.updated_at
    open_order = await renewals.open_renewal_order(session, subscription)
    if open_order is not None:
        await orders.cancel_order(session, open_order, actor, "subscription cancelled")
    # A cancelled order cannot be paid, so the subscription must not point at it: a renewal
    # asked for later opens a new order.
    subscription.renewal_order_id = None
    await session.flush()
    await jobs.publish(
        session,
        "subscription.cancelled",
        {"subscriptionId": subscription.id, "userId": subscription.user_id},
    )


async def pause(
    session: AsyncSession, subscription: Subscription, actor: Actor, *, now: datetime, reason: str
) -> None:
    """Stop access and the clock; the time left is given back on resume."""
    await states.move(session, subscription, S.PAUSED, actor, reason)
    remaining = (subscription.ends_at - now) if subscription.ends_at else timedelta(0)
    subscription.paused_at = now
    # Rounded up, so a pause never takes a fraction of a second from the customer.
    subscription.paused_remaining_seconds = max(0, math.ceil(remaining.total_seconds()))
    await session.flush()


async def resume(
    session: AsyncSession,
    subscription: Subscription,
    actor: Actor,
    *,
    now: datetime,
    settings: SubscriptionSettings,
    reason: str,
) -> None:
    """Start the clock again with the time that was left when the subscription was paused."""
    if subscription.state != S.PAUSED:
        raise states.refused(subscription.state, S.ACTIVE)
    subscription.ends_at = now + timedelta(seconds=subscription.paused_remaining_seconds or 0)
    subscription.paused_at = None
    subscription.paused_remaining_seconds = None
    target = running_state(subscription, now, settings)
    if subscription.cancelled_at is not None:
        target = S.CANCELLED
    await states.move(session, subscription, target, actor, reason)
    await session.flush()
