"""Jobs of payments: the periodic reconciliation run and the expiry of payment requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from cuenty.kit import jobs
from cuenty.kit.db import transaction
from cuenty.payments import reconciliation
from cuenty.payments.importer import RECONCILE_JOB
from cuenty.payments.models import PaymentRequest, RequestState
from cuenty.payments.settings import PaymentSettings, payment_settings

EXPIRE_JOB = "payments.expire_requests"


@jobs.handler(RECONCILE_JOB, max_attempts=5)
async def reconcile(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    settings = payment_settings(context.resources or {})
    await reconciliation.run_batches(
        context.session_factory, tolerance=settings.amount_tolerance, now=context.now()
    )


@jobs.handler(EXPIRE_JOB, max_attempts=3)
async def expire_requests(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    """Close unpaid instructions whose window ended; their CLABE still pays the order."""
    async with transaction(context.session_factory) as session:
        await session.execute(
            update(PaymentRequest)
            .where(
                PaymentRequest.state == RequestState.PENDING.value,
                PaymentRequest.expires_at <= context.now(),
            )
            .values(state=RequestState.EXPIRED.value)
        )


jobs.periodic(RECONCILE_JOB, PaymentSettings().reconcile_cron)
jobs.periodic(EXPIRE_JOB, "7 * * * *")
