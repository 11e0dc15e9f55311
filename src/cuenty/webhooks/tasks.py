"""Jobs of the webhooks package: fan events out to endpoints, deliver each message, and purge
old history.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from cuenty.kit import jobs
from cuenty.kit.db import transaction
from cuenty.webhooks import delivery, dispatch, repository, signing
from cuenty.webhooks.catalog import EVENT_TYPES
from cuenty.webhooks.models import MessageStatus
from cuenty.webhooks.service import DELIVER_JOB
from cuenty.webhooks.settings import webhook_settings
from cuenty.webhooks.targets import system_resolver

FAN_OUT_JOB = "webhooks.fan_out"
PURGE_JOB = "webhooks.purge_history"

# Attempt n waits 1, 2, 4 ... minutes, capped at 8 hours, less up to 25% of jitter: twelve
# attempts spread over 18 to 24.5 hours.
DELIVERY_RETRY = jobs.RetryPolicy(
    max_attempts=12, base_seconds=60, factor=2, max_delay_seconds=8 * 3600, jitter=0.25
)


class DeliveryFailedError(RuntimeError):
    """Raised so the job system retries a failed attempt on the delivery schedule."""


@jobs.handler(FAN_OUT_JOB, max_attempts=5)
async def fan_out(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    async with transaction(context.session_factory) as session:
        await dispatch.fan_out(session, payload, context.now())


@jobs.handler(DELIVER_JOB, retry=DELIVERY_RETRY, timeout_seconds=60)
async def deliver(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    settings = webhook_settings(context.resources or {})
    trigger = str(payload.get("trigger", "automatic"))
    message_id = uuid.UUID(str(payload["message_id"]))
    async with context.session_factory() as session:
        found = await repository.message_with_endpoint(session, message_id)
    if found is None:
        return
    message, endpoint = found
    if message.status == MessageStatus.SUCCEEDED.value and trigger == "automatic":
        return
    if not endpoint.enabled:
        await _mark(context, message_id, MessageStatus.SKIPPED)
        return

    master_key = context.settings.secret("encryption_key")
    result = await delivery.send(
        endpoint.url,
        message_id=message.event_id,
        body=message.body,
        secrets=signing.signing_secrets(master_key, endpoint, context.now()),
        settings=settings,
        resolver=context.resource("webhook_resolver", system_resolver),
    )
    async with transaction(context.session_factory) as session:
        found = await repository.message_with_endpoint(session, message_id)
        if found is None:
            return
        outcome = await dispatch.record_attempt(
            session,
            *found,
            result,
            trigger=trigger,
            now=context.now(),
            last_attempt=context.is_last_attempt,
            settings=settings,
        )
    if outcome.retry:
        raise DeliveryFailedError(f"delivery to endpoint {endpoint.id} failed: {result.summary()}")


@jobs.handler(PURGE_JOB, max_attempts=3)
async def purge_history(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    keep = timedelta(days=webhook_settings(context.resources or {}).keep_history_days)
    async with transaction(context.session_factory) as session:
        await repository.purge_messages_before(session, context.now() - keep)


async def _mark(context: jobs.JobContext, message_id: uuid.UUID, status: MessageStatus) -> None:
    async with transaction(context.session_factory) as session:
        found = await repository.message_with_endpoint(session, message_id)
        if found is not None:
            found[0].status = status.value


for _event_type in EVENT_TYPES:
    jobs.subscribe(_event_type, FAN_OUT_JOB, ordered=True)
# 03:40 in Mexico City (UTC-6).
jobs.periodic(PURGE_JOB, "40 9 * * *")
