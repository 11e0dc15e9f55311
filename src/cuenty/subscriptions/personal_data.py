"""Subscriptions in privacy requests: exported without the account's credentials (they are
the company's, not the titular's), auto-renew stopped when a cancellation blocks the data
and restored when the cancellation is withdrawn or refused."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.kit.actor import Actor
from cuenty.kit.clock import utc_now
from cuenty.orders import service as orders
from cuenty.orders.models import Order, OrderState
from cuenty.subscriptions import renewals
from cuenty.subscriptions.models import Subscription, SubscriptionReminder
from cuenty.subscriptions.views import render


@personal_data("subscriptions")
class SubscriptionData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        rows = list(
            (
                await session.scalars(
                    select(Subscription)
                    .where(Subscription.user_id == user_id)
                    .order_by(Subscription.created_at)
                )
            ).all()
        )
        views = await render(session, rows, None, now=utc_now(), master_key="")
        return {
            "subscriptions": [
                view.model_dump(mode="json", by_alias=True, exclude_none=True) for view in views
            ]
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Stop auto-renew and cancel unpaid renewal orders; access runs to its end date.

        `auto_renew_held` remembers which subscriptions renewed before, for `unblock`.
        """
        rows = await session.scalars(select(Subscription).where(Subscription.user_id == user_id))
        for subscription in rows:
            if subscription.auto_renew:
                subscription.auto_renew_held = True
            subscription.auto_renew = False
            open_order = await renewals.open_renewal_order(session, subscription)
            if open_order is not None:
                await orders.cancel_order(
                    session, open_order, Actor.system(), "privacy cancellation"
                )
        await session.flush()

    async def unblock(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Turn auto-renew back on where the block turned it off. Renewal orders that the
        block cancelled stay cancelled; the renewal job opens a new one when one is due."""
        rows = await session.scalars(
            select(Subscription).where(
                Subscription.user_id == user_id, Subscription.auto_renew_held.is_(True)
            )
        )
        for subscription in rows:
            subscription.auto_renew = True
            subscription.auto_renew_held = False
            await _forget_cancelled_renewal(session, subscription)
        await session.flush()

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Delete the reminder history; subscriptions hold no other personal field."""
        ids = select(Subscription.id).where(Subscription.user_id == user_id)
        await session.execute(
            delete(SubscriptionReminder).where(SubscriptionReminder.subscription_id.in_(ids))
        )


async def _forget_cancelled_renewal(session: AsyncSession, subscription: Subscription) -> None:
    """Clear a renewal order that the block cancelled (the orders category cancels it when
    it runs first), because the renewal job opens a new order only when none is set."""
    if subscription.renewal_order_id is None:
        return
    order = await session.get(Order, subscription.renewal_order_id)
    if order is not None and order.state == OrderState.CANCELLED.value:
        subscription.renewal_order_id = None
