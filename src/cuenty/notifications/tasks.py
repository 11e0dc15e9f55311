"""Jobs of the notifications package: deliver one notification, and turn published events
into notifications.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from cuenty.kit import jobs
from cuenty.kit.db import transaction
from cuenty.notifications import dispatch
from cuenty.notifications.events import SENDERS
from cuenty.notifications.providers import build_providers
from cuenty.notifications.service import DELIVER_JOB

EVENT_JOB = "notifications.on_event"

# Attempt n waits 30 s, 1, 2, 4 ... minutes, capped at 1 hour: eight attempts over about
# 2 hours, after which the next channel is tried.
DELIVERY_RETRY = jobs.RetryPolicy(
    max_attempts=8, base_seconds=30, factor=2, max_delay_seconds=3600, jitter=0.25
)

log = structlog.get_logger("cuenty.notifications")


@jobs.handler(DELIVER_JOB, retry=DELIVERY_RETRY, timeout_seconds=120)
async def deliver(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    providers = context.resource("notification_providers") or build_providers(
        context.settings, context.resources
    )
    await dispatch.deliver(
        context.session_factory,
        context.settings,
        providers,
        uuid.UUID(str(payload["notification_id"])),
        now=context.now(),
        last_attempt=context.is_last_attempt,
    )


@jobs.handler(EVENT_JOB, max_attempts=5)
async def on_event(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    event_type = str(payload.get("event_type"))
    sender = SENDERS.get(event_type)
    if sender is None:
        return
    data = payload.get("data") or {}
    try:
        async with transaction(context.session_factory) as session:
            count = await sender(
                session, str(payload["event_id"]), data, str(payload.get("occurred_at"))
            )
    except (KeyError, ValueError) as error:
        # A malformed event fails the same way on every retry: log it and drop it.
        log.warning("notification.event_rejected", event_type=event_type, error=repr(error))
        return
    log.info("notification.event_handled", event_type=event_type, notifications=count)


for _event_type in SENDERS:
    jobs.subscribe(_event_type, EVENT_JOB)
