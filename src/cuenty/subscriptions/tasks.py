"""Jobs of subscriptions: the hourly sweep (expiring, reminders, auto-renew orders, expiry)
and resuming orders that wait for stock when the inventory gets some."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import jobs
from cuenty.kit.clock import utc_now
from cuenty.kit.db import transaction
from cuenty.orders.settings import payment_window
from cuenty.subscriptions import messaging  # noqa: F401 - registers the message loaders
from cuenty.subscriptions.fulfilment import resume_waiting
from cuenty.subscriptions.lifecycle import sweep
from cuenty.subscriptions.models import Subscription
from cuenty.subscriptions.settings import subscription_settings
from cuenty.subscriptions.views import render
from cuenty.webhooks.renderers import resource_renderer

SWEEP_JOB = "subscriptions.sweep"
RESUME_JOB = "subscriptions.resume_waiting"


@jobs.handler(SWEEP_JOB, max_attempts=3)
async def run_sweep(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    resources = context.resources or {}
    async with transaction(context.session_factory) as session:
        await sweep(
            session,
            now=context.now(),
            settings=subscription_settings(resources),
            payment_window=payment_window(resources),
        )


@jobs.handler(RESUME_JOB, max_attempts=10)
async def resume(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    service_id = uuid.UUID(str(payload["data"]["serviceId"]))
    async with transaction(context.session_factory) as session:
        await resume_waiting(
            session,
            service_id,
            now=context.now(),
            settings=subscription_settings(context.resources or {}),
        )


# Every hour at minute 7, so reminders go out within the hour of each Mexico City day.
jobs.periodic(SWEEP_JOB, "7 * * * *")
jobs.subscribe("inventory.stock_available", RESUME_JOB, ordered=True)


@resource_renderer("subscription")
async def render_subscription(session: AsyncSession, data: Mapping[str, Any]) -> dict[str, Any]:
    """Webhook `data` of subscription events: the subscription without credentials."""
    subscription_id = data.get("subscriptionId")
    subscription = (
        await session.get(Subscription, uuid.UUID(str(subscription_id)))
        if subscription_id
        else None
    )
    if subscription is None:
        return dict(data)
    (view,) = await render(session, [subscription], None, now=utc_now(), master_key="")
    return view.model_dump(mode="json", by_alias=True, exclude_none=True)
