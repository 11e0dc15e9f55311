"""Subscriptions in privacy requests: exported without the account's credentials (they are
the company's, not the titular's), auto-renew stopped when a cancellation blocks the data."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.kit.actor import Actor
from cuenty.kit.clock import utc_now
from cuenty.orders import service as orders
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
        """Stop auto-renew and cancel unpaid renewal orders; access runs to its end date."""
        rows = await session.scalars(select(Subscription).where(Subscription.user_id == user_id))
        for subscription in rows:
            subscription.auto_renew = False
            open_order = await renewals.open_renewal_order(session, subscription)
            if open_order is not None:
                await orders.cancel_order(
                    session, open_order, Actor.system(), "privacy cancellation"
                )
        await session.flush()

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Delete the reminder history; subscriptions hold no other personal field."""
        ids = select(Subscription.id).where(Subscription.user_id == user_id)
        await session.execute(
            delete(SubscriptionReminder).where(SubscriptionReminder.subscription_id.in_(ids))
        )
