"""Starting a subscription: stock assigned, the period set, and `subscription.activated`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import Plan
from cuenty.inventory import allocation
from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.subscriptions import states
from cuenty.subscriptions.models import Subscription, SubscriptionState
from cuenty.subscriptions.periods import days_left, period_end
from cuenty.subscriptions.settings import SubscriptionSettings


async def activate(
    session: AsyncSession,
    subscription: Subscription,
    plan: Plan,
    *,
    now: datetime,
    settings: SubscriptionSettings,
) -> bool:
    """Assign stock and start the period; False when no stock is free."""
    taken = await allocation.assign(
        session,
        service_id=subscription.service_id,
        plan_type=subscription.plan_type,
        subscription_id=subscription.id,
    )
    if taken is None:
        return False
    subscription.account_id = taken.account_id
    subscription.profile_id = taken.profile_id
    subscription.starts_at = now
    subscription.ends_at = period_end(now, plan)
    await states.move(
        session, subscription, running_state(subscription, now, settings), Actor.job()
    )
    await session.flush()
    await jobs.publish(
        session,
        "subscription.activated",
        {
            "subscriptionId": subscription.id,
            "userId": subscription.user_id,
            "orderId": subscription.order_id,
        },
    )
    return True


def running_state(
    subscription: Subscription, now: datetime, settings: SubscriptionSettings
) -> SubscriptionState:
    """Active, or expiring when the end is within the expiring window."""
    if days_left(subscription.ends_at, now) <= settings.expiring_days:
        return SubscriptionState.EXPIRING
    return SubscriptionState.ACTIVE
