"""Jobs of orders: fulfil a paid order, and expire orders whose payment window closed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import jobs
from cuenty.kit.db import transaction
from cuenty.orders.models import Order
from cuenty.orders.schemas import OrderOut
from cuenty.orders.service import expire_unpaid, order_items
from cuenty.subscriptions.fulfilment import fulfil_order
from cuenty.subscriptions.settings import subscription_settings
from cuenty.webhooks.renderers import resource_renderer

FULFIL_JOB = "orders.fulfil"
EXPIRE_JOB = "orders.expire_unpaid"


@jobs.handler(FULFIL_JOB, max_attempts=10)
async def fulfil(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    async with transaction(context.session_factory) as session:
        await fulfil_order(
            session,
            uuid.UUID(str(payload["orderId"])),
            now=context.now(),
            settings=subscription_settings(context.resources or {}),
        )


@jobs.handler(EXPIRE_JOB, max_attempts=3)
async def expire(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    async with transaction(context.session_factory) as session:
        await expire_unpaid(session, context.now())


jobs.periodic(EXPIRE_JOB, "*/10 * * * *")


@resource_renderer("order")
async def render_order(session: AsyncSession, data: Mapping[str, Any]) -> dict[str, Any]:
    """Render the webhook `data` of order events: the order as its owner sees it, without
    cost or profit. Events that name no existing order keep their own fields."""
    order_id = data.get("orderId")
    order = await session.get(Order, uuid.UUID(str(order_id))) if order_id else None
    if order is None:
        return dict(data)
    view = OrderOut.of(order, await order_items(session, order.id))
    return view.model_dump(mode="json", by_alias=True, exclude_none=True)
