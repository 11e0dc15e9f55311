"""Jobs of orders: fulfil a paid order, and expire orders whose payment window closed."""

from __future__ import annotations

import uuid
from typing import Any

from cuenty.kit import jobs
from cuenty.kit.db import transaction
from cuenty.orders.service import expire_unpaid
from cuenty.subscriptions.fulfilment import fulfil_order
from cuenty.subscriptions.settings import subscription_settings

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
